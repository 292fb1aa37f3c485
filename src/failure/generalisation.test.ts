// Rules added after measurements on unseen errors, each batch scored before its rules were written
// (APIError form / bare message): "generalisation-1" 90.3 % / 82.3 %, "generalisation-2" 83.9 % / 75.8 %,
// "generalisation-3" 86.9 % / 86.9 %, "generalisation-4" 92.2 % / 89.1 %,
// "generalisation-5" 92.6 % / 92.6 %, "generalisation-6" 82.2 % / 82.2 % (its 2 "moved" are the host's SSE
// timeout, a stall by this plugin's documented policy). Each case is written from the provider's documented format or wording, in
// other words and with other models than the corpus rows, so a rule that only matched its one example fails here.
import { describe, expect, test } from "bun:test"
import { classifyFailure } from "./classify.ts"

const NOW = 1_790_000_000_000
const api = (status: number, body: unknown, message = "x") => ({
  name: "APIError",
  data: { statusCode: status, message, isRetryable: status === 429 || status >= 500, responseBody: typeof body === "string" ? body : JSON.stringify(body) },
})
type Case = [name: string, input: unknown, action: "retry" | "fallback" | "stop", code?: string]

function run(cases: Case[]) {
  for (const [name, input, action, code] of cases)
    test(name, () => {
      const f = classifyFailure(input, { now: NOW })
      expect(`${f.action} (${f.code}, ${f.rule})`).toStartWith(action + " ")
      if (code) expect(f.code as string).toBe(code)
      expect(f.evidence?.length).toBeGreaterThan(0)
    })
}

describe("a model whose endpoint is not serving", () => {
  run([
    ["a dedicated endpoint that is stopped, model id with dots", "The dedicated endpoint for acme/coder-v2.5-32b is stopped. Start it from the dashboard.", "fallback", "model_missing"],
    ["an endpoint that is paused, in a 400 invalid_request_error", api(400, { error: { message: "Endpoint for org/model-7b.1 is paused.", type: "invalid_request_error" } }), "fallback", "model_missing"],
    ["a code that names a not-running endpoint", api(400, { error: { message: "Request failed.", type: "invalid_request_error", code: "endpoint_not_running" } }), "fallback", "model_missing"],
    ["a model the key cannot reach without a dedicated deployment", "Unable to access model meta/llama-2-70b-hf. Create a dedicated endpoint first.", "fallback", "model_missing"],
    ["OpenAI's completion-only model on the chat route", api(404, { error: { message: "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?", type: "invalid_request_error" } }), "fallback"],
    ["a base model served only by the completions API, bare text", "this model has no chat template, use the /v1/completions endpoint instead", "fallback", "model_missing"],
    ["a model service the account paused", "The inference service has been suspended for model ep-2025-x because the account reached its configured limit.", "fallback"],
  ])
})

describe("Hugging Face's estimated_time: the load time decides", () => {
  run([
    ["a model loading for half an hour moves on", api(503, { error: "Model org/big-model is currently loading", estimated_time: 1500.5 }), "fallback"],
    ["a model loading for 20 s stays", api(503, { error: "Model org/small-model is currently loading", estimated_time: 20.0 }), "retry", "overloaded"],
    ["the body alone, no status: loading is a transient state, its long estimate moves on", JSON.stringify({ error: "Model team/model-v1.2 is currently loading", estimated_time: 900 }), "fallback", "overloaded"],
    ["the message alone says only that it loads: stay", "Model team/model-v1.2 is still loading", "retry", "overloaded"],
  ])
  test("explain names the field", () => {
    const f = classifyFailure(api(503, { error: "Model org/big-model is currently loading", estimated_time: 1500.5 }), { now: NOW })
    expect(f.evidence?.[0]?.detail).toContain("estimated_time")
  })
})

describe("transport failures written as codes", () => {
  run([
    ["Node's premature stream close, alone in a JSON code field", { name: "UnknownError", data: { message: JSON.stringify({ code: "ERR_STREAM_PREMATURE_CLOSE" }) } }, "retry", "network"],
    ["the same, as text", "Error [ERR_STREAM_PREMATURE_CLOSE]: Premature close", "retry", "network"],
  ])
})

describe("concurrency limits written as a resource state", () => {
  run([
    ["ResourceExhausted without a space, a concurrency counter", "ResourceExhausted: too many concurrent requests for this worker (65/64).", "retry", "rate_limited"],
    ["a per-day quota with the same word still moves", "ResourceExhausted: Quota exceeded for requests per day for model x.", "fallback", "quota_exhausted"],
  ])
})

describe("authentication in other words", () => {
  run([
    ["authentication fails", api(401, { error: { message: "Authentication Fails, Your api key: ****abcd is invalid", type: "authentication_error" } }, "Authentication Fails, Your api key: ****abcd is invalid"), "fallback", "auth"],
    ["authentication failure, bare", "Authentication failure: the key was not recognised", "fallback", "auth"],
    ["a key that maps to no user, bare", "No such user for this API key", "fallback", "auth"],
  ])
})

describe("a refusal of the content wins over the 403 it comes in", () => {
  run([
    ["violates the usage guidelines, 403 permission-denied", api(403, { code: "permission-denied", error: "Your prompt violates our usage guidelines." }, "Forbidden: Your prompt violates our usage guidelines."), "stop", "content_filter"],
    ["violates the terms, bare", "Request blocked: the input violates the provider's terms of use.", "stop", "content_filter"],
    ["a plain 403 forbidden is still auth", api(403, { error: { message: "Forbidden" } }, "Forbidden"), "fallback", "auth"],
  ])
})

describe("a platform's own error page text", () => {
  run([["Vercel's deployment error, bare", "An error occurred with this deployment", "retry", "server_error"]])
})

// Rules added after the second measurement on unseen errors (batch "generalisation-2": 83.9 % / 75.8 % before).
describe("rate limits and busy relays in Chinese", () => {
  run([
    ["requests too frequent, try later", "请求太频繁，请稍后重试", "retry", "rate_limited"],
    ["account rate limit", "当前账户已触发速率限制", "retry", "rate_limited"],
    ["concurrency over the limit", "RateLimitError: 并发超出限制", "retry", "rate_limited"],
    ["a relay whose group load is saturated, with a billing code, asks for a later try", { name: "UnknownError", data: { message: JSON.stringify({ error: { message: "上游负载已饱和，请稍后再试", type: "billing_not_active", code: "billing_not_active" } }) } }, "retry", "overloaded"],
    ["a real billing code without a later try still moves", api(403, { error: { message: "Billing is not active for this account.", code: "billing_not_active" } }), "fallback", "payment_required"],
  ])
})

describe("usage limits, their windows and their resets", () => {
  run([
    ["usage limits with only a later try: a rate limit", api(429, { message: "You have reached your usage limits. Please try again later." }), "retry", "rate_limited"],
    ["usage limits with a plan window of hours: exhausted", "Usage limit reached: 8-hour window for your plan", "fallback", "quota_exhausted"],
    ["usage limits of an hours window, even with a later try asked for: exhausted", "You have reached your usage limits for the 5-hour window. Please try again later.", "fallback", "quota_exhausted"],
    ["Codex: 'hit your usage limit' with only a later try is a plan limit", "You've hit your usage limit. Try again later.", "fallback", "quota_exhausted"],
    ["usage limits and a far reset: exhausted", `Usage limit exceeded, try again later. Resets at ${new Date(NOW + 6 * 3_600_000).toISOString()}`, "fallback", "quota_exhausted"],
    ["a free tier used up, as a 403 with an allocation code", api(403, { error: { message: "Free allocation used.", code: "AllocationQuota.FreeTierOnly" } }), "fallback", "quota_exhausted"],
    ["a trial used up, bare", "Your trial has been used up for this model.", "fallback", "quota_exhausted"],
  ])
})

describe("context limits in local servers' words", () => {
  run([
    ["vLLM: longer than the maximum model length, as a 500", api(500, { object: "error", message: "This model's prompt (length 40001) is longer than the maximum model length of 32768.", type: "BadRequestError" }), "stop", "context_overflow"],
    ["llama.cpp: context size exceeded, type server_error", api(500, { error: { code: 500, message: "The context size was exceeded.", type: "server_error" } }), "stop", "context_overflow"],
  ])
})

describe("models and endpoints that are gone", () => {
  run([
    ["410 Gone with a problem+json body", api(410, { type: "about:blank", title: "Gone", status: 410 }), "fallback", "model_missing"],
    ["end of life, bare", "The model acme/m-1 reached its end-of-life and can no longer be called.", "fallback", "model_missing"],
    ["a model not accessible on this route", { name: "UnknownError", data: { message: JSON.stringify({ error: { message: "model \"o9\" is not accessible via /v1/responses", code: "unsupported_api_for_model" } }) } }, "fallback", "model_missing"],
    ["a 404 from the provider's router: the endpoint for this model is not there", api(404, { success: false, errors: [{ code: 7003, message: "Could not route to /accounts/x/ai/run, perhaps your object identifier is invalid?" }] }), "fallback", "model_missing"],
  ])
})

describe("credentials of the wrong kind or scope", () => {
  run([
    ["Google: an API key where OAuth is expected", "API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials.", "fallback", "auth"],
    ["a token without the scope the route needs", "Forbidden: token does not meet the scope requirement for inference", "fallback", "auth"],
  ])
})

describe("transport failures in Go's words", () => {
  run([["HTTP/2 GOAWAY", "http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=ENHANCE_YOUR_CALM", "retry", "network"]])
})

test("an unknown error the host is retrying stays a retry (the host decided it is transient)", () => {
  const f = classifyFailure({ type: "retry", attempt: 2, message: "something odd happened upstream (E42)", next: NOW + 4000 }, { now: NOW })
  expect(`${f.action} ${f.code}`).toBe("retry unknown")
  const plain = classifyFailure("something odd happened upstream (E42)", { now: NOW })
  expect(plain.action).toBe("stop")
})

describe("generalisation-3: context limits in other words", () => {
  run([
    ["a prompt length over the limit, sent as a 500", api(500, { error: { message: "The prompt length 50211 exceeds the limit of this deployment" } }), "stop", "context_overflow"],
    ["the whole exchange cannot exceed the window", "ValueError: total number of tokens in prompt and completion cannot exceed 4096 (got 5003)", "stop", "context_overflow"],
    ["the provider asks for a shorter prompt", api(400, { message: "Request rejected. Please use a shorter prompt and try again." }), "stop", "context_overflow"],
  ])
})

describe("generalisation-3: allocations used up, models that do not exist, refusals named by class", () => {
  run([
    ["a monthly allocation used up", api(403, { errors: [{ code: 4006, message: "You have used up all of your monthly allocation of 300 requests." }] }), "fallback", "quota_exhausted"],
    ["a model that does 'not exist', in a 400", api(400, { error: { message: "The requested model not exists", type: "invalid_request_error" } }), "fallback", "model_missing"],
    ["an envelope with a header object and a NoAuth class name (Python repr)", "{'header': {'code': 11201, 'message': 'LicenseNoAuthError: app 5f2a', 'status': 3}}", "fallback", "auth"],
  ])
})

describe("generalisation-3: the provider asks for another try", () => {
  run([
    ["an interrupted run that asks for a retry", "ModelError: Run interrupted by a node restart; please retry", "retry"],
    ["a router with nothing to route to for 45 s", "Router: no healthy deployment for this alias right now, try again in 45 seconds", "retry"],
    ["the same router naming 10 minutes moves on", "Router: no healthy deployment for this alias right now, try again in 10 minutes", "fallback"],
  ])
})

test("generalisation-3: a body cut short in its stack trace still gives its retry-after header", () => {
  const body = '{"error": {"headers": {"content-type": "text/plain", "retry-after": "7200"}, "stack": "Error: 429 error code: 1015\\n    at (edge/func'
  expect(classifyFailure(api(429, body, "Too Many Requests"), { now: NOW })).toMatchObject({ action: "fallback", retryAfterMs: 7_200_000 })
  expect(classifyFailure(api(429, body.replace("7200", "20"), "Too Many Requests"), { now: NOW }).action).toBe("retry")
})

describe("transient errors near the new wordings stay on the model (review of the generalisation rules)", () => {
  run([
    ["a per-minute allowance exhausted", api(429, { error: { message: "Your per-minute token allowance has been exhausted." } }), "retry"],
    ["a burst allowance exhausted", api(429, { error: { message: "Burst allowance is exhausted, please slow down and retry shortly." } }), "retry"],
    ["an allowance for this minute, bare", "Your request allowance for this minute is exhausted, please slow down", "retry"],
    ["an hour window that names a short wait", "Rate limit exceeded: 100 requests per 1 hour window. Please retry after 30 seconds.", "retry"],
    ["tokens per minute that 'cannot exceed'", api(429, { error: { message: "The total number of tokens per minute cannot exceed 400000. Please retry later.", type: "rate_limit_error" } }), "retry"],
    ["an endpoint for a model not accessible right now", api(502, { error: { message: "Upstream endpoint for model claude-sonnet-4 is not accessible right now, please retry" } }), "retry"],
    ["a host that is not accessible, a model named before it", api(500, { error: { message: "litellm.APIConnectionError: Connection error. Model: gpt-4o, upstream host is not accessible" } }), "retry"],
    ["a model temporarily not accessible", api(503, { error: { message: "The model is temporarily not accessible, please try again later." } }), "retry"],
    ["an error page whose comment holds an unclosed script", "<html><head><!-- <script src=old.js> --></head><body><h1>Service temporarily unavailable</h1></body></html>", "retry"],
    ["a cut request echoed in an overload message is not an error body", api(503, { error: { message: 'Service overloaded. Request: {"model": "gpt-4o", "retry_after": 86400, "messages": [{"role": "user", "content": "long promp' } }), "retry"],
  ])
  test("a cut Python list is not read as a body: the message stays whole", () => {
    const f = classifyFailure("Error: [429, 'Too many requests, retry in 30 seconds", { now: NOW })
    expect(f.message).toContain("Too many requests")
    expect(f.action).toBe("retry")
  })
})

describe("generalisation-4: models a runtime or gateway cannot serve, regions, and request lists", () => {
  run([
    ["a local engine that cannot load, bare", "Error: unable to load the model qwen2.5-7b: out of memory", "fallback", "model_missing"],
    ["a model that failed to start, as a 500", api(500, { error: { message: "Model phi-3-mini failed to start: backend exited with code 1" } }), "fallback", "model_missing"],
    ["a model without tool calling", api(400, { error: { message: "mistral-small-legacy does not support tool calling", type: "invalid_request_error" } }), "fallback", "model_missing"],
    ["a gateway group with no channel for the model (Chinese)", api(503, { error: { message: "分组 vip 下模型 claude-4 没有可用渠道", type: "new_api_error" } }), "fallback", "model_missing"],
    ["a territory the provider does not serve", "Territory not supported for this service", "fallback", "auth"],
    ["the region code alone, in a 400", api(400, { error: { code: "unsupported_country_region_territory", message: "Request blocked." } }), "fallback", "auth"],
    ["Baidu's error_msg: a QPS limit is a rate limit", JSON.stringify({ error_code: 18, error_msg: "Open api qps request limit reached" }), "retry", "rate_limited"],
    ["a trial's request limit is a quota, also in a 403", api(403, { error: { message: "Trial request limit reached for this API key" } }), "fallback", "quota_exhausted"],
    ["an error with a success status that says nothing more: the answer was lost, retry", api(200, { status: 200, body: {} }, "HTTP 200"), "retry", "server_error"],
    ["the AI SDK's 'Invalid JSON response' of a cut stream is retried", api(200, '{"id":"chatcmpl-1","choices":[{"delta":{"content":"He', "Invalid JSON response"), "retry", "server_error"],
    ["'exceeded your current requests': a throttle, bare", "Upstream said: you exceeded your current requests cap", "retry", "rate_limited"],
  ])
  test("message fields of other spellings are read as the message", () => {
    const fields: Array<[string, string]> = [["error_msg", "Open api qps request limit reached"], ["errorMsg", "Rate limited"], ["html-message", "Network connection lost."]]
    for (const [key, text] of fields)
      expect(classifyFailure(JSON.stringify({ status: 200, body: { [key]: text } }), { now: NOW }).message).toBe(text)
  })
})

describe("generalisation-4 reviewed: passing states and request problems stay where they were", () => {
  run([
    ["all channels rate-limited, try later (Chinese), 429", api(429, { error: { message: "当前所有渠道均已限流，无可用渠道，请稍后再试" } }), "retry"],
    ["no channel for now, retry later (Chinese), 503", api(503, "暂时没有可用的渠道，请稍后重试"), "retry"],
    ["a model that cannot load yet: another is still loading", api(503, "Could not load model qwen3:32b yet: another model is still loading. Try again shortly."), "retry"],
    ["a server warming up", api(503, "Unable to load the model: server is warming up, try again in 30 seconds"), "retry"],
    ["a registry of models that could not load", api(500, "could not load models from provider registry, please try again later"), "retry"],
    ["a model config that could not load over the network", api(500, "Could not load the model config from cache, network error while fetching"), "retry"],
    ["a model stream that failed to start", "ModelStreamErrorException: The model stream failed to start due to an internal error", "retry"],
    ["a deployment that failed to start within a timeout", api(504, "Model deployment failed to start within timeout"), "retry"],
    ["Baidu: a question over the length limit, sent with 200", api(200, { error_code: 336003, error_msg: "the max length of current question is 4800" }), "stop", "context_overflow"],
    ["Baidu: sensitive words, sent with 200", api(200, { error_code: 336104, error_msg: "Input contains sensitive words, please rephrase" }), "stop", "content_filter"],
    ["sensitive words in Chinese, sent with 200", api(200, { code: 200, msg: "输入内容包含敏感词" }), "stop", "content_filter"],
    ["Baidu: an invalid access token, sent with 200", api(200, { error_code: 110, error_msg: "Access token invalid or no longer valid" }), "fallback", "auth"],
    ["a balance that caps QPS is a payment problem", api(429, "Insufficient account balance; QPS limited to 1 until you recharge"), "fallback", "payment_required"],
    ["an endpoint without tools is a request problem", api(400, "The /v1/completions endpoint does not support tools. Use /v1/chat/completions."), "stop"],
    ["a response format without function calling is a request problem", api(400, "response_format json_object does not support function calling in the same request"), "stop"],
    ["a 'region' parameter is a request problem", api(400, "The 'region' parameter is not supported on this endpoint"), "stop"],
    ["a region down for maintenance is retried", api(503, "Requests to region us-east-1 are temporarily not supported due to maintenance. Please retry."), "retry"],
  ])
})

describe("generalisation-5: daily limits in Chinese, degraded services, Bedrock's access steps", () => {
  run([
    ["a key's monthly limit used up (Chinese), typed as a rate limit", api(429, { error: { message: "令牌月限额已用完", type: "rate_limit_exceeded" } }), "fallback", "quota_exhausted"],
    ["a degraded inference function, bare", "The inference function is DEGRADED and cannot serve requests", "retry", "overloaded"],
    ["a degraded service in a 400 that names a short reset", api(400, { status: 400, title: "Bad Request", detail: "Function 'f-12': DEGRADED function cannot be invoked. Reset after 20s" }), "retry", "overloaded"],
    ["the same 400 with no time to come back moves on", api(400, { status: 400, title: "Bad Request", detail: "Function 'f-12': DEGRADED function cannot be invoked" }), "fallback", "model_missing"],
    ["a 503 that says the service is degraded is an overload", api(503, { error: { message: "The service is degraded at the moment" } }), "retry"],
    ["a 400 that says overloaded but names no reset stays the request's fault", api(400, { error: { message: "Payload overloaded with tools: 300 is too many", type: "invalid_request_error" } }), "stop"],
    ["Bedrock's use-case form not filled in", "Please complete the use case form before accessing Claude models on Bedrock.", "fallback", "auth"],
    ["a model id Bedrock cannot resolve", "Could not resolve the model from the given identifier 'anthropic.claude-x'", "fallback", "model_missing"],
  ])
  test("an exception named ResourceNotFound is not Node's ENOTFOUND", () => {
    const f = classifyFailure("ResourceNotFoundException: requested resource is missing", { now: NOW })
    expect(f.rule).not.toBe("network.wording")
    expect(f.action).toBe("stop")
  })
})

describe("generalisation-6: shapes OpenCode users meet", () => {
  run([
    ["a client's retry wrapper that names the provider's long wait", "Retry failed after 2 attempts: Provider requested 7200000ms wait, exceeds the limit. Original error: 429 Too Many Requests", "fallback"],
    ["the same wrapper with a short wait stays", "Provider requested 15s wait. Original error: 429 Too Many Requests", "retry"],
    ["a free tier that only works inside one client, as a 400", api(400, { error: { message: "This free tier can only be used from within the official app" } }), "fallback", "auth"],
    ["a plan only available to some clients, as a 405", api(405, { error: "The Pro plan is currently only available for IDE plugins" }), "fallback"],
    ["a bare 405: the endpoint does not take this request", "HTTP 405", "fallback", "model_missing"],
    ["'only available to some users' under load is an overload, not a plan limit", api(503, { error: { message: "Service is currently only available to a limited set of users due to high load, try again later" } }), "retry"],
    ["a parameter that 'can only be used with' some models is the request's fault", api(400, { error: { message: "This parameter can only be used with vision models" } }), "stop"],
    ["an expired sign-in", "Error: Copilot sign-in session has expired", "fallback", "auth"],
    ["authentication expired", "Error: Kimi authentication expired, please log in again", "fallback", "auth"],
    ["a malformed function call in the model's answer is a glitch", "Candidate finished with reason MALFORMED_FUNCTION_CALL", "retry"],
    ["a high volume of traffic, bare", "The model is experiencing a high volume of traffic right now", "retry", "overloaded"],
  ])
})

describe("generalisation-5 reviewed: day words, DNS names and request-side parse errors", () => {
  const withWait = (status: number, body: unknown, seconds: number) => ({ name: "APIError", data: { statusCode: status, message: "x", isRetryable: status === 429, responseHeaders: { "retry-after": String(seconds) }, responseBody: JSON.stringify(body) } })
  run([
    ["a per-second throttle that mentions today's call count (Chinese)", withWait(429, { message: "请求过于频繁，请5秒后重试（今日已调用 1200 次）", type: "rate_limit_error" }, 5), "retry", "rate_limited"],
    ["a per-minute limit that says when the day resets", withWait(429, { error: { message: "Rate limit reached for requests per minute (RPM: 60). 每日 00:00 重置" } }, 2), "retry"],
    ["a concurrency cap in Chinese", api(429, { message: "并发限额已超出，请稍后重试" }), "retry", "rate_limited"],
    ["a per-minute cap in Chinese", "每分钟请求限额超出，请稍后再试", "retry", "rate_limited"],
    ["a host name that could not be resolved", "getaddrinfo ENOTFOUND: could not resolve models.inference.ai.azure.com", "retry", "network"],
    ["an overloaded tools array in a 400 with a Retry-After is still the request's fault", withWait(400, { error: { message: "'tools' array overloaded: too many definitions", type: "invalid_request_error" } }, 5), "stop"],
    ["a request-side schema that failed to parse", api(400, { error: { message: "Failed to parse the response_format JSON schema" } }), "stop"],
    ["a retry offered only with another model is not a passing state", api(400, { error: { message: "gpt-x-mini does not support tools. Please retry with a model that supports tool calling." } }), "fallback", "model_missing"],
    ["a broken pipe is a network failure, a pipeline word is not", "write EPIPE", "retry", "network"],
  ])
  test("'recipe' does not read as EPIPE", () => expect(classifyFailure("recipe pipeline missing", { now: NOW }).rule).not.toBe("network.wording"))
})
