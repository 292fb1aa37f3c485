// The shapes the host (opencode 1.18.33) emits through the provider SDKs it bundles, as measured from outside
// (reference: opencode-host.md, Addendum 2): the retry status carries the message alone; session.error is an
// APIError with responseBody; a mid-stream error is an UnknownError whose message is the JSON text.
import { describe, expect, test } from "bun:test"
import { classifyFailure } from "./classify.ts"

const NOW = 1_790_000_000_000

const retryStatus = (message: string, attempt = 1) => ({ type: "retry", attempt, message, next: NOW + 2_000 * attempt })
const apiError = (statusCode: number, message: string, body: unknown, headers: Record<string, string> = {}, url = "https://api.example.test/v1") => ({
  name: "APIError",
  data: {
    message,
    statusCode,
    isRetryable: statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500,
    responseHeaders: { "content-type": "application/json", ...headers },
    responseBody: typeof body === "string" ? body : JSON.stringify(body),
    metadata: { url },
  },
})
const midStream = (json: unknown) => ({ name: "UnknownError", data: { message: JSON.stringify(json) } })

function expectAction(input: unknown, action: "retry" | "fallback" | "stop", code?: string) {
  const f = classifyFailure(input, { now: NOW })
  expect(`${f.action}${code ? "/" + f.code : ""}`).toBe(`${action}${code ? "/" + code : ""}`)
  return f
}

describe("@ai-sdk/google", () => {
  const perMinuteText =
    "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash\nPlease retry in 7.97s."
  const body = (quotaId: string, delay: string) => ({
    error: {
      code: 429,
      message: perMinuteText,
      status: "RESOURCE_EXHAUSTED",
      details: [
        { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId, quotaValue: "10" }] },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay },
      ],
    },
  })

  test("a per-minute 429 in the retry status (message only, 'Please retry in 7.97s') stays on the model", () => {
    const f = expectAction(retryStatus(perMinuteText), "retry", "rate_limited")
    expect(f.retryAfterMs).toBe(7_970)
    expect(f.evidence?.some((e) => e.kind === "wait")).toBe(true)
  })
  test("the same per-minute 429 as the final session.error (quota id PerMinute, RetryInfo 8s) stays on the model", () => {
    expectAction(apiError(429, perMinuteText, body("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "8s")), "retry", "rate_limited")
  })
  test("a per-day quota id moves to the next model, whatever the short stated wait", () => {
    const f = expectAction(apiError(429, perMinuteText, body("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "8s")), "fallback", "quota_exhausted")
    expect(f.evidence?.[0]).toEqual({ kind: "field", detail: '"generaterequestsperdayperprojectpermodel-freetier"' })
  })
  test("'limit: 0' (no free allowance for this model) moves even with 'Please retry in 20s'", () => {
    expectAction(retryStatus(perMinuteText.replace("limit: 10", "limit: 0").replace("7.97s", "20.04s")), "fallback", "quota_exhausted")
  })
  test("503 overloaded in the retry status stays; 404 model not found moves", () => {
    expectAction(retryStatus("The model is overloaded. Please try again later."), "retry", "overloaded")
    const nf = { error: { code: 404, message: "models/gemini-9-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.", status: "NOT_FOUND" } }
    expectAction(apiError(404, nf.error.message, nf), "fallback", "model_missing")
    expectAction(nf.error.message, "fallback", "model_missing")
  })
})

describe("@ai-sdk/anthropic", () => {
  test("529 reaches the retry status rewritten to 'Provider is overloaded': stay", () => {
    expectAction(retryStatus("Provider is overloaded"), "retry", "overloaded")
  })
  test("a 404 session.error says only 'model: <id>': move, in both forms", () => {
    const body = { type: "error", error: { type: "not_found_error", message: "model: claude-sonnet-9-0" } }
    expectAction(apiError(404, "model: claude-sonnet-9-0", body), "fallback", "model_missing")
    expectAction("model: claude-sonnet-9-0", "fallback", "model_missing")
  })
  test("a 400 credit balance: move at once", () => {
    const msg = "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."
    expectAction(apiError(400, msg, { type: "error", error: { type: "invalid_request_error", message: msg } }), "fallback", "payment_required")
    expectAction(msg, "fallback", "payment_required")
  })
  test("a 429 per-minute limit with retry-after stays; the wait is the header's", () => {
    const msg = "This request would exceed the rate limit for your organization of 50,000 input tokens per minute."
    const f = expectAction(apiError(429, msg, { type: "error", error: { type: "rate_limit_error", message: msg } }, { "retry-after": "12" }), "retry", "rate_limited")
    expect(f.retryAfterMs).toBe(12_000)
    expectAction(retryStatus(msg), "retry", "rate_limited")
  })
  test("a mid-stream overloaded error (UnknownError with the JSON text) stays, also as the retry status text", () => {
    const ev = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }
    expectAction(midStream(ev), "retry", "overloaded")
    expectAction(retryStatus(JSON.stringify(ev)), "retry", "overloaded")
  })
  test("a disabled organisation (400 invalid_request_error) moves", () => {
    const body = { type: "error", error: { type: "invalid_request_error", message: "This organization has been disabled." } }
    expectAction(apiError(400, "This organization has been disabled.", body), "fallback", "auth")
  })
})

describe("@ai-sdk/openai (Responses)", () => {
  const quota = "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
  test("429 insufficient_quota is retried by the host: the retry status already moves, and so does the final error", () => {
    expectAction(retryStatus(quota), "fallback", "quota_exhausted")
    expectAction(apiError(429, quota, { error: { message: quota, type: "insufficient_quota", param: null, code: "insufficient_quota" } }), "fallback", "quota_exhausted")
  })
  test("404 is retried by the host for openai providers: the retry status moves", () => {
    const msg = "The model `gpt-9` does not exist or you do not have access to it."
    expectAction(retryStatus(msg), "fallback", "model_missing")
    expectAction(apiError(404, msg, { error: { message: msg, type: "invalid_request_error", param: null, code: "model_not_found" } }), "fallback", "model_missing")
  })
  test("a per-minute limit whose wait is short stays; one whose wait is long moves", () => {
    expectAction(retryStatus("Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 1.2s."), "retry", "rate_limited")
    expectAction(retryStatus("Rate limit reached for gpt-4o in organization org-x on requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 1m47.58s."), "fallback", "quota_exhausted")
  })
  test("a mid-stream response.failed with server_error stays", () => {
    expectAction(midStream({ type: "error", sequence_number: 4, error: { type: "server_error", code: "server_error", message: "An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists." } }), "retry", "server_error")
  })
})

describe("@openrouter/ai-sdk-provider", () => {
  test("an upstream 429 reaches the retry status in the SDK's own words: stay", () => {
    expectAction(retryStatus("[Google AI Studio] google/gemini-2.5-flash is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations"), "retry", "rate_limited")
  })
  test("402 and 404 fail at once and move", () => {
    const credits = { error: { message: "This request requires more credits, or fewer max_tokens. You requested up to 32000 tokens, but can only afford 1200. To increase, visit https://openrouter.ai/settings/credits and add more credits", code: 402 } }
    expectAction(apiError(402, credits.error.message, credits), "fallback", "payment_required")
    const nf = { error: { message: "No endpoints found for vendor/unknown-model.", code: 404 } }
    expectAction(apiError(404, nf.error.message, nf), "fallback", "model_missing")
  })
  test("'Provider returned error' is read through its nested raw error", () => {
    const raw = JSON.stringify({ error: { message: "Your credit balance is too low to access the Anthropic API.", type: "invalid_request_error" } })
    const body = { error: { message: "Provider returned error", code: 400, metadata: { raw, provider_name: "Anthropic" } } }
    expectAction(apiError(400, "Provider returned error", body), "fallback", "payment_required")
    const transient = { error: { message: "Provider returned error", code: 502, metadata: { raw: "upstream connect error or disconnect/reset before headers", provider_name: "X" } } }
    expectAction(apiError(502, "Provider returned error", transient), "retry")
  })
})

describe("@ai-sdk/openai-compatible", () => {
  test("the common shapes: 429 stays, 401 moves, 500 stays, context overflow stops", () => {
    expectAction(apiError(429, "Too Many Requests", { error: { message: "Requests rate limit exceeded", type: "rate_limited", code: "1300" } }), "retry", "rate_limited")
    expectAction(apiError(401, "Incorrect API key provided: sk-…", { error: { message: "Incorrect API key provided: sk-…", type: "invalid_request_error", code: "invalid_api_key" } }), "fallback", "auth")
    expectAction(apiError(500, "Internal Server Error", "Internal Server Error"), "retry", "server_error")
    expectAction(apiError(400, "This model's maximum context length is 131072 tokens.", { object: "error", message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens.", type: "BadRequestError", code: 400 }), "stop", "context_overflow")
  })
})
