// Matching without backtracking: a parsed pattern (regex-syntax.ts) compiles to a small program that runs as
// a Thompson NFA over the text, every live state advanced together, one code unit at a time. Time is
// O(text length × program size) whatever the pattern, so `(a+)+$` on "aaaa…!" costs what "a" does.
// Only `test` (does it match anywhere?) is needed, so there are no captures and greedy = lazy.
import { isWordChar, parseRegex, setMatches, type CharSet, type RegexNode } from "./regex-syntax.ts"

/** Programs larger than this (after expanding counted repeats) are refused. */
export const MAX_PROGRAM = 500

type Inst =
  | { op: "char"; set: CharSet; cache: Map<number, boolean> }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "assert"; kind: "start" | "end" | "word" | "not-word" }
  | { op: "match" }

export type LinearRegex = {
  test(text: string): boolean
  /** Instructions in the program: the per-character cost bound. */
  readonly size: number
  /** How many NFA states `test(text)` visits (≤ (text length + 1) × size); for tests and benchmarks. */
  steps(text: string): number
}

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
  return {
    ok: true,
    regex: {
      test: (text) => run(prog, text),
      size: prog.length,
      steps(text) {
        const counter = { n: 0 }
        run(prog, text, counter)
        return counter.n
      },
    },
  }
}

const OP_CHAR = 0
const OP_SPLIT = 1
const OP_JMP = 2
const OP_ASSERT = 3
const OP_MATCH = 4
const ASSERTS = ["start", "end", "word", "not-word"] as const

/** The program as flat arrays, with each char test precomputed for ASCII. */
type Flat = { op: Int8Array; x: Int32Array; y: Int32Array; ascii: Uint8Array; sets: Array<Extract<Inst, { op: "char" }> | undefined> }

const flatCache = new WeakMap<Inst[], Flat>()

function flatten(prog: Inst[]): Flat {
  const hit = flatCache.get(prog)
  if (hit) return hit
  const m = prog.length
  const f: Flat = { op: new Int8Array(m), x: new Int32Array(m), y: new Int32Array(m), ascii: new Uint8Array(m * 128), sets: new Array(m) }
  prog.forEach((ins, i) => {
    switch (ins.op) {
      case "char":
        f.op[i] = OP_CHAR
        f.sets[i] = ins
        for (let c = 0; c < 128; c++) f.ascii[i * 128 + c] = setMatches(ins.set, c) ? 1 : 0
        break
      case "split":
        f.op[i] = OP_SPLIT
        f.x[i] = ins.x
        f.y[i] = ins.y
        break
      case "jmp":
        f.op[i] = OP_JMP
        f.x[i] = ins.x
        break
      case "assert":
        f.op[i] = OP_ASSERT
        f.x[i] = ASSERTS.indexOf(ins.kind)
        break
      case "match":
        f.op[i] = OP_MATCH
    }
  })
  flatCache.set(prog, f)
  return f
}

function matchesAt(f: Flat, pc: number, c: number): boolean {
  if (c < 128) return f.ascii[pc * 128 + c] === 1
  const ins = f.sets[pc]!
  let hit = ins.cache.get(c)
  if (hit === undefined) {
    hit = setMatches(ins.set, c)
    if (ins.cache.size < 512) ins.cache.set(c, hit)
  }
  return hit
}

function run(prog: Inst[], text: string, counter?: { n: number }): boolean {
  const f = flatten(prog)
  const { op, x, y } = f
  const m = prog.length
  const mark = new Int32Array(m).fill(-1)
  let clist = new Int32Array(m)
  let nlist = new Int32Array(m)
  let ccount = 0
  let ncount = 0
  const stack = new Int32Array(m * 2 + 2)
  const n = text.length
  const wordAt = (p: number) => p >= 0 && p < n && isWordChar(text.charCodeAt(p))
  let visits = 0

  /** Adds the char states reachable from `pc` at position `pos` (epsilon closure); -1 on a match. */
  function add(list: Int32Array, count: number, pc: number, pos: number, gen: number): number {
    let sp = 0
    stack[sp++] = pc
    while (sp > 0) {
      const at = stack[--sp]!
      if (mark[at] === gen) continue
      mark[at] = gen
      visits++
      switch (op[at]) {
        case OP_CHAR:
          list[count++] = at
          break
        case OP_JMP:
          stack[sp++] = x[at]!
          break
        case OP_SPLIT:
          stack[sp++] = y[at]!
          stack[sp++] = x[at]!
          break
        case OP_ASSERT: {
          const k = x[at]
          const ok = k === 0 ? pos === 0 : k === 1 ? pos === n : k === 2 ? wordAt(pos - 1) !== wordAt(pos) : wordAt(pos - 1) === wordAt(pos)
          if (ok) stack[sp++] = at + 1
          break
        }
        default:
          return -1
      }
    }
    return count
  }

  const done = (found: boolean) => {
    if (counter) counter.n += visits
    return found
  }
  ccount = add(clist, 0, 0, 0, 0)
  if (ccount < 0) return done(true)
  for (let pos = 0; pos < n; pos++) {
    const c = text.charCodeAt(pos)
    const gen = pos + 1
    ncount = 0
    for (let k = 0; k < ccount; k++) {
      const pc = clist[k]!
      if (!matchesAt(f, pc, c)) continue
      ncount = add(nlist, ncount, pc + 1, pos + 1, gen)
      if (ncount < 0) return done(true)
    }
    // Unanchored: a match may also start at the next position.
    ncount = add(nlist, ncount, 0, pos + 1, gen)
    if (ncount < 0) return done(true)
    const t = clist
    clist = nlist
    nlist = t
    ccount = ncount
  }
  return done(false)
}
