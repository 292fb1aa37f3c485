import { describe, expect, test } from "bun:test"
import { apiErrorForm, bareStringForm, EXPECTED_ACTION, loadCorpus, LOCAL_CORPUS_PATH } from "../../test/support/corpus.ts"
import { classifyFailure } from "./classify.ts"
import { join } from "node:path"

const NOW = 1_700_000_000_000

describe("development corpus, both forms the host delivers", () => {
  const rows = loadCorpus(LOCAL_CORPUS_PATH)
  for (const [form, make] of [
    ["session.error APIError object", apiErrorForm],
    ["bare retry-status string", bareStringForm],
  ] as const) {
    test(`${form}: at least 97 % of expected actions`, () => {
      const misses: string[] = []
      for (const r of rows) {
        const f = classifyFailure(make(r), { now: NOW })
        if (f.action !== EXPECTED_ACTION[r.expected]) misses.push(`${r.provider} ${r.status}: expected ${r.expected}, got ${f.action}/${f.code} (${f.rule})`)
      }
      const accuracy = (rows.length - misses.length) / rows.length
      if (accuracy < 0.97) console.error(misses.join("\n"))
      expect(rows.length).toBe(45)
      expect(accuracy).toBeGreaterThanOrEqual(0.97)
    })
  }
})

describe("second corpus collected from public reports (tuning set, not the dev file)", () => {
  const rows = loadCorpus(join(import.meta.dir, "..", "..", "test", "fixtures", "provider-errors.heldout.jsonl"))
  for (const [form, make] of [
    ["APIError", apiErrorForm],
    ["bare string", bareStringForm],
  ] as const)
    test(`${form}: at least 95 %`, () => {
      const hits = rows.filter((r) => classifyFailure(make(r), { now: NOW }).action === EXPECTED_ACTION[r.expected]).length
      expect(rows.length).toBeGreaterThanOrEqual(100)
      expect(hits / rows.length).toBeGreaterThanOrEqual(0.95)
    })
})

describe("traps from the field", () => {
  const cases: Array<[string, unknown, string, string]> = [
    [
      "Anthropic credit balance arrives as a 400",
      { name: "APIError", data: { statusCode: 400, isRetryable: false, message: "Your credit balance is too low to access the Anthropic API.", responseBody: '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}' } },
      "payment_required",
      "fallback",
    ],
    ["z.ai 1113 is a 429 rate_limit_error", { statusCode: 429, responseBody: '{"type":"error","error":{"type":"rate_limit_error","code":"1113","message":"Insufficient balance or no resource package. Please recharge."}}' }, "payment_required", "fallback"],
    ["Gemini model access is a 400 with double-encoded JSON", JSON.stringify(JSON.stringify({ error: { code: 400, message: "You don't have access to this model or the model name is invalid", status: "INVALID_ARGUMENT" } })), "model_missing", "fallback"],
    ["Kimi quota is a 403", { statusCode: 403, responseBody: '{"error":{"message":"You exceeded your current token quota: <org> 0, please check your account balance","type":"exceeded_current_quota_error"}}' }, "quota_exhausted", "fallback"],
    ["a bracketed [503]", "[503] The request queue is full", "overloaded", "retry"],
    ["Free usage exceeded, subscribe to Go", "Free usage exceeded, subscribe to Go", "quota_exhausted", "fallback"],
    ["Chinese quota message", "Error code: 429, with error text {\"error\":{\"code\":\"1113\",\"message\":\"余额不足或无可用资源包,请充值。\"}}", "payment_required", "fallback"],
    ["Chinese usage cap", "已达到 5 小时的使用上限。您的限额将在 2026-01-01 12:00:00 重置", "quota_exhausted", "fallback"],
    ["OpenCode's prettified quota rewrite", "Subscription quota exceeded. You can continue using free models.", "quota_exhausted", "fallback"],
    ["OpenCode's Codex-path rewrite", { name: "APIError", data: { message: "Quota exceeded. Check your plan and billing details.", statusCode: 429, isRetryable: false } }, "quota_exhausted", "fallback"],
    ["Copilot 'retrying in 10h 7m'", "Too Many Requests: quota exceeded [retrying in 10h 7m attempt #1]", "quota_exhausted", "fallback"],
    ["a proxy that names a long reset", "All accounts reached configured quota threshold (reset after 19h 24m)", "quota_exhausted", "fallback"],
    ["a per-minute rate limit with a short wait", "Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s.", "rate_limited", "retry"],
    ["a user abort", { name: "MessageAbortedError", data: { message: "Aborted" } }, "aborted", "stop"],
    ["the host's context overflow", { name: "ContextOverflowError", data: { message: "Input exceeds context window of this model" } }, "context_overflow", "stop"],
    ["a 5xx body of an unknown shape", { statusCode: 502, responseBody: "<html>bad gateway</html>" }, "server_error", "retry"],
    ["Python-repr body", "Error code: 429 - {'error': {'message': \"We're receiving too many requests at the moment.\", 'type': 'rate_limit_reached_error'}}", "rate_limited", "retry"],
  ]
  for (const [name, input, code, action] of cases)
    test(name, () => {
      const f = classifyFailure(input, { now: NOW })
      expect(`${f.code}/${f.action}`).toBe(`${code}/${action}`)
      expect(f.retryable).toBe(action !== "stop")
    })
})

describe("waits decide between retry and fallback", () => {
  test("retry-after-ms header wins and is reported", () => {
    const f = classifyFailure({ name: "APIError", data: { statusCode: 429, message: "Too Many Requests", isRetryable: true, responseHeaders: { "retry-after-ms": "1500", "retry-after": "90" } } }, { now: NOW })
    expect(f.retryAfterMs).toBe(1500)
    expect(f.action).toBe("retry")
  })
  test("a long retry-after turns a rate limit into an exhausted quota with a reset time", () => {
    const f = classifyFailure({ name: "APIError", data: { statusCode: 429, message: "Too Many Requests", responseHeaders: { "retry-after": "3600" } } }, { now: NOW })
    expect(f.code).toBe("quota_exhausted")
    expect(f.action).toBe("fallback")
    expect(f.retryAfterMs).toBe(3_600_000)
    expect(f.resetAt).toBe(NOW + 3_600_000)
  })
  test("the threshold is configurable", () => {
    const input = { statusCode: 429, message: "slow down", responseHeaders: { "retry-after": "30" } }
    expect(classifyFailure(input, { now: NOW }).action).toBe("retry")
    expect(classifyFailure(input, { now: NOW, quotaRetryAfterMs: 10_000 }).action).toBe("fallback")
  })
  test("retry-after as an HTTP date", () => {
    const at = new Date(NOW + 120_000).toUTCString()
    const f = classifyFailure({ statusCode: 429, responseHeaders: { "retry-after": at } }, { now: NOW })
    expect(f.retryAfterMs).toBe(120_000)
    expect(f.code).toBe("quota_exhausted")
  })
  test("RetryInfo.retryDelay inside a Google body", () => {
    const body = JSON.stringify({ error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "Resource exhausted", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "26s" }] } })
    const f = classifyFailure({ statusCode: 429, responseBody: body }, { now: NOW })
    expect(f.retryAfterMs).toBe(26_000)
    expect(f.action).toBe("retry")
  })
  test("resets_in_seconds gives a reset time", () => {
    const f = classifyFailure('{"type":"error","error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":13872}}', { now: NOW })
    expect(f.code).toBe("quota_exhausted")
    expect(f.resetAt).toBe(NOW + 13_872_000)
  })
  test("the host retry status: its announced next try counts as the wait", () => {
    const f = classifyFailure({ type: "retry", attempt: 1, message: "Rate Limited", next: NOW + 5 * 3_600_000 }, { now: NOW })
    expect(f.action).toBe("fallback")
    expect(f.retryAfterMs).toBe(5 * 3_600_000)
  })
})

describe("user rules", () => {
  test("a substring rule overrides the built-in table", () => {
    const rules = [{ match: "proxy budget spent", code: "quota_exhausted" as const }]
    expect(classifyFailure("500 internal: proxy budget spent", { rules }).code).toBe("quota_exhausted")
    expect(classifyFailure("500 internal: proxy budget spent").code).toBe("server_error")
  })
  test("a regex rule with an action override", () => {
    const rules = [{ match: "^weird-(\\d+)$", regex: true, code: "overloaded" as const, action: "fallback" as const }]
    const f = classifyFailure("weird-42", { rules })
    expect(f.code).toBe("overloaded")
    expect(f.action).toBe("fallback")
    expect(f.rule).toBe("user.0")
  })
  test("an invalid regex never matches and never throws", () => {
    const rules = [{ match: "(unclosed", regex: true, code: "auth" as const }]
    expect(classifyFailure("(unclosed", { rules }).code).not.toBe("auth")
  })
})

describe("safe messages", () => {
  test("keys and emails in provider messages are redacted", () => {
    const f = classifyFailure("401 Incorrect API key provided: sk-proj-abcdefghijklmnop1234. Contact admin@example.com", { now: NOW })
    expect(f.code).toBe("auth")
    expect(f.message).not.toContain("sk-proj-abcdefghijklmnop1234")
    expect(f.message).not.toContain("admin@example.com")
  })
  test("the most specific message is shown, not the HTTP reason phrase", () => {
    const f = classifyFailure({ name: "APIError", data: { statusCode: 429, message: "Too Many Requests", responseBody: '{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}' } })
    expect(f.message).toBe("You exceeded your current quota")
  })
})
