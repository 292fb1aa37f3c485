// How long a failed model wants us to wait, from every place providers put it: `retry-after-ms` and
// `retry-after` (seconds or an HTTP date) headers, structured body fields (`resets_in_seconds`, `resets_at`,
// Google `RetryInfo.retryDelay`), the host's own announced next try, and wording ("Please try again in 9.8s",
// "resets in 5h", "reset after 19h 24m", "It will reset in 2 hours 5 minutes").
import type { ErrorFacts } from "../payload/error.ts"

export type Wait = {
  /** Milliseconds until the same model may be tried again. */
  retryAfterMs?: number
  /** Epoch ms when a quota or limit resets, when the error names it. */
  resetAt?: number
  /** Where the wait came from, for `explain`. */
  source?: string
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
}

const DURATION = /^\s*((?:\d+(?:\.\d+)?\s*(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b[\s,]*(?:and\s+)?)+)/i
const PART = /(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b/gi

/** "1m30s", "19h 24m", "5 hours 3 minutes", "9.816s" → ms. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text)
  if (!m) return undefined
  let total = 0
  for (const p of m[1]!.matchAll(PART)) total += Number(p[1]) * (UNIT_MS[p[2]!.toLowerCase()] ?? NaN)
  return Number.isFinite(total) ? Math.round(total) : undefined
}

/** A `retry-after` header value: delta seconds or an HTTP date. */
export function parseRetryAfterHeader(value: string, now: number): number | undefined {
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const date = Date.parse(v)
  if (!Number.isNaN(date)) return Math.max(0, date - now)
  return undefined
}

const RETRY_PHRASE = /\b(?:retry|try again|retrying|wait|available again)\s+(?:in|after)\s+(?:about\s+|approximately\s+)?/gi
const RESET_PHRASE = /\b(?:resets?|renews?|refresh(?:es)?|replenish(?:es)?)\s+(?:in|after)\s+(?:about\s+|approximately\s+)?/gi
const RESET_AT = /\b(?:resets?|renews?|available again)\s+(?:at|on)\s+([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(?:Z|[+-][0-9:]+)?(?:\s*UTC)?)/i

function phraseDuration(text: string, re: RegExp): number | undefined {
  re.lastIndex = 0
  for (const m of text.matchAll(re)) {
    const d = parseDuration(text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 60))
    if (d !== undefined) return d
  }
  return undefined
}

export function waitFrom(f: ErrorFacts, now: number): Wait {
  const h = f.headers
  if (h) {
    const ms = h["retry-after-ms"]
    if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return { retryAfterMs: Math.round(Number(ms)), source: "retry-after-ms header" }
    const ra = h["retry-after"]
    if (ra !== undefined) {
      const v = parseRetryAfterHeader(ra, now)
      if (v !== undefined) return { retryAfterMs: v, source: "retry-after header" }
    }
  }
  const hints = f.hints
  if (hints.resetAtSec !== undefined) {
    const at = hints.resetAtSec > 1e11 ? hints.resetAtSec : hints.resetAtSec * 1000
    return { retryAfterMs: Math.max(0, at - now), resetAt: at, source: "resets_at field" }
  }
  if (hints.retryAfterMs !== undefined) return { retryAfterMs: hints.retryAfterMs, source: "retry_after_ms field" }
  if (hints.retryAfterSec !== undefined) {
    const ms = Math.round(hints.retryAfterSec * 1000)
    return { retryAfterMs: ms, resetAt: ms > 0 ? now + ms : undefined, source: "retry-after field" }
  }
  if (hints.retryDelay !== undefined) {
    const d = parseDuration(hints.retryDelay)
    if (d !== undefined) return { retryAfterMs: d, source: "RetryInfo.retryDelay" }
  }
  const text = f.text
  if (text) {
    const reset = phraseDuration(text, RESET_PHRASE)
    if (reset !== undefined) return { retryAfterMs: reset, resetAt: now + reset, source: "reset time in message" }
    const at = RESET_AT.exec(text)
    if (at) {
      const t = Date.parse(at[1]!.replace(/\s*UTC$/i, "Z").replace(" ", "T"))
      if (!Number.isNaN(t)) return { retryAfterMs: Math.max(0, t - now), resetAt: t, source: "reset date in message" }
    }
    const retry = phraseDuration(text, RETRY_PHRASE)
    if (retry !== undefined) return { retryAfterMs: retry, source: "retry hint in message" }
  }
  if (f.retry?.next !== undefined && f.retry.next > 0) return { retryAfterMs: Math.max(0, f.retry.next - now), source: "host retry status" }
  return {}
}
