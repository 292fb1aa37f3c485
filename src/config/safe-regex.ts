// Load-time check of a user regex rule. A pattern is refused when it is invalid, uses what the linear-time
// matcher does not support (back-references, lookaround), expands too far, or has a shape that backtracking
// engines take exponential time on: a repeat inside a repeat (`(a+)+`, `(.*)*`, `(\w+\s?)*`) or alternatives
// inside a repeat that can match the same text (`(a|a)*`, `(a|ab)*`, `(|a)+`). The plugin itself runs rules
// on the linear matcher, so an accepted pattern is safe there anyway; refusing these shapes keeps a rule safe
// wherever else it is pasted (`explain`, other tools) and tells the user at once.
import { compileLinear } from "../failure/regex-nfa.ts"
import { parseRegex, setMatches, type CharSet, type RegexNode } from "../failure/regex-syntax.ts"

/** Why a user pattern is refused, or undefined when it is fine. */
export function unsafePatternReason(pattern: string): string | undefined {
  const compiled = compileLinear(pattern)
  if (!compiled.ok) return compiled.error
  const parsed = parseRegex(pattern)
  if (!parsed.ok) return parsed.error
  return catastrophic(parsed.node, false)
}

const NESTED = "a repeat inside a repeat (nested quantifiers such as (a+)+ or (.*)*) can take exponential time; repeat a single item instead"
const AMBIGUOUS = "alternatives inside a repeat can match the same text (such as (a|a)* or (a|ab)*) and can take exponential time"

function catastrophic(n: RegexNode, inRepeat: boolean): string | undefined {
  switch (n.t) {
    case "repeat": {
      const repeats = n.max > 1
      if (repeats && hasVariableRepeat(n.body)) return NESTED
      return catastrophic(n.body, inRepeat || repeats)
    }
    case "alt": {
      if (inRepeat) {
        const firsts = n.items.map(first)
        if (firsts.some((f) => f.nullable)) return AMBIGUOUS
        for (let a = 0; a < firsts.length; a++) for (let b = a + 1; b < firsts.length; b++) if (overlaps(firsts[a]!.sets, firsts[b]!.sets)) return AMBIGUOUS
      }
      for (const x of n.items) {
        const r = catastrophic(x, inRepeat)
        if (r) return r
      }
      return undefined
    }
    case "seq":
      for (const x of n.items) {
        const r = catastrophic(x, inRepeat)
        if (r) return r
      }
      return undefined
    default:
      return undefined
  }
}

function hasVariableRepeat(n: RegexNode): boolean {
  switch (n.t) {
    case "repeat":
      return n.min !== n.max || hasVariableRepeat(n.body)
    case "seq":
    case "alt":
      return n.items.some(hasVariableRepeat)
    default:
      return false
  }
}

type First = { sets: CharSet[]; nullable: boolean }

function first(n: RegexNode): First {
  switch (n.t) {
    case "empty":
    case "assert":
      return { sets: [], nullable: true }
    case "set":
      return { sets: [n.set], nullable: false }
    case "repeat": {
      const f = first(n.body)
      return { sets: f.sets, nullable: n.min === 0 || f.nullable }
    }
    case "alt": {
      const fs = n.items.map(first)
      return { sets: fs.flatMap((f) => f.sets), nullable: fs.some((f) => f.nullable) }
    }
    case "seq": {
      const sets: CharSet[] = []
      for (const x of n.items) {
        const f = first(x)
        sets.push(...f.sets)
        if (!f.nullable) return { sets, nullable: false }
      }
      return { sets, nullable: true }
    }
  }
}

/** Sets that match most of Unicode (negated ones, \D, \W, \S) overlap beyond the sampled range. */
const broad = (s: CharSet) => s.negated || /[DWS]/.test(s.classes)

function overlaps(a: CharSet[], b: CharSet[]): boolean {
  for (const x of a)
    for (const y of b) {
      if (broad(x) && broad(y)) return true
      for (let c = 0; c < 0x300; c++) if (setMatches(x, c) && setMatches(y, c)) return true
    }
  return false
}
