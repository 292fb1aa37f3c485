// The keyword router (evidence.ts) only skips work: with it and without it, every classification is the same.
import { afterEach, describe, expect, test } from "bun:test"
import fc from "fast-check"
import { mutateText } from "../../test/support/arbitraries.ts"
import { FORMS, loadCorpus, LOCAL_CORPUS_PATH } from "../../test/support/corpus.ts"
import { classifyFailure } from "./classify.ts"
import { GATES, openWordings, wording } from "./evidence.ts"
import * as patterns from "./patterns.ts"

const NOW = 1_790_000_000_000
const HELDOUT = LOCAL_CORPUS_PATH.replace("provider-errors.dev.jsonl", "provider-errors.heldout.jsonl")

function both(input: unknown) {
  GATES.on = true
  const gated = classifyFailure(input, { now: NOW })
  GATES.on = false
  const full = classifyFailure(input, { now: NOW })
  GATES.on = true
  return { gated: `${gated.code}/${gated.action}/${gated.rule}/${gated.retryAfterMs}`, full: `${full.code}/${full.action}/${full.rule}/${full.retryAfterMs}` }
}

afterEach(() => {
  GATES.on = true
})

describe("gated and ungated classification agree", () => {
  const rows = [...loadCorpus(LOCAL_CORPUS_PATH), ...loadCorpus(HELDOUT)]
  test("on every corpus row, in both forms", () => {
    for (const [, make] of FORMS)
      for (const r of rows) {
        const { gated, full } = both(make(r))
        expect(gated).toBe(full)
      }
  })
  test("on mutated corpus bodies (10 000 cases)", () => {
    const arb = fc.constantFrom(...rows).chain((r) => mutateText(r.body))
    fc.assert(
      fc.property(arb, (t) => {
        const { gated, full } = both(t)
        expect(gated).toBe(full)
      }),
      { seed: 20261203, numRuns: 10_000 },
    )
  }, 180_000)
})

describe("the router", () => {
  test("every keyword is plain lower-case text, so the router can find it literally", () => {
    for (const v of Object.values(patterns)) {
      if (!v || typeof v !== "object" || !("words" in v)) continue
      for (const w of (v as { words: readonly string[] }).words) {
        expect(w).toBe(w.toLowerCase())
        expect(w).not.toMatch(/[.*+?^${}()|[\]\\/]/)
      }
    }
  })
  test("finds keywords inside other keywords and at the same position as longer ones", () => {
    const a = wording(/load/, ["load"])
    const b = wording(/overload/, ["overload"])
    const c = wording(/limit of/, ["limit of"])
    const d = wording(/limit/, ["limit"])
    const open = openWordings("the model is overloaded; exceeds the limit of 5")
    expect([open[a.id], open[b.id], open[c.id], open[d.id]]).toEqual([1, 1, 1, 1])
    const none = openWordings("nothing here")
    expect([none[a.id], none[b.id], none[c.id], none[d.id]]).toEqual([0, 0, 0, 0])
  })
})
