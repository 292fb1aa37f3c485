// classifyFailure: anything the host hands over as an error → one Failure. Normalise first (payload/), then
// run the single ordered rule table (rules.ts), then let the wait decide between "retry the same model" and
// "this will not clear soon: move on".
import { extractErrorFacts, type ErrorFacts } from "../payload/error.ts"
import { redact } from "./redact.ts"
import { RETRYABLE_UNKNOWN, RULES, UNKNOWN, type Facts, type Rule } from "./rules.ts"
import { DEFAULT_ACTION, type ClassifyOptions, type Failure, type FailureAction } from "./types.ts"
import { userRules } from "./user-rules.ts"
import { waitFrom } from "./wait.ts"

export const DEFAULT_QUOTA_RETRY_AFTER_MS = 60_000

export function factsFrom(e: ErrorFacts, now: number, longWaitMs = DEFAULT_QUOTA_RETRY_AFTER_MS): Facts {
  const markers = e.markers
  const text = (e.text + (markers.length ? "\n" + markers.join("\n") : "")).toLowerCase()
  return { e, status: e.statusCode, markers, text, wait: waitFrom(e, now), longWaitMs }
}

export function classifyFacts(e: ErrorFacts, options: ClassifyOptions = {}): Failure {
  const now = options.now ?? Date.now()
  const f = factsFrom(e, now, options.quotaRetryAfterMs ?? DEFAULT_QUOTA_RETRY_AFTER_MS)
  let rule: Rule = UNKNOWN
  for (const r of userRules(options.rules)) if (safeTest(r, f)) return build(r, f, options)
  for (const r of RULES)
    if (safeTest(r, f)) {
      rule = r
      break
    }
  if (rule === UNKNOWN && safeTest(RETRYABLE_UNKNOWN, f)) rule = RETRYABLE_UNKNOWN
  return build(rule, f, options)
}

export function classifyFailure(input: unknown, options: ClassifyOptions = {}): Failure {
  try {
    return classifyFacts(extractErrorFacts(input), options)
  } catch {
    return { code: "unknown", action: "stop", retryable: false, message: "unrecognised error", rule: "unknown", reason: "the error could not be read" }
  }
}

function safeTest(r: Rule, f: Facts): boolean {
  try {
    return r.test(f)
  } catch {
    return false
  }
}

function build(rule: Rule, f: Facts, options: ClassifyOptions): Failure {
  let code = rule.code
  let action: FailureAction = rule.action ?? DEFAULT_ACTION[code]
  let reason = rule.why
  let ruleId = rule.id
  const threshold = options.quotaRetryAfterMs ?? DEFAULT_QUOTA_RETRY_AFTER_MS
  const wait = f.wait
  // A transient failure that asks us to wait longer than the threshold will not clear soon: move on.
  if (action === "retry" && wait.retryAfterMs !== undefined && wait.retryAfterMs > threshold) {
    if (code === "rate_limited") code = "quota_exhausted"
    action = "fallback"
    ruleId = `${rule.id}+long-wait`
    reason = `${rule.why}; the ${wait.source ?? "wait"} asks for ${formatWait(wait.retryAfterMs)}, longer than ${formatWait(threshold)}`
  }
  let resetAt = wait.resetAt
  if (resetAt === undefined && code === "quota_exhausted" && wait.retryAfterMs !== undefined && wait.retryAfterMs > threshold)
    resetAt = (options.now ?? Date.now()) + wait.retryAfterMs
  const failure: Failure = {
    code,
    action,
    retryable: action !== "stop",
    message: redact(f.e.message || f.e.name || code),
    rule: ruleId,
    reason,
  }
  if (f.status !== undefined) failure.statusCode = f.status
  if (wait.retryAfterMs !== undefined) failure.retryAfterMs = wait.retryAfterMs
  if (resetAt !== undefined) failure.resetAt = resetAt
  return failure
}

/** "4h 12m", "37s", "850 ms" */
export function formatWait(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?"
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`
}
