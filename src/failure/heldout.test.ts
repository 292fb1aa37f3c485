// The held-out corpus: an older tuning set, plus rows collected for issue 12 that were split off by hash before
// any rule was written and not tuned against (one status-in-text fix was made after the first measurement; see
// the issue-12 report). Scored in both forms the host delivers.
import { describe, expect, test } from "bun:test"
import { FORMS, loadCorpus, LOCAL_CORPUS_PATH, scoreCorpus, type CorpusRow } from "../../test/support/corpus.ts"
import { classifyFailure } from "./classify.ts"

const NOW = 1_700_000_000_000
const rows = loadCorpus(LOCAL_CORPUS_PATH.replace("provider-errors.dev.jsonl", "provider-errors.heldout.jsonl"))
const fresh = rows.filter((r) => r.batch === "issue12")
const classify = (x: unknown) => classifyFailure(x, { now: NOW })
const [[, apiForm], [, bareForm]] = FORMS

/** Rows whose bare message got another action than expected, and what it got. */
const bareMisses = (rs: readonly CorpusRow[]) =>
  rs.flatMap((r) => {
    const f = classify(bareForm(r))
    const expected = { retry_same: "retry", fallback: "fallback", fatal: "stop" }[r.expected]
    return f.action === expected ? [] : [{ provider: r.provider, source: r.source, action: f.action }]
  })

describe("held-out corpus", () => {
  test("holds at least 170 rows, 50 of them collected for issue 12", () => {
    expect(rows.length).toBeGreaterThanOrEqual(170)
    expect(fresh.length).toBeGreaterThanOrEqual(50)
  })

  test("session.error APIError form: at least 98 % on the whole file and on its issue-12 part", () => {
    const all = scoreCorpus(rows, apiForm, classify)
    const part = scoreCorpus(fresh, apiForm, classify)
    if (all.accuracy < 0.98 || part.accuracy < 0.98) console.error(all.misses.join("\n"))
    expect(all.accuracy).toBeGreaterThanOrEqual(0.98)
    expect(part.accuracy).toBeGreaterThanOrEqual(0.98)
  })

  test("no transient error is ever moved to another model, in either form", () => {
    for (const [, make] of FORMS) expect(scoreCorpus(rows, make, classify).moved).toEqual([])
  })

  // The bare retry-status string carries the message alone. Where that message cannot tell (a gateway's bare
  // "Provider returned error" with no upstream text; Gemini's quota text without a window, a wait or a quota id),
  // the classifier keeps retrying: the host retries anyway, and the final session.error carries the body that
  // decides. So a bare-form miss may only ever be a retry, never a move or a stop.
  test("bare retry-status form: at least 98 % on the whole file and on its issue-12 part, and every miss is a retry", () => {
    const all = scoreCorpus(rows, bareForm, classify)
    const part = scoreCorpus(fresh, bareForm, classify)
    if (all.accuracy < 0.98 || part.accuracy < 0.98) console.error(all.misses.join("\n"))
    expect(all.accuracy).toBeGreaterThanOrEqual(0.98)
    expect(part.accuracy).toBeGreaterThanOrEqual(0.98)
    expect(bareMisses(rows).filter((m) => m.action !== "retry")).toEqual([])
  })
})
