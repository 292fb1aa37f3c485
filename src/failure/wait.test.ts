// Waits and reset times as providers write them, and the caps that keep every parsed value sane.
import { describe, expect, test } from "bun:test"
import { classifyFailure } from "./classify.ts"
import { clampWait, MAX_WAIT_MS, parseDuration, parseInstant } from "./time-parse.ts"
import { waitInText } from "./wait.ts"

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0) // 2026-11-20T12:00:00Z
const at = (iso: string) => Date.parse(iso)

describe("durations", () => {
  const cases: Array<[string, number]> = [
    ["26s", 26_000],
    ["9.816s", 9_816],
    ["120ms", 120],
    ["1m47.58s", 107_580],
    ["9m38.016s", 578_016],
    ["5m0s", 300_000],
    ["19h 24m", 69_840_000],
    ["10h 7m attempt #1", 36_420_000],
    ["5 days 22 hours 11 minutes.", 511_860_000],
    ["2 hours and 5 minutes", 7_500_000],
    ["1 week", 604_800_000],
  ]
  for (const [text, ms] of cases) test(JSON.stringify(text), () => expect(parseDuration(text)).toBe(ms))
  test("not a duration: a number without a unit, a word that starts like a unit", () => {
    expect(parseDuration("3 times")).toBeUndefined()
    expect(parseDuration("42")).toBeUndefined()
    expect(parseDuration("5 miles")).toBeUndefined()
  })
  test("capped at a little over a year", () => {
    expect(parseDuration("99999 days")).toBe(MAX_WAIT_MS)
    expect(parseDuration("999999999999 hours")).toBe(MAX_WAIT_MS)
  })
})

describe("points in time", () => {
  const cases: Array<[string, number]> = [
    ["1762952400", 1_762_952_400_000],
    ["1762952400000", 1_762_952_400_000],
    ["2026-12-01T00:00:00Z", at("2026-12-01T00:00:00Z")],
    ["2026-12-01T02:00:00+02:00", at("2026-12-01T00:00:00Z")],
    ["2026-12-01 at 00:00 UTC.", at("2026-12-01T00:00:00Z")],
    ["2026-12-01", at("2026-12-01T00:00:00Z")],
    ["Tue, 01 Dec 2026 00:00:00 GMT", at("2026-12-01T00:00:00Z")],
    ["Jul 5th, 2026 8:19 PM", at("2026-07-05T20:19:00Z")],
    ["December 1, 2026 at 9:30 am UTC", at("2026-12-01T09:30:00Z")],
    ["1 Dec 2026 14:00", at("2026-12-01T14:00:00Z")],
    ["10:57 PM GMT-3.", at("2026-11-21T01:57:00Z")],
    ["3pm (America/Santiago).", at("2026-11-20T18:00:00Z")], // Santiago is UTC-3 in November (summer time)
    ["12:50am (America/Los_Angeles)", at("2026-11-21T08:50:00Z")],
    ["1pm (Etc/GMT+5)", at("2026-11-20T18:00:00Z")],
    ["11:00 UTC", at("2026-11-21T11:00:00Z")], // already past today: tomorrow
  ]
  for (const [text, ms] of cases) test(JSON.stringify(text), () => expect(parseInstant(text, NOW)).toBe(ms))
  test("a clock time without a zone is not guessed; nonsense is not a time", () => {
    expect(parseInstant("9:30 AM.", NOW)).toBeUndefined()
    expect(parseInstant("3pm (Mars/Olympus_Mons)", NOW)).toBeUndefined()
    expect(parseInstant("2026-13-45", NOW)).toBeUndefined()
    expect(parseInstant("soon", NOW)).toBeUndefined()
  })
})

describe("caps", () => {
  test("clampWait: never NaN, never Infinity, never negative, never more than about a year", () => {
    expect(clampWait(Infinity)).toBe(MAX_WAIT_MS)
    expect(clampWait(NaN)).toBeUndefined()
    expect(clampWait(-Infinity)).toBeUndefined()
    expect(clampWait(-5)).toBe(0)
    expect(clampWait(1e300)).toBe(MAX_WAIT_MS)
  })
  for (const [name, input] of [
    ["resets in 99999 days", "Your quota is used up; it resets in 99999 days."],
    ["resets_at: 1e400", '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_at":1e400}}'],
    ["resets_in_seconds: 1e308", '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":1e308}}'],
    ["a retry-after of 1e20 seconds", { name: "APIError", data: { statusCode: 429, message: "Too Many Requests", responseHeaders: { "retry-after": "100000000000000000000" } } }],
    ["a reset date in the year 9999", "Usage limit reached. Access resets at 9999-12-31T23:59:59Z"],
  ] as const)
    test(`${name}: a finite wait and reset time, at most a year away`, () => {
      const f = classifyFailure(input, { now: NOW })
      expect(f.action).toBe("fallback")
      expect(Number.isFinite(f.retryAfterMs)).toBe(true)
      expect(f.retryAfterMs!).toBeLessThanOrEqual(MAX_WAIT_MS)
      expect(Number.isFinite(f.resetAt)).toBe(true)
      expect(f.resetAt!).toBeLessThanOrEqual(NOW + MAX_WAIT_MS)
    })
  test("a reset time that just passed is a wait of zero, not a negative one", () => {
    const at = Math.floor((NOW - 20_000) / 1000)
    const f = classifyFailure(`{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_at":${at}}}`, { now: NOW })
    expect(f.retryAfterMs).toBe(0)
  })
  test("a reset time long past is no wait at all: the quota is not taken for a rate limit that clears now", () => {
    const f = classifyFailure('{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_at":1000000000}}', { now: NOW })
    expect(f.retryAfterMs).toBeUndefined()
    expect(f.action).toBe("fallback")
    const text = classifyFailure("5-hour usage limit reached for your plan, resets at 2020-05-15T15:00:00Z", { now: NOW })
    expect(`${text.action} ${text.code}`).toBe("fallback quota_exhausted")
    // no window words: only the staleness of the reset keeps it from reading as "clears now"
    const bare = classifyFailure("Usage limit reached. Resets at 2020-05-15T15:00:00Z", { now: NOW })
    expect(bare.retryAfterMs).toBeUndefined()
    expect(`${bare.action} ${bare.code}`).toBe("fallback quota_exhausted")
  })
})

describe("waits named in text", () => {
  const cases: Array<[string, number | undefined, number | undefined]> = [
    ["please retry in 7.97s.", 7_970, undefined],
    ["please try again in 1m47.58s. visit https://platform.openai.com/account/rate-limits", 107_580, undefined],
    ["[retrying in 10h 7m attempt #1]", 36_420_000, undefined],
    ["retry after 6 seconds.", 6_000, undefined],
    ["it will reset in 2 hours 5 minutes", 7_500_000, NOW + 7_500_000],
    ["all accounts reached configured quota threshold (reset after 19h 24m)", 69_840_000, NOW + 69_840_000],
    ["you will regain access on 2026-12-01 at 00:00 utc.", at("2026-12-01T00:00:00Z") - NOW, at("2026-12-01T00:00:00Z")],
    ["claude ai usage limit reached|1796000000", 1_796_000_000_000 - NOW, 1_796_000_000_000],
    ['"resets_in_seconds": 13872, "plan_type": "plus"', 13_872_000, NOW + 13_872_000],
    ["or try again at jul 5th, 2027 8:19 pm.", at("2027-07-05T20:19:00Z") - NOW, at("2027-07-05T20:19:00Z")],
    ["please wait 60 seconds before retrying.", 60_000, undefined],
    ["try again 5 minutes later.", 300_000, undefined],
    ["please try again after 2027-01-01t00:00:00z.", at("2027-01-01T00:00:00Z") - NOW, at("2027-01-01T00:00:00Z")],
    ["please retry 3 times.", undefined, undefined],
    ["please try again later.", undefined, undefined],
    ["wait a moment and try again.", undefined, undefined],
    ["if you created the deployment within the last 5 minutes, please wait a moment and try again.", undefined, undefined],
  ]
  for (const [text, ms, resetAt] of cases)
    test(JSON.stringify(text), () => {
      const w = waitInText(text, NOW)
      expect(w?.retryAfterMs).toBe(ms)
      expect(w?.resetAt).toBe(resetAt)
    })
})

describe("rate-limit reset headers count only for a window that is used up", () => {
  const withHeaders = (h: Record<string, string>) => ({ name: "APIError", data: { statusCode: 429, message: "Too Many Requests", isRetryable: true, responseHeaders: h } })
  test("x-ratelimit-reset-requests with remaining 0", () => {
    const f = classifyFailure(withHeaders({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m47.58s" }), { now: NOW })
    expect(f.retryAfterMs).toBe(107_580)
    expect(f.action).toBe("fallback")
  })
  test("a reset header whose window still has room says nothing", () => {
    const f = classifyFailure(withHeaders({ "x-ratelimit-remaining-requests": "12", "x-ratelimit-reset-requests": "1m47.58s" }), { now: NOW })
    expect(f.retryAfterMs).toBeUndefined()
    expect(f.action).toBe("retry")
  })
  test("anthropic-ratelimit-*-reset is an RFC 3339 time", () => {
    const f = classifyFailure(withHeaders({ "anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": "2026-11-20T12:00:20Z" }), { now: NOW })
    expect(f.retryAfterMs).toBe(20_000)
    expect(f.action).toBe("retry")
  })
  test("headers a gateway copied into the body (OpenRouter metadata.headers) count too", () => {
    const body = JSON.stringify({ error: { message: "Rate limit exceeded: free-models-per-minute.", code: 429, metadata: { headers: { "X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(NOW + 30_000) } } } })
    const f = classifyFailure({ name: "APIError", data: { statusCode: 429, message: "Too Many Requests", responseHeaders: { "content-type": "application/json" }, responseBody: body } }, { now: NOW })
    expect(f.retryAfterMs).toBe(30_000)
    expect(f.action).toBe("retry")
  })
})
