// The failure contract every decision downstream rests on.

export const FAILURE_CODES = [
  "rate_limited",
  "overloaded",
  "server_error",
  "timeout",
  "network",
  "stalled",
  "quota_exhausted",
  "payment_required",
  "model_missing",
  "auth",
  "context_overflow",
  "content_filter",
  "invalid_request",
  "aborted",
  "unknown",
] as const

export type FailureCode = (typeof FAILURE_CODES)[number]

/** retry: same model after a delay; fallback: next model now; stop: neither helps. */
export type FailureAction = "retry" | "fallback" | "stop"

export type Failure = {
  code: FailureCode
  action: FailureAction
  /** action !== "stop" */
  retryable: boolean
  /** Short and safe to show: API keys, tokens and emails redacted. */
  message: string
  statusCode?: number
  /** retry-after-ms, retry-after (seconds or HTTP date), or hints in the body. */
  retryAfterMs?: number
  /** The wait came from the provider (a header, a body field, its text), not from the host's own retry schedule. */
  waitStated?: boolean
  /** Epoch ms when a quota resets, when the error says so. */
  resetAt?: number
  /** Id of the rule that decided, e.g. "quota.code". */
  rule: string
  /** Why that rule matched, in words, for `explain` and logs. */
  reason: string
  /** The evidence that decided, strongest first: the matched field, status, phrase, and the wait when it counted. */
  evidence?: Evidence[]
}

/**
 * One piece of evidence behind a decision. `field`: an error type, code, name or quota id from the payload;
 * `status`: the HTTP status; `wording`: a phrase of the message; `wait`: how long the provider (or the host)
 * says to wait, or when a quota resets; `rule`: a user rule from config.
 */
export type EvidenceKind = "field" | "status" | "wording" | "wait" | "rule"
export type Evidence = { kind: EvidenceKind; detail: string }

/** The action each code takes unless its rule says otherwise. */
export const DEFAULT_ACTION: Record<FailureCode, FailureAction> = {
  rate_limited: "retry",
  overloaded: "retry",
  server_error: "retry",
  timeout: "retry",
  network: "retry",
  /** the model accepted the request and then went silent (src/stall/): another model now, not a long wait */
  stalled: "fallback",
  quota_exhausted: "fallback",
  payment_required: "fallback",
  model_missing: "fallback",
  auth: "fallback",
  context_overflow: "stop",
  content_filter: "stop",
  invalid_request: "stop",
  aborted: "stop",
  unknown: "stop",
}

/** A user rule from config: a substring or regex over the error text, mapped to a code. */
export type UserRule = {
  match: string
  regex?: boolean
  code: FailureCode
  action?: FailureAction
}

export type ClassifyOptions = {
  /** A rate limit whose wait is longer than this becomes quota_exhausted (fallback). Default 60 000. */
  quotaRetryAfterMs?: number
  /** User rules, checked before the built-in table. */
  rules?: readonly UserRule[]
  /** Clock for HTTP-date retry-after and reset times. */
  now?: number
}
