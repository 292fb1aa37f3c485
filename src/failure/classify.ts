// classifyFailure: anything the host hands over as an error → one Failure. Normalise first (payload/), then
// run the single ordered rule table (rules.ts), then let the stated wait decide between "retry the same model"
// and "this will not clear soon: move on". Every decision carries the evidence it rests on (Failure.evidence).
import { extractErrorFacts, type ErrorFacts } from "../payload/error.ts"
import { GATES, haystack, openWordings, says, type Facts, type Hit } from "./evidence.ts"
import { redact } from "./redact.ts"
import { LONG_WINDOW, RETRYABLE_UNKNOWN, RULES, UNKNOWN, type Rule } from "./rules.ts"
import { DEFAULT_ACTION, type ClassifyOptions, type Evidence, type Failure, type FailureAction, type FailureCode } from "./types.ts"
import { userRules } from "./user-rules.ts"
import { waitFrom } from "./wait.ts"

export const DEFAULT_QUOTA_RETRY_AFTER_MS = 60_000

export function factsFrom(e: ErrorFacts, now: number, longWaitMs = DEFAULT_QUOTA_RETRY_AFTER_MS): Facts {
  const markers = e.markers
  const text = haystack(e.text, markers)
  const open = openWordings(text)
  const messageOnly = e.retry !== undefined || (e.statusCode === undefined && e.body === undefined && e.name === undefined)
  return { e, status: e.statusCode, markers, text, wait: waitFrom(e, now, text, GATES.on ? open : undefined), longWaitMs, messageOnly, open }
}

export function classifyFacts(e: ErrorFacts, options: ClassifyOptions = {}): Failure {
  const now = options.now ?? Date.now()
  const f = factsFrom(e, now, options.quotaRetryAfterMs ?? DEFAULT_QUOTA_RETRY_AFTER_MS)
  for (const r of userRules(options.rules)) {
    const hit = safeTest(r, f)
    if (hit) return build(r, hit, f, options)
  }
  for (const r of RULES) {
    const hit = safeTest(r, f)
    if (hit) return build(r, hit, f, options)
  }
  const retryable = safeTest(RETRYABLE_UNKNOWN, f)
  if (retryable) return build(RETRYABLE_UNKNOWN, retryable, f, options)
  return build(UNKNOWN, UNKNOWN.test(f), f, options)
}

export function classifyFailure(input: unknown, options: ClassifyOptions = {}): Failure {
  try {
    return classifyFacts(extractErrorFacts(input), options)
  } catch {
    return { code: "unknown", action: "stop", retryable: false, message: "unrecognised error", rule: "unknown", reason: "the error could not be read" }
  }
}

function safeTest(r: Rule, f: Facts): Hit {
  try {
    return r.test(f) || undefined
  } catch {
    return undefined
  }
}

/** Quota rules the wait may overrule: not a day/month/zero window, which no short wait makes true. */
const waitMayDecide = (rule: Rule, f: Facts) => rule.code === "quota_exhausted" && !rule.id.startsWith("user.") && !says(f, LONG_WINDOW) && !f.markers.some((m) => /perday|permonth|perweek/.test(m))

function build(rule: Rule, hit: Evidence | undefined, f: Facts, options: ClassifyOptions): Failure {
  let code: FailureCode = rule.code
  let action: FailureAction = rule.action ?? DEFAULT_ACTION[code]
  let reason = rule.why
  let ruleId = rule.id
  const evidence: Evidence[] = hit ? [hit] : []
  const threshold = options.quotaRetryAfterMs ?? DEFAULT_QUOTA_RETRY_AFTER_MS
  const wait = f.wait
  const waitEvidence = (): Evidence => ({ kind: "wait", detail: `${formatWait(wait.retryAfterMs!)} (${wait.source ?? "wait"})` })
  if (wait.retryAfterMs !== undefined && wait.stated && wait.retryAfterMs <= threshold && waitMayDecide(rule, f)) {
    // The provider says it clears soon: whatever the wording, that is a rate limit, not an exhausted quota.
    code = "rate_limited"
    action = "retry"
    ruleId = `${rule.id}+short-wait`
    reason = `${rule.why}; but the ${wait.source ?? "wait"} asks for only ${formatWait(wait.retryAfterMs)}, so it clears soon`
    evidence.unshift(waitEvidence())
  } else if (action === "retry" && wait.retryAfterMs !== undefined && wait.retryAfterMs > threshold) {
    // A transient failure that asks us to wait longer than the threshold will not clear soon: move on.
    if (code === "rate_limited") code = "quota_exhausted"
    action = "fallback"
    ruleId = `${rule.id}+long-wait`
    reason = `${rule.why}; the ${wait.source ?? "wait"} asks for ${formatWait(wait.retryAfterMs)}, longer than ${formatWait(threshold)}`
    evidence.unshift(waitEvidence())
  } else if (wait.retryAfterMs !== undefined && hit?.kind !== "wait") evidence.push(waitEvidence())
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
    evidence,
  }
  if (f.status !== undefined) failure.statusCode = f.status
  if (wait.retryAfterMs !== undefined) failure.retryAfterMs = wait.retryAfterMs
  if (wait.retryAfterMs !== undefined && wait.stated) failure.waitStated = true
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
