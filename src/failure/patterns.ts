// The vocabulary the rule table reads: fields (error types, codes, names, quota ids; matched whole against the
// lower-cased markers) and wording (phrases anchored on how providers say a thing; matched in the lower-cased
// haystack). Every wording pattern is declared with its keywords (evidence.ts `wording`): each alternative of
// the pattern contains one of them, so a pattern runs only when one of its keywords occurs in the text.
// gates.test.ts checks that gated and ungated classification agree over the corpora and fuzzed input.
import { wording } from "./evidence.ts"

// Per-minute/per-second windows: waiting helps, the model is not exhausted.
export const SHORT_WINDOW = wording(
  /per[ _-]?minute|perminute|per[ _-]?second|persecond|(?:tokens|requests) per min\b|per min\b|每分钟|每秒|\/ ?min\b|\b[rt]pm\b|\brps\b|\btps\b|(?:this|the current|each) (?:minute|second)|\bburst\b/,
  ["min", "sec", "rpm", "tpm", "rps", "tps", "burst", "每分钟", "每秒"],
)
// Windows or states that do not clear soon. A quota id with "PerDay", "limit: 0" (no allowance at all), "TPD".
export const LONG_WINDOW = wording(
  /per[ _-]?day|perday|daily|per[ _-]?month|monthly|weekly|per[ _-]?week|\/ ?(?:day|month|week)\b|a (?:day|month|week)\b|\b[rt]pd\b|[日月周]限额|(?:每日|每天|今日|当日|每月|本月)[^，。,.;；]{0,8}?(?:限额|额度|配额|上限|用完|用尽|耗尽)|limit:\s*0(?![.\d])|quota_limit_value"?\W{1,12}(?:value\W{1,4})?0(?![.\d])|free[ _-]?tier.*limit:\s*0/,
  ["per", "daily", "monthly", "weekly", "day", "month", "week", "tpd", "rpd", "limit", "quota_limit", "限额", "每日", "每天", "当日", "今日", "每月", "本月"],
)
// A plan's usage window of hours ("5-hour usage limit"): no minute limit, but a wait it states still decides.
export const HOUR_WINDOW = wording(/\b\d+[ -]?(?:hours?|hrs?|h)[ -](?:usage |rolling |plan )?(?:limit|window|quota)/, ["limit", "window", "quota"])

/** "Limit 7000, Used 0, Requested ~12903": a single request larger than the whole per-minute window never passes. */
export function requestExceedsLimit(text: string): boolean {
  const m = /\blimit:?\s*~?(\d+)[^.]{0,40}?\brequested:?\s*~?(\d+)/.exec(text)
  return !!m && Number(m[2]) > Number(m[1]) && /per min|per[ _-]minute|\b[rt]pm\b/.test(text)
}

export const OVERFLOW_WORDING = wording(
  /prompt is too long|input is too long for requested model|exceeds? the context window|input token count.*exceeds the maximum|maximum (?:prompt|input) length is \d+|reduce the length of the messages|maximum context length|exceeds the limit of \d+|exceeds the available context size|greater than the context length|context window exceeds limit|exceeded model token limit|context[_ ]length[_ ]exceeded|exceeds? (?:the )?context limit|request entity too large|the request was too long|(?:input|message|prompt|request)(?: you submitted)? (?:is|was) too long|maximum tokens for requested operation|input exceeds context window|too many input tokens|prompt.{0,20}exceeds.{0,40}(?:context|token limit)|longer than the maximum model length|max_model_len|(?:input|prompt|context) length \d+ exceeds|exceeds (?:the )?maximum (?:input|prompt|context) length|total number of tokens (?:\(|in |of |for )[^.]{0,40}?cannot exceed|total number of tokens cannot exceed|(?:try|use|using) (?:a )?shorter prompt|context (?:size|length) (?:has been |was |is )?exceeded|exceeds? (?:the )?context size|max(?:imum)? length of (?:the )?(?:current|total) question|上下文.{0,6}(?:超出|过长|超过)|prompt\s*超长/,
  ["context", "token", "length", "too long", "too large", "prompt", "limit of", "max_model_len", "上下文"],
)

export const PAYMENT_FIELDS =
  /^(?:billing_error|insufficient_balance|insufficient_credits|insufficient_funds|payment_required|billing_hard_limit_reached|billing_not_active|account_deactivated_billing|budget_exceeded|arrearage|creditserror|credits_error|no_credits|key_limit_exceeded|spend_limit_exceeded)$/
export const PAYMENT_WORDING = wording(
  /credit balance is too low|insufficient (?:credits?|balance|funds|account balance)|requires more credits|can only afford|out of credits|no credits (?:left|remaining|available)|(?:you have|has) no credits|not enough credits|(?:purchase|buy|buying) (?:more )?credits|add (?:more )?credits|add funds|top[ -]?up your|recharge|payment required|no payment method|payment method (?:is )?required|credit card on file|(?:needs|requires) a (?:credit|payment|debit) card|positive balance|negative balance|balance (?:is )?(?:insufficient|too low|negative|exhausted)|billing (?:hard limit|is not active|issue|is disabled|has been disabled)|billing (?:is )?(?:not enabled|disabled)|account is not active|(?:exceeded|reached) (?:your |its |the )?(?:monthly )?(?:spending|spend|budget) limit|budget (?:has been )?exceeded|exceeded (?:the |your )?budget|(?:key|spend(?:ing)?) (?:limit|cap) (?:exceeded|reached)|used all (?:available|of your|your) credits|(?:prepayment|prepaid|your) credits (?:are|have been|were) (?:depleted|exhausted|used up)|credits? (?:is |are )?depleted|account (?:is )?in arrears|(?:suspended|disabled) due to (?:insufficient|unpaid|overdue)|(?:extra|additional|paid) usage (?:is )?required|(?:no|without a?|link a) billing account|billing account (?:is )?(?:required|not linked|disabled)|plan (?:has )?expired|subscription (?:has )?expired|余额不足|欠费|请充值|账户余额|套餐已到期/,
  ["credit", "insufficient", "afford", "fund", "top", "recharge", "payment", "card", "balance", "billing", "not active", "spend", "budget", "limit", "cap ", "arrears", "due to", "usage", "expired", "余额", "欠费", "充值", "套餐"],
)

export const QUOTA_FIELDS =
  /^(?:insufficient_quota|insufficient_user_quota|exceeded_current_quota_error|quota_exceeded|quotaexceeded|quota_exhausted|usage_limit_reached|usage_limit_exceeded|terminal_quota_exhausted|freeusagelimiterror|gousagelimiterror|free_tier_limit|account_rate_limit|enforced_spend_limit_reached|servicequotaexceededexception|free-models-per-day|daily_limit_exceeded|monthly_limit_exceeded|rate_limit_exhausted|auth_unavailable|allocationquota\.[\w.]+)$/
export const QUOTA_WORDING = wording(
  /exceeded your (?:current )?(?:[\w-]+ )?quota|quota (?:has been |was )?(?:exceeded|exhausted|reached|used up)|exceeded (?:the |your )?(?:\w+ )?quota|out of quota|\b(?:free tier|free quota|trial|allowance)\b[^.]{0,40}?(?:has been|is|was) (?:exhausted|used up|depleted)|insufficient[_ ]quota|quota (?:is )?(?:empty|exhausted|not enough|insufficient)|(?:you have|there is) no quota|no quota (?:left|remaining)|allocated quota exceeded|usage limits? (?:has been |have been |was )?(?:reached|exceeded|hit)|(?:reached|hit|exceeded) (?:your |the )?(?:[\w-]+ ){0,3}usage limits?|usage limit reached|(?:you've|you have|you) hit your (?:[\w-]+ )?limit|(?:session|daily|weekly|monthly|5-hour) limit (?:reached|exceeded|hit)|limits? will reset|limit (?:has been )?exhausted|free usage (?:exceeded|limit)|subscription quota exceeded|premium (?:request|model) (?:allowance|quota)|exhausted your (?:\w+ )?(?:quota|allowance|credits|capacity)|\b(?:trial|lifetime|free[ -]plan) (?:[\w-]+ )?(?:request|requests|token|usage) limit (?:reached|exceeded|hit)|used up (?:all of )?(?:your|the|its) (?:[\w,-]+ ){0,4}?(?:allocation|quota|allowance|credits|limit)|allowance to renew|reached (?:the |your )?(?:plan|subscription) limit|quota will reset|freeusagelimiterror|gousagelimiterror|reached (?:the |your |its |a )?(?:[\w-]+ ){0,3}quota|fair us(?:e|age) polic|(?:额度|配额|用量|次数).{0,8}(?:不足|用尽|耗尽|已用完|上限|超出|超限)|限额已?(?:用完|用尽|耗尽)|已耗尽|使用上限|已达.{0,10}上限/,
  ["quota", "usage", "limit", "allowance", "exhaust", "used up", "trial", "lifetime", "free plan", "free-plan", "free tier", "trial", "fair us", "额度", "配额", "用量", "次数", "限额", "耗尽", "上限", "已达"],
)
// Account-rotation plugins and local proxies, when every account or credential behind them is spent.
export const ACCOUNTS_EXHAUSTED = wording(
  /no auth available|all (?:\w+ )?(?:accounts?|credentials|keys) (?:are )?(?:rate[ -]?limited|exhausted|unavailable|cooling|in cooldown|reached)|reached configured quota threshold|no (?:available|usable|healthy) (?:accounts?|credentials?|api keys?)/,
  ["auth", "account", "credential", "key", "quota"],
)

// A transport failure, in the vocabulary of any runtime (Node/undici, Go net/http2, Python httpx, Envoy, Codex).
export const TRANSPORT = wording(
  /econnreset|connection (?:was )?reset|reset by peer|socket hang up|socket connection was closed|other side closed|und_err_socket|peer closed connection|incomplete chunked read|premature[ _]close|stream error: stream id|rst_stream|goaway|http\/2 stream \d+ (?:was reset|was not closed cleanly)|received from peer|upstream connect error|reset before headers|reset reason: connection|closed before response\.completed|websocket closed|stream disconnected before completion|stream (?:closed|terminated|ended) (?:unexpectedly|before)|network socket disconnected|before secure tls connection|econnrefused|connection refused/,
  ["econn", "connection", "reset", "socket", "clos", "peer", "chunked", "premature", "goaway", "stream", "upstream", "tls"],
)

export const MODEL_FIELDS =
  /^(?:model_not_found|model_not_supported|unsupported_api_for_model|endpoint_not_running|dedicated_endpoint_not_running|model_not_deployed|model_not_available|unsupported_model|invalid_model|invalid_model_id|model_unavailable|deployment_not_found|deploymentnotfound|providermodelnotfounderror|modelnotfounderror)$/
export const MODEL_WORDING = wording(
  /model[_ ]not[_ ](?:found|supported|available)|(?:the )?models?\b(?:[^.!?]|[.!?](?=\S)){0,120}?(?:does not exist|doesn't exist|not found|is not supported|isn't supported|not supported|is not available|isn't available|is unavailable|has been deprecated|was deprecated|is deprecated|decommissioned|retired|is not a valid model|reached (?:its |the )?end[ -]of[ -]life|(?:is )?no longer (?:available|supported|served|offered)|is not enabled|isn't enabled)|not a valid model(?: id)?|could not resolve the (?:foundation )?model from the (?:provided|given) (?:model )?identifier|not (?:allowed|permitted|authori[sz]ed) to (?:use|access) (?:this |the )?(?:[\w-]+ )?model|access to this model is (?:only )?allowed|deployment(?: for this resource)? (?:does not exist|not found)|no such (?:model|deployment)|unknown (?:provider for )?model|invalid model|model (?:identifier |id |name )?(?:is )?(?:invalid|not valid)|no models? (?:is |are )?loaded|(?:don't|do not|doesn't|does not) have access to (?:this |the |model )?(?:[\w./:@-]+ )?model|no (?:available )?(?:model )?(?:provider|endpoints?) (?:found|available|that (?:meets|supports))|no (?:allowed |available )?providers? (?:are |is )?available|no endpoints (?:found|available)|failed to load(?: the)? model|model\b(?:[^.!?]|[.!?](?=\S)){0,80}?failed to load|error loading model|model loading was stopped|(?:requires|needs) more (?:system )?memory|insufficient (?:system )?(?:resources|memory)|not enough (?:system )?(?:memory|resources|vram) to load|unable to allocate|(?:dedicated )?endpoint\b(?:[^.!?]|[.!?](?=\S)){0,120}?\bis (?:not running|paused|stopped|not deployed|scaled to zero)|endpoint (?:is )?(?:not running|paused|scaled to zero)|unable to access (?:the )?(?:[\w-]+ )?model|not a chat model|use (?:the )?\/?(?:v1\/)?completions (?:api |endpoint )?instead|(?:model|inference) service (?:has been|is|was) (?:paused|suspended|stopped|disabled)|not available in your (?:region|country)|模型不存在|模型.{0,6}(?:不支持|已下线)/,
  ["model", "deployment", "provider", "endpoint", "load", "memory", "could not resolve", "insufficient", "allocate", "region", "country", "completions", "模型"],
)

// "model \"o9\" is not accessible via /v1/responses", "Model Not Exist": said of the model itself (a host or a
// key that is "not accessible" is a reachability problem, and the rule skips texts that ask for a retry).
export const MODEL_NAMED_GONE = wording(/models?(?:\s+["'`]?[\w./:@-]{1,80}["'`]?)?\s+(?:(?:is |are )?not|isn't|aren't) (?:accessible|exists?)\b/, ["model"])

// A runtime or gateway that cannot serve this model: it cannot load or start it, it lacks tool calling, a
// gateway has no channel for it. Said also of passing states ("still loading", "暂时"), so the rule checks
// TRANSIENT_HINT before trusting it. A model id has a digit or a separator ("gpt-4o", "qwen3:32b").
export const MODEL_CANNOT_SERVE = wording(
  /models?\s+(?:[\w./:@-]*[\d.:/@-][\w./:@-]*\s+)?failed to start|(?:could not|couldn't|unable to|cannot|can't) load (?:the )?(?:model|engine)\b(?! (?:list|config|registry|catalog|metadata))|(?:models?|[\w./:@-]*[\d.:/@-][\w./:@-]*) (?:does not|doesn't) support (?:function[ _]calling|tool[ _](?:use|calling|calls)|tools)\b|(?:无|没有)可用(?:的)?渠道/,
  ["failed to start", "load", "support", "渠道"],
)
export const TRANSIENT_HINT = wording(
  /temporar|(?:try again|retry|retrying)(?! (?:with|using) (?:a |an |another |different )|after (?:updating|upgrading|installing)| is not)|still loading|being loaded|warming|shortly|busy|fetch failed|暂时|暂无|稍[后候]|限流|繁忙/,
  ["temporar", "try again", "retry", "still loading", "being loaded", "warming", "shortly", "busy", "fetch failed", "暂", "稍", "限流", "繁忙"],
)

export const AUTH_FIELDS =
  /^(?:providerautherror|authentication_error|authenticationerror|permission_error|permission_denied|permissiondeniederror|unauthenticated|invalid_api_key|invalidapikey|api_key_invalid|invalid_key|unauthorized|forbidden|access_denied|accessdeniedexception|unrecognizedclientexception|account_deactivated|organization_deactivated|credentials_missing|unsupported_country_region_territory|\w*noautherror)$/
export const AUTH_WORDING = wording(
  /(?:invalid|incorrect|missing|expired|revoked|wrong) (?:api[ _-]?key|x-api-key|access token|token|credentials?|authentication)|(?:api[ _-]?key|access token) (?:is )?(?:invalid|not valid|expired|missing|required|not found)|no permission to access|(?:didn't|did not|must) provide (?:an|your) api key|authentication (?:fail(?:s|ed|ure)?|required|error)|no such user|user not found|(?:oauth )?authentication is (?:currently )?not supported|(?:token|key|credential)s? (?:has |have )?(?:expired|been revoked)|insufficient permissions?|(?:does not|doesn't|do not|don't) have (?:access|permission)|unauthori[sz]ed|permission denied|access (?:denied|paused|revoked|forbidden)|not authori[sz]ed|only authori[sz]ed for use with|(?:tier|plan|key|token|credential|subscription|account)s? can only be used (?:from )?(?:within|with|in|by|through) |(?:tier|plan|key|subscription|account)s? (?:is|are) (?:currently )?only available (?:for|to|in|with|through) |authentication (?:has )?expired|(?:login|oauth|sign-in) (?:session )?(?:has )?expired|expected oauth2? access token|api keys? (?:are|is) not supported by this api|(?:does not|doesn't) meet (?:the )?scope requirement|(?:fill(?:ed)? out|complete|submit(?:ted)?) (?:the )?(?:required )?(?:[\w-]+ )?use[- ]case (?:details )?form|use[- ]case details (?:have|has) not been submitted|insufficient (?:oauth )?scopes?|cannot be used for other api requests|forbidden|authorization required|organi[sz]ation (?:has been |is |was )?(?:disabled|suspended|restricted|deactivated|banned|blocked)|organi[sz]ation (?:must be|is not|has not been) verified|verify (?:your )?organi[sz]ation|account (?:is |has been )?(?:suspended|disabled|deactivated|locked|banned)|(?:sorry, )?you have been blocked|attention required! \| cloudflare|just a moment\.\.\.|checking your browser|enable javascript and cookies to continue|location is not supported|not (?:available|supported) in your (?:region|country|location)|unsupported (?:location|region|country)|country, region,? (?:or|and) territory (?:is )?not supported|your (?:country|region|territory) (?:is )?not supported|(?:^|[.:] )(?:country|region|territory) (?:is )?not supported|身份验证失败|鉴权失败|无权访问/,
  ["key", "token", "credential", "authenti", "authori", "no such user", "user not found", "scope", "permission", "access", "cannot be used", "can only be used", "only available", "expired", "no permission", "use case", "use-case", "forbidden", "organi", "account", "blocked", "cloudflare", "just a moment", "browser", "javascript", "location", "region", "country", "territory", "身份", "鉴权", "无权"],
)

export const RATE_WORDING = wording(
  /rate[ _-]?limit|too many requests|too many tokens|throttl|slow down|rate increased too quickly|resource[ _]?(?:has been )?exhausted|concurrency (?:limit|exceeded)|high concurrency|too frequent|exceeded your current requests?\b|\bqps\b|过于频繁|太频繁|频率(?:过高|超限)|速率限制|请求频率|并发.{0,4}?(?:过高|超限|超出|上限)|(?:每分钟|每秒)[^，。,.]{0,8}?(?:超出|超限|上限|限制|限额)|流量限制|限流/,
  ["rate", "too many", "throttl", "slow down", "resource", "concurren", "too frequent", "exceeded your current request", "qps", "每分钟", "每秒", "频繁", "频率", "速率", "并发", "流量", "限流"],
)
export const OVERLOADED_FIELDS = /^(?:overloaded_error|overloaded|server_is_overloaded|engine_overloaded|modelnotreadyexception|unavailable_error|server_overloaded)$/
export const OVERLOADED_WORDING = wording(
  /overloaded|at capacity|high demand|service (?:is )?(?:temporarily )?unavailable|temporarily unavailable|currently unavailable|too many connections|queue is full|server (?:is )?(?:busy|too busy)|maximum pending requests|unable to process your request|capacity (?:constraints|exceeded)|no capacity|loading model|model is (?:still )?loading|model\b(?:[^.!?]|[.!?](?=\S)){0,100}?\bis (?:currently |still )?(?:loading|being loaded)|\bsaturated\b|\bdegraded\b|high volume of (?:traffic|requests)|heavy traffic|负载.{0,2}饱和|负载过高|访问量过大|服务繁忙|系统繁忙/,
  ["overload", "capacity", "demand", "unavailable", "too many", "queue", "busy", "pending", "unable to process", "loading", "saturated", "degraded", "volume of", "heavy traffic", "负载", "访问量", "繁忙"],
)
export const SERVER_WORDING = wording(
  /internal (?:server )?error|server error|bad gateway|web server is returning an unknown error|origin (?:web )?server|invalid response from|is down\b|something went wrong on our end|error (?:occurred )?while processing (?:your|the) request|server had an error|an error occurred with (?:your|this) deployment|you can retry your request|服务器错误|内部错误/,
  ["internal", "server", "gateway", "origin", "invalid response", "down", "went wrong", "processing", "retry your", "deployment", "服务器", "内部"],
)
export const TIMEOUT_FIELDS = /^(?:timeout_error|timeouterror|modeltimeoutexception|apitimeouterror|deadline_exceeded|request_timeout|etimedout|und_err_headers_timeout|und_err_body_timeout|apiconnectiontimeouterror|headerstimeouterror|bodytimeouterror)$/
export const NETWORK_WORDING = wording(
  /\benotfound\b|eai_again|\bepipe\b|ehostunreach|enetunreach|und_err_\w+|socket disconnected|network socket|fetch failed|failed to fetch|network[ _-]?error|unable to connect|could not connect|connection (?:error|lost|closed|aborted)|stream (?:closed|terminated|ended) unexpectedly|stream disconnected|disconnected before completion|error decoding response|error (?:while )?reading (?:the )?(?:server )?response|transport error|getaddrinfo|no such host|dial tcp|econnaborted|err_connection_\w+|err_network|err_internet_disconnected|tls handshake|certificate has expired|: eof\b|unexpected eof|网络错误/,
  ["enotfound", "eai_again", "epipe", "ehost", "enet", "und_err", "socket", "fetch", "network", "connect", "stream", "decoding", "reading", "transport", "getaddrinfo", "no such host", "dial tcp", "econnaborted", "err_connection_", "err_network", "err_internet", "tls", "certificate", "eof", "网络"],
)
export const CONTENT_FIELDS = /^(?:contentfiltererror|content_filter|content_policy_violation|prohibited_content|moderation|safety|blocked|datainspectionfailed|data_inspection_failed|recitation|blocklist|spii)$/
export const CONTENT_WORDING = wording(
  /content (?:management )?polic|content filter|flagged by (?:our )?moderation|(?:input|output|prompt|content|request) (?:was|has been) flagged|requires moderation|inappropriate content|violat\w* (?:[\w'’-]+ ){0,3}?(?:polic|guideline|terms of (?:use|service))|safety (?:system|filter|reasons)|blocked by (?:the )?(?:safety|content)|sensitive (?:words?|content)|\brecitation\b|\bblocklist\b|不安全或敏感内容|敏感词/,
  ["content", "flagged", "moderation", "violat", "safety", "blocked", "sensitive", "recitation", "blocklist", "不安全", "敏感词"],
)

// Fields that only name a class of failure, no more specific than a status code.
export const RATE_MARKERS =
  /^(?:rate_limit_error|rate_limit_exceeded|rate_limited|ratelimiterror|too_many_requests|too_many_requests_error|throttlingexception|throttled|requests|tokens|resource_exhausted|rate_limit_reached_error|ratelimitexceeded|request_quota_exceeded|upstream_provider_rate_limit|provider_rate_limit_exceeded)$/
export const UNAVAILABLE_MARKERS = /^(?:service_unavailable|unavailable|serviceunavailableexception|serviceunavailable)$/
export const SERVER_MARKERS = /^(?:api_error|server_error|internal_error|internal|internalservererror|internalserverexception|modelerrorexception|modelstreamerrorexception|internal_server_error|bad_gateway|upstream_error)$/
export const INVALID_MARKERS = /^(?:invalid_request_error|invalid_request|invalid_argument|bad_request|validationexception|invalid_prompt|badrequest|failed_precondition|invalid_function_parameters|missing_required_parameter)$/
export const NOT_FOUND_MARKERS = /^(?:not_found_error|not_found|notfound|notfounderror|resourcenotfoundexception)$/

// The provider asks for a later try without naming a wait.
export const TRY_LATER = wording(/try again (?:later|shortly|in a (?:moment|bit|while))|retry (?:later|shortly)|稍[后候](?:再试|重试)/, ["try again", "retry", "稍"])
// NVIDIA's function state: "DEGRADED function cannot be invoked" (a 400), the model's service is unhealthy.
export const DEGRADED = wording(/degraded function|(?:function|service|model|endpoint|deployment) (?:is )?(?:currently )?degraded/, ["degraded"])
// The provider asks for another try (and may name when): "Prediction interrupted; please retry", "Try again in 60 seconds".
export const RETRY_ASKED = wording(/please (?:retry|try again)|(?:retry|try again) (?:later|shortly|soon|in a (?:moment|bit|while|few)|in \d)/, ["retry", "try again"])
// "Usage limits" without a window or a reset: some providers' word for their rate limit (Fireworks' 429).
export const USAGE_LIMITS = wording(/(?:exceeded|reached|hit) (?:your |the )?usage limits?|usage limits? (?:exceeded|reached)/, ["usage limit"])

export const GENERIC_SERVER = wording(/provider returned error|upstream (?:error|request failed|connect)|gateway request failed|error from provider/, ["provider returned error", "upstream", "gateway request failed", "error from provider"])
export const INVALID_WORDING = wording(
  /invalid (?:request|parameter|argument|value|schema|json)|bad request|malformed|validation (?:error|failed)|is required\b|unsupported parameter|参数(?:有误|非法|错误)/,
  ["invalid", "bad request", "malformed", "validation", "is required", "unsupported parameter", "参数"],
)
// The provider's answer could not be read or used (the AI SDK's "Invalid JSON response", a cut JSON stream,
// Gemini's MALFORMED_FUNCTION_CALL finish: a glitch in one answer, not a fault of the request).
export const UNREADABLE_RESPONSE = wording(
  /invalid json response|unexpected end of json input|failed to parse (?:the )?(?:response|stream)\b(?!_)|malformed[ _]function[ _]call/,
  ["invalid json response", "unexpected end of json", "failed to parse", "malformed"],
)
export const TOO_LARGE = wording(/request too large for model/, ["request too large for model"])
export const REQUESTED = wording(/requested/, ["requested"])
export const LIMITED = wording(/quota|resource.?exhausted|rate|limit|too many|exceeded|exhausted|allowance|throttl/, ["quota", "resource", "rate", "limit", "too many", "exceeded", "exhausted", "allowance", "throttl"])
export const RATE_LIMITS = wording(/rate[ -]?limits?\b/, ["rate"])
export const REFUSED = wording(/econnrefused|connection refused/, ["econnrefused", "connection refused"])
export const ANOTHER_MODEL = wording(/(?:try|use|switch to|select|selecting|choose) (?:a )?(?:different|another|other) model|切换其他模型/, ["other model", "different model", "切换"])
export const SSE_STALL_WORDING = wording(/sse read timed out|chunk[ -]timeout/, ["sse read", "chunk"])
export const TIMEOUT_WORDING = wording(/timed out|time[ -]?out\b|deadline exceeded|etimedout|took too long|超时/, ["time", "deadline exceeded", "etimedout", "took too long", "超时"])
export const TERMINATED = wording(/\bterminated\b/, ["terminated"])

