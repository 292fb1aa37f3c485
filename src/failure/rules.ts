// The one ordered rule table. The first rule whose test finds evidence decides. Three passes, from the most
// specific evidence to the least:
//   1. specific evidence, by category: fields that name one condition (insufficient_quota, model_not_found,
//      overloaded_error…) and phrases anchored on wording providers use for it. Category order:
//      aborted → context overflow → per-minute limits → payment → quota → transport → model missing →
//      content filter → auth → "use another model" → rate limit → overloaded → server → timeout → network
//   2. the status code and generic fields (rate_limit_error, invalid_request_error, api_error, INVALID_ARGUMENT…),
//      which say less than a body that names its cause: a 403 whose body is a connection reset is transient,
//      a 400 invalid_request_error can be a disabled organisation, a 500 can be a model that cannot load;
//   3. generic wording ("Provider returned error", "upstream error", "invalid request"), read only when
//      nothing nested in the error said more.
// Wording rules are anchored on phrases, never on bare status numbers inside text (a URL or an id can hold "429").
// The wait is applied after the table (classify.ts): a stated short wait makes a quota message a rate limit,
// a long one turns a rate limit into an exhausted quota.
import { clientStatus, field, phrase, says, status, zaiCode, type Facts, type Hit } from "./evidence.ts"
import {
  ACCOUNTS_EXHAUSTED,
  ANOTHER_MODEL,
  AUTH_FIELDS,
  AUTH_WORDING,
  CONTENT_FIELDS,
  CONTENT_WORDING,
  DEGRADED,
  GENERIC_SERVER,
  HOUR_WINDOW,
  INVALID_MARKERS,
  INVALID_WORDING,
  LIMITED,
  LONG_WINDOW,
  MODEL_CANNOT_SERVE,
  MODEL_FIELDS,
  MODEL_NAMED_GONE,
  MODEL_WORDING,
  NETWORK_WORDING,
  NOT_FOUND_MARKERS,
  OVERFLOW_WORDING,
  OVERLOADED_FIELDS,
  OVERLOADED_WORDING,
  PAYMENT_FIELDS,
  PAYMENT_WORDING,
  QUOTA_FIELDS,
  QUOTA_WORDING,
  RATE_LIMITS,
  RATE_MARKERS,
  RATE_WORDING,
  REFUSED,
  REQUESTED,
  RETRY_ASKED,
  SERVER_MARKERS,
  SERVER_WORDING,
  SHORT_WINDOW,
  TERMINATED,
  TIMEOUT_FIELDS,
  TIMEOUT_WORDING,
  SSE_STALL_WORDING,
  TOO_LARGE,
  TRANSIENT_HINT,
  TRY_LATER,
  TRANSPORT,
  UNREADABLE_RESPONSE,
  UNAVAILABLE_MARKERS,
  USAGE_LIMITS,
  requestExceedsLimit,
} from "./patterns.ts"
import type { FailureAction, FailureCode } from "./types.ts"

export type { Facts } from "./evidence.ts"
export { LONG_WINDOW } from "./patterns.ts"

export type Rule = {
  id: string
  code: FailureCode
  action?: FailureAction
  why: string
  /** The evidence the rule found, or undefined when it does not apply. */
  test(f: Facts): Hit
}

const either = (...hits: Array<() => Hit>): Hit => {
  for (const h of hits) {
    const r = h()
    if (r) return r
  }
  return undefined
}

export const RULES: readonly Rule[] = [
  // ================================ 1. specific evidence ================================================
  // ---- aborted ---------------------------------------------------------------------------------------
  {
    id: "aborted.name",
    code: "aborted",
    why: "the error is an abort (MessageAbortedError / AbortError): the user or a client stopped the turn",
    test: (f) => field(f, /^(?:messageabortederror|aborterror)$/),
  },
  {
    id: "aborted.wording",
    code: "aborted",
    why: "the message says the request was aborted",
    test: (f) => (/^\s*(?:aborted|(?:the|this) operation was aborted\.?|request (?:was )?aborted(?: by (?:the )?user)?\.?)\s*$/i.test(f.e.message) ? { kind: "wording", detail: JSON.stringify(f.e.message.trim()) } : undefined),
  },

  // ---- context overflow (and one host mislabel) --------------------------------------------------------
  {
    // The host labels every 413 a context overflow, but Groq's per-minute token ceiling also answers 413:
    // a request larger than the model's whole per-minute budget never fits, so move on instead of compacting.
    id: "rate.request-exceeds-window",
    code: "rate_limited",
    action: "fallback",
    why: "the request is larger than the model's per-minute token limit; waiting cannot help",
    test: (f) => (says(f, TOO_LARGE) && says(f, /tokens per min|\btpm\b/)) || (says(f, REQUESTED) && requestExceedsLimit(f.text)) ? phrase(f, /request too large for model|requested:?\s*~?\d+/) : undefined,
  },
  {
    id: "overflow.structured",
    code: "context_overflow",
    why: "the host or provider marks it as a context overflow (ContextOverflowError / context_length_exceeded)",
    test: (f) => either(() => field(f, /^(?:contextoverflowerror|context_length_exceeded|string_above_max_length|request_too_large|context_window_exceeded|model_context_window_exceeded)$/), () => zaiCode(f, [1261])),
  },
  {
    id: "overflow.wording",
    code: "context_overflow",
    why: "the message says the prompt exceeds the model's context window",
    test: (f) => phrase(f, OVERFLOW_WORDING),
  },

  // ---- per-minute limits (before payment and quota: their text may also say "quota" or "payment method") --
  {
    // Gemini/Vertex answer per-minute limits with the same "exceeded your current quota" text as real
    // exhaustion; the quota id or the window named in the text says which it is. A per-minute window clears.
    id: "rate.short-window-quota",
    code: "rate_limited",
    why: "a per-minute or per-second limit was exceeded; it clears within a minute",
    test: (f) =>
      says(f, SHORT_WINDOW) && !says(f, LONG_WINDOW) && says(f, LIMITED) && !field(f, /^(?:insufficient_quota|usage_limit_reached)$/)
        ? either(() => field(f, /perminute|persecond/), () => phrase(f, SHORT_WINDOW))
        : undefined,
  },

  // ---- payment -----------------------------------------------------------------------------------------
  {
    id: "payment.structured",
    code: "payment_required",
    why: "payment is required (HTTP 402, billing_error, or a provider code for an unpaid balance)",
    test: (f) =>
      // a relay's billing code beside "load saturated / overloaded, try again later": the wording names the cause
      says(f, OVERLOADED_WORDING) && says(f, TRY_LATER)
        ? undefined
        : either(
            () => field(f, PAYMENT_FIELDS),
            () => zaiCode(f, [1113, 1309]),
            // 402 is specific; one provider also uses it for too many requests in flight, with a short wait
            () => (f.wait.retryAfterMs !== undefined && f.wait.retryAfterMs < 60_000 && says(f, /in[- ]flight|concurren/) ? undefined : status(f, (s) => s === 402)),
          ),
  },
  {
    id: "payment.wording",
    code: "payment_required",
    why: "the message says the account is out of credits, balance or budget, or needs a payment method",
    test: (f) => phrase(f, PAYMENT_WORDING),
  },

  // ---- quota -------------------------------------------------------------------------------------------
  {
    id: "quota.structured",
    code: "quota_exhausted",
    why: "the provider marks the quota or usage limit as exhausted",
    test: (f) => either(() => field(f, QUOTA_FIELDS), () => zaiCode(f, [1304, 1308, 1310, 1313])),
  },
  {
    id: "quota.reset-time",
    code: "quota_exhausted",
    why: "the error names a reset time further off than the quota threshold",
    test: (f) =>
      f.wait.resetAt !== undefined && (f.wait.retryAfterMs ?? 0) > f.longWaitMs && says(f, /quota|limit|usage|exceeded|exhausted|reached/)
        ? { kind: "wait", detail: `resets at ${new Date(f.wait.resetAt).toISOString()} (${f.wait.source ?? "reset time"})` }
        : undefined,
  },
  {
    id: "quota.long-window",
    code: "quota_exhausted",
    why: "a daily, monthly or zero quota is exhausted; it will not clear soon",
    test: (f) => {
      const hit = either(() => field(f, /perday|permonth|perweek/), () => phrase(f, LONG_WINDOW))
      return hit && says(f, LIMITED) ? hit : undefined
    },
  },
  {
    // Only the message text, while the host still retries: a quota message that points at the provider's
    // rate-limit documentation and names no window may be a per-minute limit. Keep retrying; the final
    // session.error carries the body (quota id, RetryInfo) that decides.
    id: "rate.quota-while-host-retries",
    code: "rate_limited",
    why: "a quota message that also speaks of rate limits, seen only as the host's retry text: it may clear within a minute",
    test: (f) => {
      if (!f.messageOnly) return undefined
      const hit = phrase(f, QUOTA_WORDING)
      return hit && says(f, RATE_LIMITS) && !says(f, LONG_WINDOW) && !says(f, HOUR_WINDOW) ? hit : undefined
    },
  },
  {
    // "You have exceeded your usage limits. Please try again later": no window, no reset, a later try asked
    // for. Some providers (Fireworks) answer their rate limit so. A plan's limit says "usage limit" (Codex's
    // "You've hit your usage limit. Try again later.") or names the plan, its hours or billing: a quota.
    id: "rate.usage-limits-try-later",
    code: "rate_limited",
    why: "the message speaks of usage limits but asks only for a later try, naming no plan, window or reset",
    test: (f) =>
      says(f, USAGE_LIMITS) && says(f, TRY_LATER) && says(f, /usage limits\b/) && !says(f, HOUR_WINDOW) && !says(f, /\b(?:plan|subscription|billing|upgrade|credits|period)\b/)
        ? phrase(f, USAGE_LIMITS)
        : undefined,
  },
  {
    id: "quota.wording",
    code: "quota_exhausted",
    why: "the message says the quota or usage allowance is used up",
    test: (f) => phrase(f, QUOTA_WORDING),
  },
  {
    id: "quota.accounts-exhausted",
    code: "quota_exhausted",
    why: "the proxy or account-rotation plugin in front of the provider has no usable account left",
    test: (f) => phrase(f, ACCOUNTS_EXHAUSTED),
  },

  // ---- transport failures (before auth and model: a proxy may wrap one in a 403 or a 404) ---------------
  {
    // Nothing listens at the provider's address (a local server that is not running, a wrong base URL):
    // a retry within the minute almost never helps, another model can serve. Behind a gateway that
    // answered with a status, it is the upstream that refused: transient.
    id: "network.refused",
    code: "network",
    action: "fallback",
    why: "the provider refused the connection (nothing is listening there)",
    test: (f) => (f.status === undefined ? phrase(f, REFUSED) : undefined),
  },
  {
    id: "network.transport",
    code: "network",
    why: "the connection or stream to the provider broke (reset, closed early, HTTP/2 stream error)",
    test: (f) => phrase(f, TRANSPORT),
  },

  // ---- model missing -----------------------------------------------------------------------------------
  {
    id: "model.structured",
    code: "model_missing",
    why: "the provider says the model does not exist or is not available (model_not_found)",
    test: (f) => either(() => field(f, MODEL_FIELDS), () => zaiCode(f, [1211, 1221, 1222, 1311])),
  },
  {
    // Anthropic's not_found_error for an unknown model is the bare "model: <id>"; the host passes it on alone.
    id: "model.named-alone",
    code: "model_missing",
    why: "the whole message is \"model: <id>\", Anthropic's answer for a model it does not serve",
    test: (f) => (/^\s*model:\s*[\w.:/@-]{1,120}\s*$/i.test(f.e.message) ? { kind: "wording", detail: JSON.stringify(f.e.message.trim().slice(0, 80)) } : undefined),
  },
  {
    id: "model.wording",
    code: "model_missing",
    why: "the message says the model is unknown, unsupported, unavailable to this account, or cannot be loaded",
    test: (f) => phrase(f, MODEL_WORDING),
  },
  {
    id: "model.cannot-serve",
    code: "model_missing",
    why: "the runtime or gateway cannot serve this model: it cannot load or start it, or lacks tool calling, or has no channel for it",
    test: (f) => {
      // the phrase first: it is rare, and the guards read the text again
      const hit = phrase(f, MODEL_CANNOT_SERVE)
      const passing = () => says(f, TRANSIENT_HINT) || says(f, RATE_WORDING) || says(f, TIMEOUT_WORDING) || says(f, TRANSPORT) || (f.status !== undefined && [429, 502, 504].includes(f.status))
      return hit && !passing() ? hit : undefined
    },
  },
  {
    // NVIDIA answers a call to an unhealthy model function with a 400; with no time to come back, it is
    // another model's turn (with one, overloaded.wording retries; a 5xx that says degraded is an overload).
    id: "model.degraded",
    code: "model_missing",
    why: "the provider says this model's service is degraded and names no time it will be back",
    test: (f) => (clientStatus(f) && !degradedBriefly(f) ? phrase(f, DEGRADED) : undefined),
  },
  {
    id: "model.named-gone",
    code: "model_missing",
    why: "the message says this model does not exist or is not accessible",
    test: (f) => {
      const hit = phrase(f, MODEL_NAMED_GONE)
      return hit && !says(f, /temporar|try again|retry|right now|at the moment/) ? hit : undefined
    },
  },

  // ---- content filter (before auth: a refusal of the content may come as a 403 or "permission denied") --
  {
    id: "content.filter",
    code: "content_filter",
    why: "the provider refused the content (content filter, safety or moderation)",
    test: (f) => either(() => field(f, CONTENT_FIELDS), () => zaiCode(f, [1301]), () => phrase(f, CONTENT_WORDING)),
  },

  // ---- auth --------------------------------------------------------------------------------------------
  {
    id: "auth.structured",
    code: "auth",
    why: "authentication or permission failed (ProviderAuthError, authentication_error, permission_error)",
    test: (f) => either(() => field(f, AUTH_FIELDS), () => zaiCode(f, [1000, 1001, 1002, 1003, 1004, 1110, 1111, 1112, 1121, 1220])),
  },
  {
    id: "auth.wording",
    code: "auth",
    why: "the message says the key, credential or organisation is not valid or not allowed, or a gateway blocked the request",
    test: (f) => phrase(f, AUTH_WORDING),
  },

  // ---- rate limits -------------------------------------------------------------------------------------
  {
    // The provider itself says another model is the way out (GitHub Copilot's per-model limit, a model at capacity).
    // Not when it also says the model is only busy ("at capacity … or try a different model"): a busy model
    // clears, and moving a transient failure is the costlier mistake.
    id: "rate.use-another-model",
    code: "rate_limited",
    action: "fallback",
    why: "the provider says to use a different model",
    test: (f) => (says(f, OVERLOADED_WORDING) || says(f, /try again later|wait a moment|temporarily/) ? undefined : phrase(f, ANOTHER_MODEL)),
  },
  {
    id: "rate.wording",
    code: "rate_limited",
    why: "the message says requests are being rate limited",
    test: (f) => phrase(f, RATE_WORDING),
  },

  // ---- overloaded and server errors --------------------------------------------------------------------
  {
    id: "overloaded.structured",
    code: "overloaded",
    why: "the provider is overloaded (overloaded_error, HTTP 529)",
    test: (f) => either(() => field(f, OVERLOADED_FIELDS), () => zaiCode(f, [1312]), () => status(f, (s) => s === 529)),
  },
  {
    id: "overloaded.wording",
    code: "overloaded",
    why: "the message says the provider is overloaded, busy, degraded, at capacity or still loading the model",
    // A 4xx is the request's fault, unless it says the service is degraded and when it comes back (NVIDIA's
    // 400 "DEGRADED function cannot be invoked (reset after 27s)"): then it is a passing state of the service.
    test: (f) => (clientStatus(f) ? (degradedBriefly(f) ? phrase(f, DEGRADED) : undefined) : phrase(f, OVERLOADED_WORDING)),
  },
  {
    id: "server.wording",
    code: "server_error",
    why: "the message says the provider or a gateway in front of it failed on its side",
    test: (f) => (clientStatus(f) ? undefined : phrase(f, SERVER_WORDING)),
  },

  // ---- timeout and network -----------------------------------------------------------------------------
  {
    // The host's own SSE chunk timeout (provider.<id>.options.chunkTimeout, 5 min by default on recent hosts):
    // "SSE read timed out". The model went silent mid-request; the host would retry it the same way.
    id: "stall.host-chunk-timeout",
    code: "stalled",
    why: "the host gave up on a silent stream (its SSE chunk timeout)",
    test: (f) => phrase(f, SSE_STALL_WORDING),
  },
  {
    id: "timeout.structured",
    code: "timeout",
    why: "the request timed out (timeout_error, deadline exceeded)",
    test: (f) => field(f, TIMEOUT_FIELDS),
  },
  {
    id: "timeout.wording",
    code: "timeout",
    why: "the message says the request timed out",
    test: (f) => phrase(f, TIMEOUT_WORDING),
  },
  {
    id: "network.wording",
    code: "network",
    why: "the connection to the provider failed",
    test: (f) => either(() => field(f, /^(?:apiconnectionerror|connectionerror|fetcherror|networkerror|remoteprotocolerror|und_err_socket|econnreset)$/), () => phrase(f, NETWORK_WORDING)),
  },

  // ================================ 2. status codes and generic fields ==================================
  {
    id: "overflow.status",
    code: "context_overflow",
    why: "HTTP 413: the request is too large",
    test: (f) => (f.status === 413 && !says(f, RATE_WORDING) ? status(f, (s) => s === 413) : undefined),
  },
  {
    id: "model.status",
    code: "model_missing",
    why: "HTTP 404, 405 or 410 (or a not-found error about the model): the model, or the provider's endpoint for it, is not there",
    test: (f) =>
      either(
        () => status(f, (s) => s === 404 || s === 405 || s === 410),
        () => (field(f, NOT_FOUND_MARKERS) && says(f, /model/) ? field(f, NOT_FOUND_MARKERS) : undefined),
      ),
  },
  {
    id: "auth.status",
    code: "auth",
    why: "HTTP 401/403: the credentials were refused",
    test: (f) => status(f, (s) => s === 401 || s === 403),
  },
  {
    id: "rate.structured",
    code: "rate_limited",
    why: "the request was rate limited (HTTP 429, rate_limit_error, throttling)",
    test: (f) => either(() => status(f, (s) => s === 429), () => field(f, RATE_MARKERS), () => zaiCode(f, [1302, 1303, 1305])),
  },
  {
    id: "overloaded.status",
    code: "overloaded",
    why: "the service is unavailable (HTTP 503, UNAVAILABLE)",
    test: (f) => either(() => status(f, (s) => s === 503), () => field(f, UNAVAILABLE_MARKERS)),
  },
  {
    id: "timeout.status",
    code: "timeout",
    why: "HTTP 408/504: the request or a gateway timed out",
    test: (f) => either(() => status(f, (s) => s === 408 || s === 504), () => field(f, /^timeout$/)),
  },
  {
    id: "server.structured",
    code: "server_error",
    why: "the provider failed on its side (5xx, api_error, server_error)",
    test: (f) => either(() => status(f, (s) => s >= 500), () => field(f, SERVER_MARKERS), () => zaiCode(f, [1120, 1234])),
  },
  {
    id: "invalid.structured",
    code: "invalid_request",
    why: "the provider rejected the request as malformed (400/422, invalid_request_error)",
    test: (f) => either(() => status(f, (s) => s === 400 || s === 422), () => field(f, INVALID_MARKERS), () => zaiCode(f, [1210, 1212, 1213, 1214, 1215])),
  },

  // ================================ 3. generic wording ==================================================
  {
    id: "server.generic",
    code: "server_error",
    why: "a gateway or router reports that the provider behind it failed, without saying how",
    test: (f) => phrase(f, GENERIC_SERVER),
  },
  {
    id: "network.terminated",
    code: "network",
    why: "the request was terminated before it completed",
    test: (f) => phrase(f, TERMINATED),
  },
  {
    id: "server.unreadable-response",
    code: "server_error",
    action: "retry",
    why: "the provider's answer could not be read (cut or malformed): another try usually gets a whole one",
    test: (f) => phrase(f, UNREADABLE_RESPONSE),
  },
  {
    id: "invalid.wording",
    code: "invalid_request",
    why: "the message says a parameter or the request is invalid",
    test: (f) => phrase(f, INVALID_WORDING),
  },
  {
    // Nothing above named the failure, but the provider asks for another try; a wait it names still decides.
    id: "retry.asked",
    code: "unknown",
    action: "retry",
    why: "the provider asks for another try without saying what failed",
    test: (f) => phrase(f, RETRY_ASKED),
  },
  {
    // The HTTP exchange succeeded and the error says nothing else: the answer was cut or lost on the way (a
    // gateway's own wrapper). Some providers (Baidu) send every error with 200 and a message: those messages
    // decide through the rules above, or stay unknown.
    id: "server.status-2xx",
    code: "server_error",
    action: "retry",
    why: "the provider answered with a success status and the error says nothing more: the answer was lost on the way",
    test: (f) => (f.status !== undefined && f.status >= 200 && f.status < 300 && saysOnlyStatus(f) ? status(f, () => true) : undefined),
  },
]

/** A degraded service that names a short time to come back. */
const degradedBriefly = (f: Facts) => says(f, DEGRADED) && f.wait.stated === true && f.wait.retryAfterMs !== undefined && f.wait.retryAfterMs <= f.longWaitMs

/** The message is nothing but a status line ("HTTP 200", "200 OK") or an error name. */
function saysOnlyStatus(f: Facts): boolean {
  let rest = f.e.message.toLowerCase()
  for (const m of f.markers) rest = rest.split(m).join(" ")
  return !/[a-z\u0080-\uffff]/.test(rest.replace(/\bhttp(?:\/[\d.]+)?\b|\bstatus\b|\bok\b|\b\d{3}\b/g, " "))
}

/** Errors the host or SDK marked retryable, or that the host is retrying, that nothing above recognised. */
export const RETRYABLE_UNKNOWN: Rule = {
  id: "unknown.retryable",
  code: "unknown",
  action: "retry",
  why: "no rule matched, but the host marked the error retryable",
  test: (f) => (f.e.isRetryable === true ? { kind: "field", detail: "isRetryable: true" } : f.e.retry !== undefined ? { kind: "field", detail: "the host is retrying it" } : undefined),
}

export const UNKNOWN: Rule = {
  id: "unknown",
  code: "unknown",
  why: "no rule matched: neither a retry nor another model is known to help",
  test: () => ({ kind: "wording", detail: "nothing recognised" }),
}
