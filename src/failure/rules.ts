// The one ordered rule table. The first matching rule decides. Order of categories:
//   aborted → context_overflow → payment/quota → model_missing → auth → rate limit → overloaded/5xx →
//   timeout/network → content_filter → invalid_request → unknown
// Quota and payment come before rate limits because their messages often also say "429" or "rate limit".
// Inside each category, structured fields (error name, type, code, status) come before wording, and wording
// rules are anchored on phrases, never on bare status numbers inside text (a URL or an id can hold "429").
import type { ErrorFacts } from "../payload/error.ts"
import type { FailureAction, FailureCode } from "./types.ts"
import type { Wait } from "./wait.ts"

export type Facts = {
  e: ErrorFacts
  status?: number
  /** lower-cased names, codes, types, reasons */
  markers: readonly string[]
  /** lower-cased text haystack */
  text: string
  wait: Wait
  /** a wait longer than this does not clear soon (ClassifyOptions.quotaRetryAfterMs) */
  longWaitMs: number
}

export type Rule = {
  id: string
  code: FailureCode
  action?: FailureAction
  why: string
  test(f: Facts): boolean
}

/** A 4xx that is not a timeout or rate limit: the request itself was refused, whatever the wrapper says. */
const clientStatus = (f: Facts) => f.status !== undefined && f.status >= 400 && f.status < 500 && f.status !== 408 && f.status !== 409 && f.status !== 429
const marker = (f: Facts, re: RegExp) => f.markers.some((m) => re.test(m))
const says = (f: Facts, re: RegExp) => re.test(f.text)
const zaiCode = (f: Facts, codes: readonly number[]) => f.markers.some((m) => /^1[0-3]\d\d$/.test(m) && codes.includes(Number(m)))

// Per-minute/per-second windows: waiting helps, the model is not exhausted.
const SHORT_WINDOW = /per[ _-]?minute|perminute|per[ _-]?second|persecond|tokens per min|requests per min|\b[rt]pm\b|\brps\b|\btps\b/
// Windows or states that do not clear soon.
const LONG_WINDOW =
  /per[ _-]?day|perday|daily|per[ _-]?month|monthly|weekly|per[ _-]?week|\/ ?(?:day|month|week)\b|a (?:day|month|week)\b|limit:\s*0(?![.\d])|quota_limit_value"?\W{1,12}(?:value\W{1,4})?0(?![.\d])|free[ _-]?tier.*limit:\s*0/

/** "Limit 7000, Used 0, Requested ~12903": a single request larger than the whole window never passes. */
function requestExceedsLimit(text: string): boolean {
  const m = /\blimit:?\s*~?(\d+)[^.]{0,40}?\brequested:?\s*~?(\d+)/.exec(text)
  return !!m && Number(m[2]) > Number(m[1]) && /per min|per[ _-]minute|\b[rt]pm\b/.test(text)
}

const OVERFLOW_WORDING =
  /prompt is too long|input is too long for requested model|exceeds? the context window|input token count.*exceeds the maximum|maximum prompt length is \d+|reduce the length of the messages|maximum context length is \d+|exceeds the limit of \d+|exceeds the available context size|greater than the context length|context window exceeds limit|exceeded model token limit|context[_ ]length[_ ]exceeded|request entity too large|the request was too long|maximum tokens for requested operation|input exceeds context window|too many input tokens|prompt.{0,20}exceeds.{0,40}(?:context|token limit)|上下文.{0,6}(?:超出|过长|超过)|prompt\s*超长/

export const RULES: readonly Rule[] = [
  // ---- aborted ------------------------------------------------------------------------------------------
  {
    id: "aborted.name",
    code: "aborted",
    why: "the error is an abort (MessageAbortedError / AbortError): the user or a client stopped the turn",
    test: (f) => marker(f, /^(?:messageabortederror|aborterror)$/),
  },
  {
    id: "aborted.wording",
    code: "aborted",
    why: "the message says the request was aborted",
    test: (f) => /^\s*(?:aborted|the operation was aborted\.?|request (?:was )?aborted(?: by (?:the )?user)?\.?)\s*$/.test(f.e.message.toLowerCase()),
  },

  // ---- context overflow (and one host mislabel) ---------------------------------------------------------
  {
    // The host labels every 413 a context overflow, but Groq's per-minute token ceiling also answers 413:
    // a request larger than the model's whole per-minute budget never fits, so move on instead of compacting.
    id: "rate.request-exceeds-window",
    code: "rate_limited",
    action: "fallback",
    why: "the request is larger than the model's per-minute token limit; waiting cannot help",
    test: (f) => (says(f, /request too large for model/) && says(f, /tokens per min|\btpm\b/)) || requestExceedsLimit(f.text),
  },
  {
    id: "overflow.structured",
    code: "context_overflow",
    why: "the host or provider marks it as a context overflow (ContextOverflowError / context_length_exceeded / 413)",
    test: (f) =>
      marker(f, /^(?:contextoverflowerror|context_length_exceeded|string_above_max_length|request_too_large)$/) ||
      zaiCode(f, [1261]) ||
      (f.status === 413 && !says(f, /rate limit|too many requests/)),
  },
  {
    id: "overflow.wording",
    code: "context_overflow",
    why: "the message says the prompt exceeds the model's context window",
    test: (f) => says(f, OVERFLOW_WORDING),
  },

  // ---- payment and quota --------------------------------------------------------------------------------
  {
    id: "payment.structured",
    code: "payment_required",
    why: "payment is required (HTTP 402, billing_error, or a provider code for an unpaid balance)",
    test: (f) =>
      (f.status === 402 && !(f.wait.retryAfterMs !== undefined && f.wait.retryAfterMs < 60_000 && says(f, /in[- ]flight|concurren/))) ||
      marker(f, /^(?:billing_error|insufficient_balance|insufficient_credits|payment_required|billing_hard_limit_reached|billing_not_active|account_deactivated_billing)$/) ||
      zaiCode(f, [1113, 1309]),
  },
  {
    id: "payment.wording",
    code: "payment_required",
    why: "the message says the account is out of credits or balance",
    test: (f) =>
      says(
        f,
        /credit balance is too low|insufficient (?:credits?|balance|funds|account balance)|requires more credits|can only afford|out of credits|no credits|not enough credits|purchase (?:more )?credits|add (?:more )?credits|add funds|top[ -]?up your|recharge|payment required|billing (?:hard limit|is not active|issue|is disabled|has been disabled)|billing (?:is )?(?:not enabled|disabled)|(?:exceeded|reached) your (?:spending|spend|budget) limit|account (?:is )?in arrears|(?:suspended|disabled) due to (?:insufficient|unpaid|overdue)|(?:extra|additional|paid) usage (?:is )?required|(?:no|without a?|link a) billing account|billing account (?:is )?(?:required|not linked|disabled)|plan (?:has )?expired|subscription (?:has )?expired|余额不足|欠费|请充值|账户余额|套餐已到期/,
      ),
  },
  {
    // Gemini/Vertex answer per-minute limits with the same "exceeded your current quota" text as real
    // exhaustion; the quota id says which it is. A per-minute window with a non-zero limit clears.
    id: "rate.short-window-quota",
    code: "rate_limited",
    why: "a per-minute or per-second quota was exceeded; it clears within a minute",
    test: (f) => says(f, SHORT_WINDOW) && !says(f, LONG_WINDOW) && says(f, /quota|resource.?exhausted|rate/) && !marker(f, /^(?:insufficient_quota|usage_limit_reached)$/),
  },
  {
    id: "quota.structured",
    code: "quota_exhausted",
    why: "the provider marks the quota or usage limit as exhausted",
    test: (f) =>
      marker(
        f,
        /^(?:insufficient_quota|exceeded_current_quota_error|quota_exceeded|quotaexceeded|quota_exhausted|usage_limit_reached|usage_limit_exceeded|terminal_quota_exhausted|freeusagelimiterror|gousagelimiterror|free_tier_limit|account_rate_limit|enforced_spend_limit_reached|free-models-per-day|daily_limit_exceeded|monthly_limit_exceeded)$/,
      ) || zaiCode(f, [1304, 1308, 1310, 1313]),
  },
  {
    id: "quota.reset-time",
    code: "quota_exhausted",
    why: "the error names a reset time further off than the quota threshold",
    test: (f) => f.wait.resetAt !== undefined && (f.wait.retryAfterMs ?? 0) > f.longWaitMs && says(f, /quota|limit|usage|exceeded|exhausted|reached/),
  },
  {
    id: "quota.long-window",
    code: "quota_exhausted",
    why: "a daily, monthly or zero quota is exhausted; it will not clear soon",
    test: (f) => says(f, LONG_WINDOW) && says(f, /quota|limit|resource.?exhausted|exceeded|too many|throttl|rate/),
  },
  {
    id: "quota.wording",
    code: "quota_exhausted",
    why: "the message says the quota or usage allowance is used up",
    test: (f) =>
      says(
        f,
        /exceeded your (?:current )?(?:[\w-]+ )?quota|quota (?:has been |was )?(?:exceeded|exhausted|reached|used up)|exceeded (?:the |your )?(?:\w+ )?quota|out of quota|insufficient[_ ]quota|quota is (?:empty|exhausted)|usage limits? (?:has been |have been |was )?(?:reached|exceeded|hit)|(?:reached|hit|exceeded) (?:your |the )?(?:[\w-]+ ){0,3}usage limit|usage limit reached|limit (?:has been )?exhausted|free usage (?:exceeded|limit)|subscription quota exceeded|premium (?:request|model) (?:allowance|quota)|exhausted your (?:\w+ )?(?:quota|allowance|credits|capacity)|allowance to renew|reached (?:the |your )?(?:plan|subscription) limit|quota will reset|freeusagelimiterror|gousagelimiterror|reached (?:the |your |its |a )?(?:[\w-]+ ){0,3}quota|fair us(?:e|age) polic|(?:额度|配额|用量|次数).{0,8}(?:不足|用尽|耗尽|已用完|上限|超出|超限)|已耗尽|使用上限|已达.{0,10}上限/,
      ),
  },

  // ---- model missing ------------------------------------------------------------------------------------
  {
    id: "model.structured",
    code: "model_missing",
    why: "the provider says the model does not exist or is not available (model_not_found / 404)",
    test: (f) =>
      marker(f, /^(?:model_not_found|model_not_supported|model_not_available|unsupported_model|invalid_model|model_unavailable|deployment_not_found|deploymentnotfound)$/) ||
      zaiCode(f, [1211, 1221, 1222, 1311]) ||
      (f.status === 404 && !says(f, /route|endpoint not found|no route/)) ||
      (marker(f, /^(?:not_found_error|not_found|notfound)$/) && says(f, /model/)),
  },
  {
    id: "model.wording",
    code: "model_missing",
    why: "the message says the model is unknown, unsupported or unavailable",
    test: (f) =>
      says(
        f,
        /model[_ ]not[_ ](?:found|supported|available)|(?:the )?model\b.{0,120}?(?:does not exist|doesn['’]t exist|not found|is not supported|isn['’]t supported|not supported|is not available|isn['’]t available|is unavailable|has been deprecated|was deprecated|is deprecated|decommissioned|retired|is not a valid model)|not (?:allowed|permitted|authori[sz]ed) to (?:use|access) (?:this |the )?(?:[\w-]+ )?model|deployment(?: for this resource)? (?:does not exist|not found)|no such model|unknown model|invalid model|model (?:identifier |id |name )?(?:is )?(?:invalid|not valid)|no models? (?:is |are )?loaded|(?:don't|do not) have access to (?:this|the) model|no (?:available )?(?:model )?(?:provider|endpoints?) (?:found|available|that (?:meets|supports))|no (?:allowed |available )?providers? (?:are |is )?available|no endpoints found|not available in your (?:region|country)|模型不存在|模型.{0,6}(?:不支持|已下线)/,
      ),
  },

  // ---- auth ---------------------------------------------------------------------------------------------
  {
    id: "auth.structured",
    code: "auth",
    why: "authentication or permission failed (401/403, ProviderAuthError, authentication_error, permission_error)",
    test: (f) =>
      marker(f, /^(?:providerautherror|authentication_error|permission_error|permission_denied|unauthenticated|invalid_api_key|invalid_key|unauthorized|forbidden|access_denied|accessdeniedexception|unrecognizedclientexception|account_deactivated|organization_deactivated)$/) ||
      zaiCode(f, [1000, 1001, 1002, 1003, 1004, 1110, 1111, 1112, 1121, 1220]) ||
      f.status === 401 ||
      f.status === 403,
  },
  {
    id: "auth.wording",
    code: "auth",
    why: "the message says the API key or account is not valid or not allowed",
    test: (f) =>
      says(
        f,
        /(?:invalid|incorrect|missing|expired|revoked|wrong) (?:api[ _-]?key|x-api-key|access token|token|credentials?)|api[ _-]?key (?:is )?(?:invalid|not valid|expired|missing|required|not found)|authentication (?:failed|required|error)|unauthori[sz]ed|permission denied|access (?:denied|paused|revoked|forbidden)|not authori[sz]ed|forbidden|account (?:is )?(?:suspended|disabled|deactivated|locked|banned)|location is not supported|not (?:available|supported) in your (?:region|country|location)|unsupported (?:location|region|country)|身份验证失败|鉴权失败|无权访问/,
      ),
  },

  // ---- rate limits --------------------------------------------------------------------------------------
  {
    // The provider itself says another model is the way out (GitHub Copilot's per-model limit).
    id: "rate.use-another-model",
    code: "rate_limited",
    action: "fallback",
    why: "the provider says to try a different model",
    test: (f) => says(f, /(?:try|use|switch to|select) (?:a )?(?:different|another|other) model|切换其他模型/) && says(f, /rate|limit|too many|exhausted/),
  },
  {
    id: "rate.structured",
    code: "rate_limited",
    why: "the request was rate limited (429, rate_limit_error, throttling)",
    test: (f) =>
      f.status === 429 ||
      marker(f, /^(?:rate_limit_error|rate_limit_exceeded|rate_limited|ratelimiterror|too_many_requests|throttlingexception|throttled|requests|tokens|resource_exhausted|rate_limit_reached_error|ratelimitexceeded)$/) ||
      zaiCode(f, [1302, 1303, 1305]),
  },
  {
    id: "rate.wording",
    code: "rate_limited",
    why: "the message says requests are being rate limited",
    test: (f) =>
      says(
        f,
        /rate[ _-]?limit|too many requests|too many tokens|throttl|slow down|rate increased too quickly|resource (?:has been )?exhausted|concurrency (?:limit|exceeded)|high concurrency|请求过于频繁|频率过高|并发数过高|流量限制|限流/,
      ),
  },

  // ---- overloaded and server errors ---------------------------------------------------------------------
  {
    id: "overloaded.structured",
    code: "overloaded",
    why: "the provider is overloaded or unavailable (503/529, overloaded_error, UNAVAILABLE)",
    test: (f) =>
      f.status === 503 ||
      f.status === 529 ||
      marker(f, /^(?:overloaded_error|overloaded|server_is_overloaded|service_unavailable|unavailable|serviceunavailableexception|modelnotreadyexception|engine_overloaded)$/) ||
      zaiCode(f, [1312]),
  },
  {
    id: "overloaded.wording",
    code: "overloaded",
    why: "the message says the provider is overloaded or at capacity",
    test: (f) =>
      !clientStatus(f) &&
      says(
        f,
        /overloaded|at capacity|high demand|service (?:is )?(?:temporarily )?unavailable|temporarily unavailable|currently unavailable|too many connections|queue is full|unable to process your request|capacity (?:constraints|exceeded)|no capacity|访问量过大|服务繁忙|系统繁忙/,
      ),
  },
  {
    id: "server.structured",
    code: "server_error",
    why: "the provider failed on its side (5xx, api_error, server_error)",
    test: (f) =>
      (f.status !== undefined && f.status >= 500 && f.status !== 504) ||
      marker(f, /^(?:api_error|server_error|internal_error|internal|internalservererror|internalserverexception|bad_gateway|upstream_error)$/) ||
      zaiCode(f, [1120, 1234]),
  },
  {
    id: "server.wording",
    code: "server_error",
    why: "the message says the provider had an internal or upstream error",
    test: (f) =>
      !clientStatus(f) &&
      says(f, /internal (?:server )?error|server error|bad gateway|upstream (?:error|request failed|connect)|provider returned error|is down\b|invalid response from|something went wrong on our end|error (?:occurred )?while processing (?:your|the) request|server had an error|you can retry your request|服务器错误|内部错误/),
  },

  // ---- timeout and network ------------------------------------------------------------------------------
  {
    id: "timeout.structured",
    code: "timeout",
    why: "the request timed out (408/504, timeout_error)",
    test: (f) => f.status === 408 || f.status === 504 || marker(f, /^(?:timeout_error|timeouterror|timeout|deadline_exceeded|request_timeout|etimedout|und_err_headers_timeout|und_err_body_timeout)$/),
  },
  {
    id: "timeout.wording",
    code: "timeout",
    why: "the message says the request timed out",
    test: (f) => says(f, /timed out|time[ -]?out\b|deadline exceeded|etimedout|took too long|超时/),
  },
  {
    // Nothing listens at the provider's address (a local server that is not running, a wrong base URL):
    // a retry within the minute almost never helps, another model can serve.
    id: "network.refused",
    code: "network",
    action: "fallback",
    why: "the provider refused the connection (nothing is listening there)",
    test: (f) => says(f, /econnrefused|connection refused/),
  },
  {
    id: "network.wording",
    code: "network",
    why: "the connection to the provider failed",
    test: (f) =>
      says(
        f,
        /econnreset|econnrefused|enotfound|eai_again|epipe|ehostunreach|enetunreach|und_err_\w+|socket hang up|socket connection was closed|socket disconnected|network socket|fetch failed|failed to fetch|network[ _-]?error|unable to connect|could not connect|connection (?:reset|refused|error|lost|closed|aborted)|stream (?:closed|terminated|ended) unexpectedly|stream disconnected|disconnected before completion|error decoding response|error (?:while )?reading (?:the )?(?:server )?response|transport error|premature close|\bterminated\b|getaddrinfo|tls handshake|certificate has expired|网络错误/,
      ) || marker(f, /^(?:apiconnectionerror|connectionerror|fetcherror|networkerror)$/),
  },

  // ---- content filter and invalid requests --------------------------------------------------------------
  {
    id: "content.filter",
    code: "content_filter",
    why: "the provider refused the content (content filter, safety or moderation)",
    test: (f) =>
      marker(f, /^(?:contentfiltererror|content_filter|content_policy_violation|safety|prohibited_content|blocked|moderation)$/) ||
      zaiCode(f, [1301]) ||
      says(f, /content (?:management )?polic|content filter|flagged by (?:our )?moderation|violat\w* (?:our |the )?(?:usage |content )?polic|safety (?:system|filter|reasons)|blocked by (?:the )?(?:safety|content)|不安全或敏感内容/),
  },
  {
    id: "invalid.structured",
    code: "invalid_request",
    why: "the provider rejected the request as malformed (400/422, invalid_request_error)",
    test: (f) =>
      f.status === 400 ||
      f.status === 422 ||
      marker(f, /^(?:invalid_request_error|invalid_request|invalid_argument|bad_request|validationexception|invalid_prompt|badrequest|failed_precondition)$/) ||
      zaiCode(f, [1210, 1212, 1213, 1214, 1215]),
  },
  {
    id: "invalid.wording",
    code: "invalid_request",
    why: "the message says a parameter or the request is invalid",
    test: (f) => says(f, /invalid (?:request|parameter|argument|value|schema|json)|bad request|malformed|validation (?:error|failed)|is required\b|unsupported parameter|参数(?:有误|非法|错误)/),
  },
]

/** Errors the host or SDK marked retryable that nothing above recognised. */
export const RETRYABLE_UNKNOWN: Rule = {
  id: "unknown.retryable",
  code: "unknown",
  action: "retry",
  why: "no rule matched, but the host marked the error retryable",
  test: (f) => f.e.isRetryable === true,
}

export const UNKNOWN: Rule = {
  id: "unknown",
  code: "unknown",
  why: "no rule matched: neither a retry nor another model is known to help",
  test: () => true,
}
