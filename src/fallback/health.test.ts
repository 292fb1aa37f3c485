import { describe, expect, test } from "bun:test"
import { classifyFailure } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import { DEFAULT_BREAKER } from "./breaker.ts"
import { cooldownFor, createModelHealth, type BreakerConfig, type HealthStore } from "./health.ts"
import { applyOp, cloneState, emptyState, MAX_ENTRIES, type HealthState } from "./health-state.ts"

const M = { providerID: "p", modelID: "m" }
const M2 = { providerID: "p", modelID: "m2" }
const Q = { providerID: "q", modelID: "x" }
const policy = { baseMs: 60_000, factor: 2, maxMs: 300_000 }
const f = (code: Failure["code"], extra: Partial<Failure> = {}): Failure => ({ code, action: "fallback", retryable: true, message: code, rule: "t", reason: "t", ...extra })
const NOW = 1_700_000_000_000

describe("cooldowns", () => {
  test("quota, payment, missing model and auth cool a model down; transient failures do not", () => {
    const h = createModelHealth(policy)
    for (const code of ["rate_limited", "overloaded", "server_error", "timeout", "network", "context_overflow"] as const) expect(h.recordFailure(M, f(code), 0)).toBeUndefined()
    for (const code of ["quota_exhausted", "payment_required", "model_missing", "auth"] as const) expect(createModelHealth(policy).recordFailure(M, f(code), 0)).toBeDefined()
  })
  test("until the named reset time when known", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("quota_exhausted", { resetAt: 250_000 }), 1_000)
    expect(h.cooling(M, 249_999)?.until).toBe(250_000)
    expect(h.cooling(M, 250_000)).toBeUndefined()
  })
  test("otherwise a cooldown that grows on repeats, capped", () => {
    expect([1, 2, 3, 4, 5].map((n) => cooldownFor(policy, n))).toEqual([60_000, 120_000, 240_000, 300_000, 300_000])
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), 0)
    expect(h.recordFailure(M, f("model_missing"), 70_000)?.until).toBe(70_000 + 120_000)
  })
  test("a reset time far away, or infinite, cools for at most maxMs", () => {
    const h = createModelHealth(policy)
    expect(h.recordFailure(M, f("quota_exhausted", { resetAt: NOW + 99_999 * 86_400_000 }), NOW)?.until).toBe(NOW + policy.maxMs)
    expect(h.recordFailure(Q, f("quota_exhausted", { resetAt: Infinity }), NOW)?.until).toBe(NOW + policy.maxMs)
  })
  test('"resets in 99999 days" and resets_at 1e400 from real error text cool for at most maxMs', () => {
    const h = createModelHealth(policy)
    const days = classifyFailure({ error: { message: "Usage limit reached; resets in 99999 days", type: "usage_limit_reached" } }, { now: NOW })
    const huge = classifyFailure('{"error":{"type":"usage_limit_reached","message":"Usage limit reached","resets_at":1e400}}', { now: NOW })
    expect(days.resetAt).toBeGreaterThan(NOW + policy.maxMs) // the classifier caps a parsed wait (about a year), still far beyond maxMs
    expect(h.recordFailure(M, days, NOW)?.until).toBe(NOW + policy.maxMs)
    // 1e400 parses as Infinity: either the classifier drops it or health caps it
    const e = h.recordFailure(Q, huge, NOW)!
    expect(huge.code).toBe("quota_exhausted")
    expect(e.until).toBeLessThanOrEqual(NOW + policy.maxMs)
    expect(h.recordFailure(Q, { ...huge, resetAt: JSON.parse("1e400") }, NOW)?.until).toBe(NOW + policy.maxMs)
  })
  test("a huge growth factor never overflows past maxMs", () => {
    expect(cooldownFor({ baseMs: 1, factor: 1e300, maxMs: 5 }, 100)).toBe(5)
  })
})

describe("scopes", () => {
  test("payment and auth cool the whole provider by default; other providers are untouched", () => {
    const h = createModelHealth(policy)
    const e = h.recordFailure(M, f("payment_required"), NOW)!
    expect(e).toMatchObject({ key: "p/*", scope: "provider", model: "p/m" })
    expect(h.cooling(M2, NOW + 1)?.code).toBe("payment_required")
    expect(h.cooling(Q, NOW + 1)).toBeUndefined()
    createModelHealth(policy).recordFailure(M, f("auth"), NOW)
    const auth = createModelHealth(policy)
    auth.recordFailure(M, f("auth"), NOW)
    expect(auth.cooling(M2, NOW)?.scope).toBe("provider")
  })
  test("a missing model and a quota cool only that model", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), NOW)
    h.recordFailure({ providerID: "p", modelID: "m3" }, f("quota_exhausted"), NOW)
    expect(h.cooling(M, NOW)?.scope).toBe("model")
    expect(h.cooling(M2, NOW)).toBeUndefined()
  })
  test("config overrides the scope per code", () => {
    const h = createModelHealth({ ...policy, scope: { payment_required: "model", quota_exhausted: "provider" } })
    h.recordFailure(M, f("payment_required"), NOW)
    expect(h.cooling(M2, NOW)).toBeUndefined()
    h.recordFailure(Q, f("quota_exhausted"), NOW)
    expect(h.cooling({ providerID: "q", modelID: "other" }, NOW)?.key).toBe("q/*")
  })
  test("when both the model and its provider cool, the later end is reported", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing", {}), NOW)
    h.recordFailure(M2, f("payment_required", { resetAt: NOW + 200_000 }), NOW)
    expect(h.cooling(M, NOW)?.until).toBe(NOW + 200_000)
  })
})

describe("recordSuccess(model, attemptStartedAt)", () => {
  test("clears a cooldown recorded before the attempt started", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), NOW)
    h.recordSuccess(M, NOW + 10, NOW + 20)
    expect(h.cooling(M, NOW + 30)).toBeUndefined()
  })
  test("keeps a cooldown recorded after the attempt started (another session's newer failure)", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), NOW + 10)
    h.recordSuccess(M, NOW, NOW + 20)
    expect(h.cooling(M, NOW + 30)?.code).toBe("model_missing")
  })
  test("a success on another model of a provider ends the account's cooldown; the model that failed keeps its own", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("payment_required"), NOW)
    const M3 = { providerID: M.providerID, modelID: "third" }
    expect(h.cooling(M3, NOW + 1)?.scope).toBe("provider")
    h.recordSuccess(M2, NOW + 5, NOW + 6)
    expect(h.cooling(M3, NOW + 7)).toBeUndefined()
    expect(h.cooling(M, NOW + 7)).toMatchObject({ scope: "model", code: "payment_required" })
    h.recordSuccess(M, NOW + 8, NOW + 9) // and its own later success ends that
    expect(h.cooling(M, NOW + 10)).toBeUndefined()
  })
  test("the legacy call without a time uses the latest time seen", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), NOW)
    h.cooling(M, NOW + 50)
    h.recordSuccess(M)
    expect(h.cooling(M, NOW + 60)).toBeUndefined()
  })
  test("after the wall clock stepped back, a success does not clear a cooldown recorded before the step", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("model_missing"), NOW)
    // the clock steps back an hour; an attempt started "earlier" than the cooldown by the wall clock
    h.recordSuccess(M, NOW - 3_600_000 + 10, NOW - 3_600_000 + 20)
    expect(h.cooling(M, NOW - 3_600_000 + 30)?.code).toBe("model_missing")
  })
})

/** A store shared by two registries, standing in for the file (poll returns the shared state after a change). */
function sharedMemoryStore() {
  let shared: HealthState = emptyState()
  let version = 0
  return (): HealthStore => {
    let seen = -1
    return {
      poll() {
        if (seen === version) return undefined
        seen = version
        return cloneState(shared)
      },
      push(op) {
        applyOp(shared, op)
        version++
      },
    }
  }
}

describe("shared between registries", () => {
  test("a success never deletes a cooldown another registry recorded after the attempt started", () => {
    const store = sharedMemoryStore()
    const a = createModelHealth(policy, { store: store(), node: "a" })
    const b = createModelHealth(policy, { store: store(), node: "b" })
    const started = NOW
    b.recordFailure(M, f("quota_exhausted"), NOW + 100) // b finds it exhausted while a's attempt runs
    a.recordSuccess(M, started, NOW + 200) // a's attempt (started before) completes
    expect(a.cooling(M, NOW + 300)?.code).toBe("quota_exhausted")
    expect(b.cooling(M, NOW + 300)?.code).toBe("quota_exhausted")
  })
  test("one registry sees the other's cooldown at its next look", () => {
    const store = sharedMemoryStore()
    const a = createModelHealth(policy, { store: store(), node: "a" })
    const b = createModelHealth(policy, { store: store(), node: "b" })
    expect(b.cooling(M, NOW)).toBeUndefined()
    a.recordFailure(M, f("payment_required"), NOW)
    expect(b.cooling(M2, NOW + 1)?.key).toBe("p/*")
  })
  test("strikes continue from what the other registry recorded", () => {
    const store = sharedMemoryStore()
    const a = createModelHealth(policy, { store: store(), node: "a" })
    const b = createModelHealth(policy, { store: store(), node: "b" })
    a.recordFailure(M, f("model_missing"), NOW)
    expect(b.recordFailure(M, f("model_missing"), NOW + 1)?.strikes).toBe(2)
  })
})

describe("circuit breaker through health", () => {
  const breaker: BreakerConfig = { ...DEFAULT_BREAKER, enabled: true, codes: ["overloaded", "server_error"], failures: 3, windowMs: 60_000, cooldownMs: 30_000, probeTimeoutMs: 90_000 }
  const opened = () => {
    const h = createModelHealth(policy, { breaker })
    for (let i = 0; i < 3; i++) h.recordTransient(M, f("overloaded", { action: "retry" }), NOW + i)
    return h
  }
  test("transient failures below the threshold change nothing; at the threshold new turns skip the model", () => {
    const h = createModelHealth(policy, { breaker })
    expect(h.recordTransient(M, f("overloaded"), NOW)).toBeUndefined()
    expect(h.recordTransient(M, f("server_error"), NOW + 1)).toBeUndefined()
    expect(h.cooling(M, NOW + 2)).toBeUndefined()
    const e = h.recordTransient(M, f("overloaded"), NOW + 2)!
    expect(e).toMatchObject({ source: "breaker", code: "overloaded", until: NOW + 2 + 30_000 })
    expect(h.cooling(M, NOW + 3)).toMatchObject({ source: "breaker", code: "overloaded" })
    expect(h.cooling(M2, NOW + 3)).toBeUndefined()
  })
  test("codes outside breaker.codes, or a disabled breaker, count nothing", () => {
    const h = createModelHealth(policy, { breaker })
    for (let i = 0; i < 10; i++) expect(h.recordTransient(M, f("rate_limited"), NOW + i)).toBeUndefined()
    const off = createModelHealth(policy, { breaker: { ...breaker, enabled: false } })
    for (let i = 0; i < 10; i++) expect(off.recordTransient(M, f("overloaded"), NOW + i)).toBeUndefined()
    expect(off.cooling(M, NOW + 20)).toBeUndefined()
  })
  test("after the cooldown one caller is admitted as the probe; the others still see it cooling", () => {
    const h = opened()
    const after = NOW + 2 + 30_000
    expect(h.peek(M, after)).toBeUndefined() // display only: no probe taken
    expect(h.cooling(M, after)).toBeUndefined() // the probe
    expect(h.cooling(M, after + 1)).toMatchObject({ source: "breaker" })
    expect(h.peek(M, after + 1)).toMatchObject({ source: "breaker" })
  })
  test("a successful probe closes the breaker", () => {
    const h = opened()
    const after = NOW + 2 + 30_000
    expect(h.cooling(M, after)).toBeUndefined()
    h.recordSuccess(M, after, after + 5_000)
    expect(h.cooling(M, after + 5_001)).toBeUndefined()
    expect(h.cooling(M, after + 5_002)).toBeUndefined()
  })
  test("a failed probe reopens it for longer", () => {
    const h = opened()
    const after = NOW + 2 + 30_000
    h.cooling(M, after)
    const e = h.recordTransient(M, f("server_error"), after + 1_000)!
    expect(e.until).toBe(after + 1_000 + 60_000)
    expect(h.cooling(M, after + 1_001)).toMatchObject({ source: "breaker", code: "server_error" })
  })
  test("a probe that never reports lets another caller probe after probeTimeoutMs", () => {
    const h = opened()
    const after = NOW + 2 + 30_000
    expect(h.cooling(M, after)).toBeUndefined()
    expect(h.cooling(M, after + 89_999)).toBeDefined()
    expect(h.cooling(M, after + 90_000)).toBeUndefined()
    expect(h.cooling(M, after + 90_001)).toBeDefined()
  })
  test("a success of an attempt that started before the breaker opened does not close it", () => {
    const h = opened()
    h.recordSuccess(M, NOW - 1, NOW + 10)
    expect(h.cooling(M, NOW + 11)).toMatchObject({ source: "breaker" })
  })
})

test("the registry is bounded", () => {
  const h = createModelHealth(policy)
  for (let i = 0; i < MAX_ENTRIES + 100; i++) h.recordFailure({ providerID: "p", modelID: `m${i}` }, f("model_missing"), NOW + i)
  expect(h.entries().length).toBe(MAX_ENTRIES)
})
