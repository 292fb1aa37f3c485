// Property tests: the normalisers and the classifier never throw and always return a well-formed record,
// for arbitrary JSON values and for mutated real payloads. Seeded, so a failure reproduces.
import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { anyValue, mutate, mutateText } from "../../test/support/arbitraries.ts"
import { apiErrorForm, loadCorpus, LOCAL_CORPUS_PATH } from "../../test/support/corpus.ts"
import { extractErrorFacts } from "../payload/error.ts"
import { classifyFailure } from "./classify.ts"
import { MAX_WAIT_MS } from "./time-parse.ts"
import { DEFAULT_ACTION, FAILURE_CODES, type Failure } from "./types.ts"

const SEED = 20261121
const CODES = new Set<string>(FAILURE_CODES)

function wellFormed(f: Failure) {
  expect(CODES.has(f.code)).toBe(true)
  expect(["retry", "fallback", "stop"]).toContain(f.action)
  expect(f.retryable).toBe(f.action !== "stop")
  expect(typeof f.message).toBe("string")
  expect(f.message.length).toBeLessThanOrEqual(240)
  expect(typeof f.rule).toBe("string")
  if (f.retryAfterMs !== undefined) expect(Number.isFinite(f.retryAfterMs) && f.retryAfterMs >= 0 && f.retryAfterMs <= MAX_WAIT_MS).toBe(true)
  if (f.resetAt !== undefined) expect(Number.isFinite(f.resetAt)).toBe(true)
  for (const e of f.evidence ?? []) {
    expect(["field", "status", "wording", "wait", "rule"]).toContain(e.kind)
    expect(typeof e.detail).toBe("string")
  }
  if (f.statusCode !== undefined) expect(f.statusCode >= 100 && f.statusCode <= 599).toBe(true)
  // a code's default action holds unless a rule or a long wait changed it
  if (f.rule === "unknown") expect(f.action).toBe(DEFAULT_ACTION.unknown)
}

describe("classifyFailure is total", () => {
  test("arbitrary values (60 000 cases)", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        wellFormed(classifyFailure(v, { now: 1_700_000_000_000 }))
        const facts = extractErrorFacts(v)
        expect(typeof facts.text).toBe("string")
        expect(Array.isArray(facts.markers)).toBe(true)
      }),
      { seed: SEED, numRuns: 60_000 },
    )
  }, 180_000)

  const rows = loadCorpus(LOCAL_CORPUS_PATH)
  test("mutated real APIError payloads (30 000 cases)", () => {
    const arb = fc.constantFrom(...rows).chain((r) => mutate(apiErrorForm(r)))
    fc.assert(fc.property(arb, (v) => wellFormed(classifyFailure(v))), { seed: SEED, numRuns: 30_000 })
  }, 180_000)

  test("mutated real bodies as text (20 000 cases)", () => {
    const arb = fc.constantFrom(...rows).chain((r) => mutateText(r.body))
    fc.assert(fc.property(arb, (t) => wellFormed(classifyFailure(t))), { seed: SEED, numRuns: 20_000 })
  }, 180_000)

  test("deeply nested and cyclic inputs do not overflow", () => {
    let deep: any = { message: "rate limit" }
    for (let i = 0; i < 10_000; i++) deep = { error: deep }
    wellFormed(classifyFailure(deep))
    const cyclic: any = { error: { message: "overloaded" } }
    cyclic.error.cause = cyclic
    wellFormed(classifyFailure(cyclic))
    const throwing = { get message() { throw new Error("boom") } }
    wellFormed(classifyFailure(throwing))
    wellFormed(classifyFailure("x".repeat(1_000_000)))
  })
})
