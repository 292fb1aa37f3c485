// A parser for the regular expressions users write in `classify.rules` (JavaScript syntax, flag "i", no "u"):
// literals and escapes, classes, `.`, anchors, word boundaries, groups, alternation and quantifiers.
// Back-references and lookaround are refused: they are what makes a pattern need backtracking. The tree is
// matched in linear time by regex-nfa.ts and checked for catastrophic shapes by config/safe-regex.ts.

/** Char ranges (inclusive code units) plus class escapes ("d", "w", "s" and negated "D", "W", "S"). */
export type CharSet = { negated: boolean; ranges: Array<[number, number]>; classes: string }

export type RegexNode =
  | { t: "empty" }
  | { t: "set"; set: CharSet }
  | { t: "seq"; items: RegexNode[] }
  | { t: "alt"; items: RegexNode[] }
  | { t: "repeat"; body: RegexNode; min: number; max: number }
  | { t: "assert"; kind: "start" | "end" | "word" | "not-word" }

export type ParseResult = { ok: true; node: RegexNode } | { ok: false; error: string }

/** A pattern longer than this is refused before parsing. */
export const MAX_PATTERN_LENGTH = 1_000
/** Groups nested deeper than this are refused (the parser recurses per group). */
export const MAX_GROUP_DEPTH = 32
/** A counted repeat larger than this is refused (`{n,m}` expands into n..m copies). */
export const MAX_COUNT = 100

const DOT: CharSet = { negated: true, ranges: [[10, 10], [13, 13], [0x2028, 0x2029]], classes: "" }

class Fail extends Error {}

export function parseRegex(pattern: string): ParseResult {
  if (typeof pattern !== "string") return { ok: false, error: "not a string" }
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, error: `longer than ${MAX_PATTERN_LENGTH} characters` }
  try {
    new RegExp(pattern, "i")
  } catch (e) {
    return { ok: false, error: `invalid regular expression: ${(e as Error).message}` }
  }
  let i = 0
  const src = pattern
  const fail = (why: string): never => {
    throw new Fail(why)
  }

  function alternation(depth: number): RegexNode {
    const items = [sequence(depth)]
    while (src[i] === "|") {
      i++
      items.push(sequence(depth))
    }
    return items.length === 1 ? items[0]! : { t: "alt", items }
  }

  function sequence(depth: number): RegexNode {
    const items: RegexNode[] = []
    while (i < src.length && src[i] !== "|" && src[i] !== ")") {
      const a = atom(depth)
      items.push(quantified(a))
    }
    return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0]! : { t: "seq", items }
  }

  function quantified(a: RegexNode): RegexNode {
    let min: number
    let max: number
    const c = src[i]
    if (c === "*") [min, max, i] = [0, Infinity, i + 1]
    else if (c === "+") [min, max, i] = [1, Infinity, i + 1]
    else if (c === "?") [min, max, i] = [0, 1, i + 1]
    else if (c === "{") {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(src.slice(i))
      if (!m) return a
      min = Number(m[1])
      max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) fail(`a counted repeat above ${MAX_COUNT}`)
      i += m[0].length
    } else return a
    if (src[i] === "?") i++ // lazy: the same language
    if (a.t === "assert") fail("a quantified assertion")
    return { t: "repeat", body: a, min, max }
  }

  function atom(depth: number): RegexNode {
    const c = src[i]!
    switch (c) {
      case "^":
        i++
        return { t: "assert", kind: "start" }
      case "$":
        i++
        return { t: "assert", kind: "end" }
      case ".":
        i++
        return { t: "set", set: DOT }
      case "(": {
        if (depth >= MAX_GROUP_DEPTH) fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`)
        i++
        if (src[i] === "?") {
          if (src[i + 1] === ":") i += 2
          else if (src[i + 1] === "<" && src[i + 2] !== "=" && src[i + 2] !== "!") {
            const end = src.indexOf(">", i)
            if (end < 0) fail("an unterminated group name")
            i = end + 1
          } else fail("lookaround ((?=…), (?!…), (?<=…), (?<!…)) or group modifiers")
        }
        const body = alternation(depth + 1)
        if (src[i] !== ")") fail("an unbalanced parenthesis")
        i++
        // A group may be repeated even when it holds only an assertion: `(^)*`.
        return body.t === "assert" ? { t: "seq", items: [body] } : body
      }
      case "[":
        return { t: "set", set: charClass() }
      case "\\":
        return escape()
      case "*":
      case "+":
      case "?":
        return fail("nothing to repeat")
      default:
        i++
        return lit(c.charCodeAt(0))
    }
  }

  function escape(): RegexNode {
    const c = src[i + 1]
    if (c === undefined) return fail("a trailing backslash")
    if (c === "b" || c === "B") {
      i += 2
      return { t: "assert", kind: c === "b" ? "word" : "not-word" }
    }
    if (/[dDwWsS]/.test(c)) {
      i += 2
      return { t: "set", set: { negated: false, ranges: [], classes: c } }
    }
    if (/[1-9]/.test(c) || (c === "k" && /\(\?<[^=!]/.test(src))) fail("a back-reference")
    return lit(charEscape(false))
  }

  /** After a backslash (outside class escapes): the code unit it stands for. Advances `i`. */
  function charEscape(inClass: boolean): number {
    const c = src[i + 1]!
    i += 2
    switch (c) {
      case "t":
        return 9
      case "n":
        return 10
      case "v":
        return 11
      case "f":
        return 12
      case "r":
        return 13
      case "0":
        if (/[0-9]/.test(src[i] ?? "")) fail("an octal escape")
        return 0
      case "b":
        if (inClass) return 8
        break
      case "c": {
        const l = src[i]
        if (l && /[A-Za-z]/.test(l)) {
          i++
          return l.charCodeAt(0) % 32
        }
        return fail("a \\c escape without a letter")
      }
      case "x": {
        const h = /^[0-9A-Fa-f]{2}/.exec(src.slice(i))
        if (h) {
          i += 2
          return parseInt(h[0], 16)
        }
        return 120 // Annex B: "x"
      }
      case "u": {
        const h = /^[0-9A-Fa-f]{4}/.exec(src.slice(i))
        if (h) {
          i += 4
          return parseInt(h[0], 16)
        }
        if (src[i] === "{") fail("a \\u{…} escape (needs the u flag)")
        return 117 // Annex B: "u"
      }
    }
    if (/[1-9]/.test(c)) fail("an octal escape or back-reference")
    return c.charCodeAt(0)
  }

  function charClass(): CharSet {
    i++ // [
    const set: CharSet = { negated: false, ranges: [], classes: "" }
    if (src[i] === "^") {
      set.negated = true
      i++
    }
    /** One class atom: a code unit, or a class escape letter. */
    const classAtom = (): number | string => {
      const c = src[i]
      if (c === undefined) return fail("an unterminated character class")
      if (c === "\\") {
        const e = src[i + 1]
        if (e !== undefined && /[dDwWsS]/.test(e)) {
          i += 2
          return e
        }
        if (e === "B") fail("\\B in a character class")
        return charEscape(true)
      }
      i++
      return c.charCodeAt(0)
    }
    while (src[i] !== "]") {
      const a = classAtom()
      if (src[i] === "-" && src[i + 1] !== "]" && src[i + 1] !== undefined) {
        i++
        const b = classAtom()
        if (typeof a === "number" && typeof b === "number") {
          if (b < a) fail("a character range out of order")
          set.ranges.push([a, b])
          continue
        }
        // Annex B: a class escape next to "-" makes the "-" literal.
        for (const x of [a, 45, b]) typeof x === "number" ? set.ranges.push([x, x]) : (set.classes += x)
        continue
      }
      typeof a === "number" ? set.ranges.push([a, a]) : (set.classes += a)
    }
    i++ // ]
    return set
  }

  try {
    const node = alternation(0)
    if (i < src.length) fail("an unbalanced parenthesis")
    return { ok: true, node }
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: `unsupported: ${e.message}` }
    return { ok: false, error: `unsupported: ${(e as Error).message}` }
  }
}

function lit(code: number): RegexNode {
  return { t: "set", set: { negated: false, ranges: [[code, code]], classes: "" } }
}

// ---- character tests (flag "i" without "u": ECMAScript Canonicalize) ----

const WS = [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]

export function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

function inClass(cls: string, c: number): boolean {
  switch (cls) {
    case "d":
      return c >= 48 && c <= 57
    case "D":
      return !(c >= 48 && c <= 57)
    case "w":
      return isWordChar(c)
    case "W":
      return !isWordChar(c)
    case "s":
      return WS.includes(c) || (c >= 0x2000 && c <= 0x200a)
    case "S":
      return !(WS.includes(c) || (c >= 0x2000 && c <= 0x200a))
  }
  return false
}

/** Canonicalize(ch) for a non-unicode, ignoreCase pattern. */
export function canonical(c: number): number {
  if (c < 128) return c >= 97 && c <= 122 ? c - 32 : c
  const u = String.fromCharCode(c).toUpperCase()
  if (u.length !== 1) return c
  const cu = u.charCodeAt(0)
  return cu < 128 ? c : cu
}

function rawIn(set: CharSet, c: number): boolean {
  for (const [a, b] of set.ranges) if (c >= a && c <= b) return true
  for (const k of set.classes) if (inClass(k, c)) return true
  return false
}

/** Does code unit `c` match the set, case-insensitively? (Case variants: the char, its upper and lower forms.) */
export function setMatches(set: CharSet, c: number): boolean {
  let hit = rawIn(set, c)
  if (!hit) {
    const k = canonical(c)
    const s = String.fromCharCode(c)
    for (const v of [k, s.toLowerCase(), s.toUpperCase(), String.fromCharCode(k).toLowerCase()]) {
      const x = typeof v === "number" ? v : v.length === 1 ? v.charCodeAt(0) : -1
      if (x >= 0 && x !== c && canonical(x) === k && rawIn(set, x)) {
        hit = true
        break
      }
    }
  }
  return set.negated ? !hit : hit
}
