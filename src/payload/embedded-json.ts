// Provider errors reach us as text far more often than as objects: JSON inside a string, JSON encoded twice,
// a Python dict repr ("{'error': {...}}") from SDKs written in Python, or JSON after a prefix such as
// "Error code: 429 - {...}". `parseEmbedded` recovers the structured value from all of these. It is total:
// it never throws, and bounds its work on pathological input.

const MAX_TEXT = 64 * 1024
const MAX_DEPTH_DECODE = 3
/** The deepest cut body that is closed and read. */
const MAX_CUT_DEPTH = 32

/** Parses JSON, double-encoded JSON, a Python literal, or the first balanced {...} / [...] inside `text`. */
export function parseEmbedded(text: string): unknown {
  if (typeof text !== "string") return undefined
  const s = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text
  const trimmed = s.trim()
  if (!trimmed) return undefined
  const direct = decodeWhole(trimmed)
  if (direct !== undefined) return direct
  const start = firstOpener(trimmed)
  if (start < 0) return undefined
  const found = enclosed(trimmed, start)
  if (typeof found === "number") return decodeWhole(trimmed.slice(start, found + 1))
  for (const closed of found) {
    const value = decodeWhole(closed)
    // closed by us, so only read as an error body: an echo of a request cut inside a message is not one
    if (value !== undefined) return looksLikeEnvelope(value) ? value : undefined
  }
  return undefined
}

const ENVELOPE_KEYS = ["error", "message", "code", "type", "status", "detail", "headers", "header", "errors", "msg"]
const looksLikeEnvelope = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && ENVELOPE_KEYS.some((k) => k in v)

/**
 * Where the bracket at `start` closes, skipping quoted strings ('...' and "..."), read by char codes (a body
 * cut at its size bound is scanned whole when it does not close). A body cut short (in a log line, an issue
 * report, or by our own size bound) is closed where it stops instead: an open string is ended and the open
 * brackets are closed, so the fields before the cut still count; when that does not parse (the cut fell
 * inside a key or a literal), the cut moves back to the last comma. Returns the index, or those candidates.
 */
function enclosed(s: string, start: number): number | string[] {
  const cut = scan(s, start, s.length)
  if (typeof cut === "number") return cut
  // error bodies nest a few levels; a deep run of brackets is not one (and parsing it would cost its depth)
  if (!cut.closers.length || cut.deeper) return []
  let body = cut.escapedEnd ? s.slice(start, -1) : s.slice(start)
  // a cut inside a \uXXXX escape leaves a fragment that no parser takes
  if (cut.quote) body = body.replace(/\\u[0-9a-fA-F]{0,3}$/, "")
  const out = [body + (cut.quote ? String.fromCharCode(cut.quote) : "") + closing(cut.closers)]
  if (cut.comma > start) {
    // the brackets open at the last comma, found by a second scan (a copy of the stack at every comma costs more)
    const atComma = scan(s, start, cut.comma)
    if (typeof atComma !== "number" && !atComma.deeper) out.push(s.slice(start, cut.comma) + closing(atComma.closers))
  }
  return out
}

type Cut = { closers: number[]; deeper: number; quote: number; escapedEnd: boolean; comma: number }

/** Scans s[start, end): the index where the bracket at `start` closes, or the state where the text stops. */
function scan(s: string, start: number, end: number): number | Cut {
  const closers: number[] = []
  let deeper = 0 // levels past MAX_CUT_DEPTH, counted only
  let quote = 0
  let escapedEnd = false
  let comma = -1
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (quote) {
      if (c === 92 /* \ */) {
        if (i + 1 >= end) escapedEnd = true
        i++
      } else if (c === quote) quote = 0
      continue
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      // an apostrophe inside a word ("don't") is not a quote
      if (c === 39 && isLetter(s.charCodeAt(i - 1)) && isLetter(s.charCodeAt(i + 1))) continue
      quote = c
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (closers.length < MAX_CUT_DEPTH) closers.push(c === 123 ? 125 : 93)
      else deeper++
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (deeper) deeper--
      else closers.pop()
      if (!closers.length) return i
    } else if (c === 44 /* , */) comma = i
  }
  return { closers, deeper, quote, escapedEnd, comma }
}

const closing = (stack: number[]) => stack.reverse().map((c) => (c === 125 ? "}" : "]")).join("")

function decodeWhole(s: string): unknown {
  const c = s[0]
  if (c !== "{" && c !== "[" && c !== '"') return undefined
  let value: unknown = tryJson(s)
  if (value === undefined && c !== '"' && PYTHONIC.test(s.slice(0, 200))) value = tryPython(s)
  // JSON that was encoded again as a JSON string (sometimes twice).
  for (let i = 0; i < MAX_DEPTH_DECODE && typeof value === "string"; i++) {
    const inner = value.trim()
    if (inner[0] !== "{" && inner[0] !== "[" && inner[0] !== '"') break
    const next = tryJson(inner) ?? (PYTHONIC.test(inner.slice(0, 200)) ? tryPython(inner) : undefined)
    if (next === undefined) break
    value = next
  }
  return value !== null && typeof value === "object" ? value : undefined
}

/** A Python literal quotes its keys with ' (JSON never does), or spells None / True / False. */
const PYTHONIC = /^[[{(]\s*'|'\s*:|[:,[(]\s*(?:None|True|False)\b/

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}

function firstOpener(s: string): number {
  const a = s.indexOf("{")
  const b = s.indexOf("[")
  if (a < 0) return b
  if (b < 0) return a
  return Math.min(a, b)
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)

/**
 * Converts a Python literal (dict/list/str/number/True/False/None) to a JS value. Only the subset that
 * error reprs use; anything else yields undefined.
 */
export function tryPython(s: string): unknown {
  let i = 0
  const n = s.length
  let steps = 0
  const ws = () => {
    while (i < n && /\s/.test(s[i]!)) i++
  }
  const fail = Symbol("fail")
  type V = unknown
  const value = (): V | typeof fail => {
    if (++steps > 20_000) return fail
    ws()
    const ch = s[i]
    if (ch === "{") {
      i++
      const out: Record<string, unknown> = {}
      ws()
      if (s[i] === "}") return i++, out
      for (;;) {
        const k = value()
        if (k === fail) return fail
        ws()
        if (s[i] !== ":") return fail
        i++
        const v = value()
        if (v === fail) return fail
        out[String(k)] = v
        ws()
        if (s[i] === ",") {
          i++
          ws()
          if (s[i] === "}") return i++, out
          continue
        }
        if (s[i] === "}") return i++, out
        return fail
      }
    }
    if (ch === "[" || ch === "(") {
      const close = ch === "[" ? "]" : ")"
      i++
      const out: unknown[] = []
      ws()
      if (s[i] === close) return i++, out
      for (;;) {
        const v = value()
        if (v === fail) return fail
        out.push(v)
        ws()
        if (s[i] === ",") {
          i++
          ws()
          if (s[i] === close) return i++, out
          continue
        }
        if (s[i] === close) return i++, out
        return fail
      }
    }
    if (ch === "'" || ch === '"') {
      const q = ch
      i++
      let out = ""
      while (i < n && s[i] !== q) {
        if (s[i] === "\\" && i + 1 < n) {
          const e = s[i + 1]!
          out += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e
          i += 2
        } else out += s[i++]
      }
      if (i >= n) return fail
      i++
      return out
    }
    const m = /^(?:True|False|None|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 40))
    if (!m) return fail
    i += m[0].length
    if (m[0] === "True") return true
    if (m[0] === "False") return false
    if (m[0] === "None") return null
    return Number(m[0])
  }
  try {
    const v = value()
    ws()
    if (v === fail || i !== n) return undefined
    return v
  } catch {
    return undefined
  }
}
