// Matching without backtracking: a parsed pattern (regex-syntax.ts) compiles to a small program that runs as
// a Thompson NFA over the text, every live state advanced together, one code unit at a time. Time is
// O(text length × program size) whatever the pattern, so `(a+)+$` on "aaaa…!" costs what "a" does.
// Only `test` (does it match anywhere?) is needed, so there are no captures and greedy = lazy.
import { isWordChar, parseRegex, setMatches, type CharSet, type RegexNode } from "./regex-syntax.ts"

/** Programs larger than this (after expanding counted repeats) are refused. */
export const MAX_PROGRAM = 2_000

type Inst =
  | { op: "char"; set: CharSet; cache: Map<number, boolean> }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "assert"; kind: "start" | "end" | "word" | "not-word" }
  | { op: "match" }

export type LinearRegex = { test(text: string): boolean; readonly size: number }

export type CompileResult = { ok: true; regex: LinearRegex } | { ok: false; error: string }

export function compileLinear(pattern: string): CompileResult {
  const parsed = parseRegex(pattern)
  if (!parsed.ok) return parsed
  const prog: Inst[] = []
  const tooBig = () => prog.length > MAX_PROGRAM
  const emit = (n: RegexNode): boolean => {
    if (tooBig()) return false
    switch (n.t) {
      case "empty":
        return true
      case "set":
        prog.push({ op: "char", set: n.set, cache: new Map() })
        return true
      case "assert":
        prog.push({ op: "assert", kind: n.kind })
        return true
      case "seq":
        return n.items.every(emit)
      case "alt": {
        // split L1, next; L1: a; jmp end; next: split L2, … ; last: z; end:
        const jumps: Array<Extract<Inst, { op: "jmp" }>> = []
        for (let k = 0; k < n.items.length; k++) {
          const last = k === n.items.length - 1
          const split: Extract<Inst, { op: "split" }> | undefined = last ? undefined : { op: "split", x: prog.length + 1, y: -1 }
          if (split) prog.push(split)
          if (!emit(n.items[k]!)) return false
          if (split) {
            const j: Extract<Inst, { op: "jmp" }> = { op: "jmp", x: -1 }
            prog.push(j)
            jumps.push(j)
            split.y = prog.length
          }
        }
        for (const j of jumps) j.x = prog.length
        return true
      }
      case "repeat": {
        for (let k = 0; k < n.min; k++) if (!emit(n.body)) return false
        if (n.max === Infinity) {
          const split: Extract<Inst, { op: "split" }> = { op: "split", x: prog.length + 1, y: -1 }
          const top = prog.length
          prog.push(split)
          if (!emit(n.body)) return false
          prog.push({ op: "jmp", x: top })
          split.y = prog.length
          return true
        }
        const splits: Array<Extract<Inst, { op: "split" }>> = []
        for (let k = n.min; k < n.max; k++) {
          const split: Extract<Inst, { op: "split" }> = { op: "split", x: prog.length + 1, y: -1 }
          prog.push(split)
          splits.push(split)
          if (!emit(n.body)) return false
        }
        for (const s of splits) s.y = prog.length
        return true
      }
    }
  }
  if (!emit(parsed.node) || tooBig()) return { ok: false, error: `too large once its repeats are expanded (over ${MAX_PROGRAM} steps)` }
  prog.push({ op: "match" })
  return { ok: true, regex: { test: (text) => run(prog, text), size: prog.length } }
}

function run(prog: Inst[], text: string): boolean {
  const m = prog.length
  const mark = new Int32Array(m).fill(-1)
  let clist = new Int32Array(m)
  let nlist = new Int32Array(m)
  let ccount = 0
  let ncount = 0
  const stack = new Int32Array(m * 2 + 2)
  const n = text.length
  const wordAt = (p: number) => p >= 0 && p < n && isWordChar(text.charCodeAt(p))

  /** Adds the char states reachable from `pc` at position `pos` (epsilon closure); true on a match. */
  function add(list: Int32Array, count: number, pc: number, pos: number, gen: number): number {
    let sp = 0
    stack[sp++] = pc
    while (sp > 0) {
      const at = stack[--sp]!
      if (mark[at] === gen) continue
      mark[at] = gen
      const ins = prog[at]!
      switch (ins.op) {
        case "char":
          list[count++] = at
          break
        case "jmp":
          stack[sp++] = ins.x
          break
        case "split":
          stack[sp++] = ins.y
          stack[sp++] = ins.x
          break
        case "assert": {
          const ok =
            ins.kind === "start" ? pos === 0 : ins.kind === "end" ? pos === n : ins.kind === "word" ? wordAt(pos - 1) !== wordAt(pos) : wordAt(pos - 1) === wordAt(pos)
          if (ok) stack[sp++] = at + 1
          break
        }
        case "match":
          return -1
      }
    }
    return count
  }

  ccount = add(clist, 0, 0, 0, 0)
  if (ccount < 0) return true
  for (let pos = 0; pos < n; pos++) {
    const c = text.charCodeAt(pos)
    const gen = pos + 1
    ncount = 0
    for (let k = 0; k < ccount; k++) {
      const ins = prog[clist[k]!] as Extract<Inst, { op: "char" }>
      let hit = ins.cache.get(c)
      if (hit === undefined) {
        hit = setMatches(ins.set, c)
        if (ins.cache.size < 512) ins.cache.set(c, hit)
      }
      if (!hit) continue
      ncount = add(nlist, ncount, clist[k]! + 1, pos + 1, gen)
      if (ncount < 0) return true
    }
    // Unanchored: a match may also start at the next position.
    ncount = add(nlist, ncount, 0, pos + 1, gen)
    if (ncount < 0) return true
    const t = clist
    clist = nlist
    nlist = t
    ccount = ncount
  }
  return false
}
