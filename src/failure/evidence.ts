// What rules look at, and how each look reports the evidence it found. A rule's test returns the evidence
// (a field, a status, a phrase) or undefined; `explain` shows it, so a decision can always be traced back to
// the part of the error that made it.
import type { ErrorFacts } from "../payload/error.ts"
import type { Evidence } from "./types.ts"
import type { Wait } from "./wait.ts"

export type Facts = {
  e: ErrorFacts
  status?: number
  /** lower-cased names, codes, types, reasons, quota ids */
  markers: readonly string[]
  /** lower-cased haystack: every text found plus the markers, typographic quotes made ASCII, whitespace collapsed */
  text: string
  wait: Wait
  /** a wait longer than this does not clear soon (ClassifyOptions.quotaRetryAfterMs) */
  longWaitMs: number
  /**
   * Only a message was given: no status, no body, no error name (a bare string, or the host's retry status,
   * which carries the message alone). The host is still retrying; the final session.error will carry more.
   */
  messageOnly: boolean
  /** Which wording patterns may match the text (evidence.ts openWordings). */
  open: Uint8Array
}

export type Hit = Evidence | undefined

const clip = (s: string, n = 80) => (s.length > n ? s.slice(0, n - 1) + "…" : s)

/** The first marker (error name, type, code, reason, quota id) the pattern matches. */
export function field(f: Facts, re: RegExp): Hit {
  for (const m of f.markers) if (re.test(m)) return { kind: "field", detail: JSON.stringify(clip(m)) }
  return undefined
}

/**
 * A wording pattern and its keywords: every alternative of the pattern contains one of them. One scan of the
 * text (the router, below) finds which keywords occur; a pattern, usually a large alternation, runs only when
 * one of its keywords does. That keeps the cost of a call near the cost of one scan, whatever the number of
 * rules. `GATES.on = false` runs every pattern (tests compare both ways, over the corpora and fuzzed input).
 */
export type Wording = { re: RegExp; id: number; words: readonly string[] }
export const GATES = { on: true }

const registry: Wording[] = []
let router: { re: RegExp; ids: Map<string, number[]> } | undefined

/** Declares a wording pattern with its keywords (plain lower-case text, no regex syntax). */
export function wording(re: RegExp, words: readonly string[]): Wording {
  const w: Wording = { re, id: registry.length, words }
  registry.push(w)
  router = undefined
  return w
}

function buildRouter() {
  const ids = new Map<string, number[]>()
  for (const w of registry) for (const k of w.words) ids.set(k, [...(ids.get(k) ?? []), w.id])
  const keys = [...ids.keys()].sort((a, b) => b.length - a.length)
  // A match reports the longest keyword starting at a position; the shorter ones it begins with open too.
  const withPrefixes = new Map<string, number[]>()
  for (const k of keys) withPrefixes.set(k, [...new Set(keys.filter((p) => k.startsWith(p)).flatMap((p) => ids.get(p)!))])
  const escaped = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
  return { re: new RegExp(escaped.join("|"), "g"), ids: withPrefixes }
}

/** Which wording patterns may match `text`: a bit set over Wording.id (exactly: some keyword occurs in text). */
export function openWordings(text: string): Uint8Array {
  router ??= buildRouter()
  const open = new Uint8Array(registry.length)
  const re = router.re
  re.lastIndex = 0
  // The longest keyword at each match start; the search resumes one character later, so keywords inside or
  // overlapping other keywords ("load" in "overloaded") are found too.
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (const id of router.ids.get(m[0])!) open[id] = 1
    re.lastIndex = m.index + 1
  }
  return open
}

const usable = (f: Facts, w: Wording | RegExp): RegExp | undefined => (w instanceof RegExp ? w : !GATES.on || f.open[w.id] ? w.re : undefined)

/** The phrase of the message the pattern matches. */
export function phrase(f: Facts, w: Wording | RegExp): Hit {
  const m = usable(f, w)?.exec(f.text)
  return m ? { kind: "wording", detail: JSON.stringify(clip(m[0].trim())) } : undefined
}

/** Whether the message says it, without reporting it (for conditions that only gate a rule). */
export const says = (f: Facts, w: Wording | RegExp): boolean => usable(f, w)?.test(f.text) ?? false

export function status(f: Facts, ok: (s: number) => boolean): Hit {
  return f.status !== undefined && ok(f.status) ? { kind: "status", detail: `HTTP ${f.status}` } : undefined
}

/** z.ai / Zhipu numeric business codes (1000–1399) carried as the error code. */
export function zaiCode(f: Facts, codes: readonly number[]): Hit {
  for (const m of f.markers) if (/^1[0-3]\d\d$/.test(m) && codes.includes(Number(m))) return { kind: "field", detail: `code ${m}` }
  return undefined
}

/** A 4xx that is not a timeout or rate limit: the request itself was refused, whatever the wrapper says. */
export const clientStatus = (f: Facts) => f.status !== undefined && f.status >= 400 && f.status < 500 && f.status !== 408 && f.status !== 409 && f.status !== 429

/**
 * The most text wording rules read: the errors of both corpora fit (p99 843 characters; the longest, 1514, loses
 * only its tail). Longer copies cost more than their length: strings of 1.6-2.7 KB allocate slowly in JSC.
 */
export const MAX_HAYSTACK = 1500

/** Lower-cases, makes typographic quotes ASCII and collapses whitespace: what wording rules read. */
export function haystack(text: string, markers: readonly string[]): string {
  const head = text.length > MAX_HAYSTACK ? text.slice(0, MAX_HAYSTACK) : text
  const raw = markers.length ? head + "\n" + markers.slice(0, 24).join("\n") : head
  // lower-casing copies the text; a long text is often lower case already (and then needs no copy)
  let out = /[A-Z\u0080-\uffff]/.test(raw) ? raw.toLowerCase() : raw
  if (/[\u2018\u2019\u02bc\u201c\u201d]/.test(out)) out = out.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, '"')
  return /\s\s|[\t\n\r\f\v\u00a0]/.test(out) ? out.replace(/\s+/g, " ") : out
}
