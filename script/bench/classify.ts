// (d) classifyFailure: time per call over the development corpus (test/fixtures/provider-errors.dev.jsonl),
// each row in both forms the host delivers (test/support/corpus.ts): the session.error APIError object and the
// bare message string of a retry status. Each input is timed call by call over several passes (after a
// warm-up); its time is the median of its passes; the table gives the median and p90 over inputs.
import { classifyFailure } from "../../src/failure/classify.ts"
import { apiErrorForm, bareStringForm, loadCorpus } from "../../test/support/corpus.ts"
import { median, quantile } from "./stats.ts"

export type ClassifyResult = {
  rows: number
  passes: number
  forms: Record<"apiError" | "bareString" | "both", { inputs: number; medianUs: number; p90Us: number; maxUs: number }>
}

export function benchClassify(o: { passes?: number; warmup?: number } = {}): ClassifyResult {
  const passes = o.passes ?? 15
  const warmup = o.warmup ?? 200
  const rows = loadCorpus()
  const now = 1_700_000_000_000
  const inputs = {
    apiError: rows.map((r) => apiErrorForm(r)),
    bareString: rows.map((r) => bareStringForm(r)),
  }
  const all = [...inputs.apiError, ...inputs.bareString]
  let sink = 0
  for (let w = 0; w < warmup; w++) for (const x of all) sink += classifyFailure(x, { now }).message.length
  // samples[i] = per-pass ns of input i
  const samples = all.map(() => [] as number[])
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < all.length; i++) {
      const t0 = Bun.nanoseconds()
      const f = classifyFailure(all[i], { now })
      const dt = Bun.nanoseconds() - t0
      sink += f.code.length
      samples[i]!.push(dt)
    }
  }
  if (sink === 42) console.log("") // keep the results alive
  const perInput = samples.map((s) => median(s) / 1000)
  const summarise = (xs: number[]) => ({ inputs: xs.length, medianUs: median(xs), p90Us: quantile(xs, 0.9), maxUs: Math.max(...xs) })
  return {
    rows: rows.length,
    passes,
    forms: {
      apiError: summarise(perInput.slice(0, rows.length)),
      bareString: summarise(perInput.slice(rows.length)),
      both: summarise(perInput),
    },
  }
}

if (import.meta.main) console.log(benchClassify())
