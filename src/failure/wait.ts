// How long a failed model wants us to wait, from every place providers put it, strongest first:
//   1. headers: `retry-after-ms`, `retry-after` (seconds or an HTTP date), and a rate-limit reset header whose
//      matching `remaining` header is 0 (`x-ratelimit-reset-requests: 1m47.58s`, `anthropic-ratelimit-*-reset`);
//   2. structured body fields: `resets_at` / `reset_at` (epoch or ISO), `resets_in_seconds`, `retry_after(_ms)`,
//      Google `RetryInfo.retryDelay` and `quotaResetDelay`, Hugging Face's `estimated_time` (a model loading);
//   3. wording: "resets in 5h", "regain access on 2026-12-01 at 00:00 UTC", "usage limit reached|1762952400",
//      "Please retry in 7.97s", "try again in 1m47.58s", "try again at Jul 5th, 2026 8:19 PM";
//   4. the host's own announced next try (not the provider's word: it never makes a quota a rate limit).
// Every value is capped (time-parse.ts): no NaN, no Infinity, nothing beyond about a year.
import type { ErrorFacts } from "../payload/error.ts"
import { wording } from "./evidence.ts"
import { clampAt, clampWait, MAX_WAIT_MS, parseDuration, parseInstant } from "./time-parse.ts"

export { parseDuration } from "./time-parse.ts"

export type Wait = {
  /** Milliseconds until the same model may be tried again. */
  retryAfterMs?: number
  /** Epoch ms when a quota or limit resets, when the error names it. */
  resetAt?: number
  /** Where the wait came from, for `explain`. */
  source?: string
  /** The provider stated it (a header, a field, its wording), as opposed to the host's own backoff. */
  stated?: boolean
}

/** A `retry-after` header value: delta seconds or an HTTP date (capped). */
export function parseRetryAfterHeader(value: string, now: number): number | undefined {
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return clampWait(Number(v) * 1000)
  if (v.length > 64) return undefined
  const date = Date.parse(v)
  if (!Number.isNaN(date)) return clampWait(date - now)
  return undefined
}

const stated = (ms: number, source: string, resetAt?: number): Wait => ({ retryAfterMs: ms, resetAt, source, stated: true })

function fromHeaders(h: Record<string, string>, now: number): Wait | undefined {
  const ms = h["retry-after-ms"]
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) {
    const w = clampWait(Number(ms))
    if (w !== undefined) return stated(w, "retry-after-ms header")
  }
  const ra = h["retry-after"]
  if (ra !== undefined) {
    const w = parseRetryAfterHeader(ra, now)
    if (w !== undefined) return stated(w, "retry-after header")
  }
  // A reset header counts only for a window that is used up (its `remaining` is 0).
  for (const [remaining, reset] of RESET_HEADERS) {
    if (h[remaining]?.trim() !== "0") continue
    const v = h[reset]?.trim()
    if (!v) continue
    const w = headerReset(v, now)
    if (w !== undefined) return stated(w, `${reset} header`)
  }
  return undefined
}

const RESET_HEADERS: ReadonlyArray<[string, string]> = [
  ["x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  ["x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
  ["anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"],
  ["anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"],
  ["anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset"],
  ["anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset"],
  ["x-ratelimit-remaining", "x-ratelimit-reset"],
]

/** "1m47.58s", "30" (seconds), an epoch, or an ISO time → ms from now. */
function headerReset(v: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(v) && Number(v) < 1e9) return clampWait(Number(v) * 1000)
  const at = parseInstant(v, now)
  if (at !== undefined) return clampWait(at - now)
  return parseDuration(v)
}

function fromHints(f: ErrorFacts, now: number): Wait | undefined {
  const hints = f.hints
  if (hints.resetAt !== undefined) {
    const raw = hints.resetAt
    const at = typeof raw === "number" ? (raw === Infinity ? now + MAX_WAIT_MS : raw > 1e11 ? raw : raw * 1000) : parseInstant(raw, now)
    const capped = at !== undefined && !stale(at, now) ? clampAt(at, now) : undefined
    if (capped !== undefined) return stated(capped - now, "resets_at field", capped)
  }
  if (hints.retryAfterMs !== undefined) {
    const w = clampWait(hints.retryAfterMs)
    if (w !== undefined) return stated(w, "retry_after_ms field")
  }
  if (hints.retryAfterSec !== undefined) {
    const w = clampWait(hints.retryAfterSec * 1000)
    if (w !== undefined) return stated(w, "retry-after field", w > 0 ? now + w : undefined)
  }
  if (hints.retryDelay !== undefined) {
    const d = parseDuration(hints.retryDelay)
    if (d !== undefined) return stated(d, "RetryInfo.retryDelay")
  }
  if (hints.loadEtaSec !== undefined) {
    const w = clampWait(hints.loadEtaSec * 1000)
    if (w !== undefined) return stated(w, "estimated_time field (model loading)")
  }
  return undefined
}

// Phrases after which providers name a wait or a reset. Resets say when a quota comes back (so they set
// resetAt); retries only say when to try again. Group 1: a reset word; 2: a retry word; 3: its preposition;
// 4: a field written into text ("resets_in_seconds": 13872, reset_at=...); the last form is Claude's
// "usage limit reached|<epoch seconds>". "Provider requested 1800000ms wait" counts as a retry word.
const ANCHOR =
  /(?:\b(resets?|renews?|refresh(?:es)?|replenish(?:es)?|regain access|available again)|\b(retry|retrying|try again|wait|requested(?=\s+\d[\d.]*\s*(?:ms|s|sec|seconds?|m|min|minutes?|h|hours?)\s+(?:wait|delay)\b)))\s+(at|on|in|after|until|for)?\s*(?:about\s+|approximately\s+|~\s*)?|\bresets?[_-](at|in(?:[_-]seconds)?|after)["']?\s*[:=]\s*["']?|\blimit reached\s*\|\s*/g

const ANCHOR_WORDS = wording(ANCHOR, ["reset", "renew", "refresh", "replenish", "regain access", "available again", "retry", "try again", "wait", "requested", "limit reached"])

/** The first wait or reset named in the (lower-cased) text; `open` (evidence.ts openWordings) skips the scan when no anchor word occurs. */
export function waitInText(text: string, now: number, open?: Uint8Array): Wait | undefined {
  if (open && !open[ANCHOR_WORDS.id]) return undefined
  ANCHOR.lastIndex = 0
  let tries = 0
  for (let m = ANCHOR.exec(text); m && tries < 8; m = ANCHOR.exec(text), tries++) {
    if (ANCHOR.lastIndex === m.index) ANCHOR.lastIndex++
    const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 80)
    const field = m[4]
    if (field !== undefined) {
      if (field !== "at") {
        const secs = /^\d{1,12}(?:\.\d+)?(?![\d.])/.exec(rest)
        const d = secs ? clampWait(Number(secs[0]) * 1000) : parseDuration(rest)
        if (d !== undefined) return stated(d, "reset time in message", now + d)
        continue
      }
      const at = parseInstant(rest, now)
      if (at !== undefined && !stale(at, now)) return resetAtWait(at, now)
      continue
    }
    const isReset = m[1] !== undefined || m[2] === undefined
    const prep = m[3]
    // "in"/"after"/"for" name a duration; "at"/"on"/"until" name a time; a bare "resets" may name either.
    if (prep === "in" || prep === "after" || prep === "for") {
      const d = parseDuration(rest)
      if (d !== undefined) return isReset ? stated(d, "reset time in message", now + d) : stated(d, "retry hint in message")
      if (prep === "for") continue
    }
    const at = parseInstant(rest, now)
    if (at !== undefined && !stale(at, now)) return resetAtWait(at, now)
    if (prep === undefined) {
      // "resets 5h", "wait 60 seconds before retrying", "try again 5 minutes later"
      const d = parseDuration(rest)
      if (d !== undefined) return isReset ? stated(d, "reset time in message", now + d) : stated(d, "retry hint in message")
    }
  }
  return undefined
}

/**
 * A reset time well in the past says nothing about now (a replayed or cached error, a skewed clock): it is
 * not read as "clears at once", which would make any quota look like a short rate limit.
 */
const STALE_MS = 60_000
const stale = (at: number, now: number) => at < now - STALE_MS

function resetAtWait(at: number, now: number): Wait {
  const capped = clampAt(at, now)!
  return stated(capped - now, "reset time in message", capped)
}

/** `text` is the lower-cased haystack the rules read (facts text plus markers). */
export function waitFrom(f: ErrorFacts, now: number, text = f.text.toLowerCase(), open?: Uint8Array): Wait {
  const w = (f.headers && fromHeaders(f.headers, now)) ?? fromHints(f, now) ?? (text ? waitInText(text, now, open) : undefined)
  if (w) return w
  if (f.retry?.next !== undefined && f.retry.next > 0) {
    const ms = clampWait(f.retry.next - now)
    if (ms !== undefined) return { retryAfterMs: ms, source: "host retry status", stated: false }
  }
  return {}
}
