// (d) classifyFailure: time per call over the development corpus (test/fixtures/provider-errors.dev.jsonl),
// each row in both forms the host delivers (test/support/corpus.ts): the session.error APIError object and the
// bare message string of a retry status; and over large inputs (a 1 MB string, a 1 MB JSON body inside an
// APIError, a 1 MB HTML page, an object with 20 000 keys, 5 000 levels of nesting, a 1 MB message that repeats
// a wait), where the work must stay bounded whatever the size. Each input is timed call by call over several
// passes (after a warm-up); its time is the median of its passes; the table gives the median and p90 over inputs.
import { classifyFailure } from "../../src/failure/classify.ts"
import { apiErrorForm, bareStringForm, loadCorpus } from "../../test/support/corpus.ts"
import { median, quantile } from "./stats.ts"

type Summary = { inputs: number; medianUs: number; p90Us: number; maxUs: number }

export type ClassifyResult = {
  rows: number
  passes: number
  forms: Record<"apiError" | "bareString" | "both", Summary>
  /** Large inputs, one entry each (median µs of its passes). */
  large: Summary & { byInput: Record<string, number> }
}

/** Inputs far larger than any provider error; the classifier must read only a bounded part of them. */
export function largeInputs(): Record<string, unknown> {
  const mb = 1_000_000
  const json = JSON.stringify({ error: { message: "Rate limit reached. " + "y".repeat(mb / 2), type: "rate_limit_error", details: Array.from({ length: 5000 }, (_, i) => ({ k: i, v: "z".repeat(50) })) } })
  let deep: unknown = { message: "overloaded" }
  for (let i = 0; i < 5000; i++) deep = { error: deep, data: { info: "x".repeat(100) } }
  return {
    "1 MB string": "x".repeat(mb),
    "1 MB JSON body in an APIError": { name: "APIError", data: { message: "Too Many Requests", statusCode: 429, isRetryable: true, responseBody: json, responseHeaders: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`h${i}`, "v"])) } },
    "1 MB HTML page": "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>" + "a{b:c}".repeat(20_000) + "</style></head><body>" + "<div>upstream failed</div>".repeat(35_000) + "</body></html>",
    "object with 20 000 keys": { error: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, `value ${i}`])) },
    "5 000 levels of nesting": deep,
    "1 MB message repeating a wait": "You exceeded your current quota. " + "Please retry in 7s. ".repeat(50_000),
  }
}

function timeEach(all: readonly unknown[], passes: number, warmup: number, now: number): number[] {
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
  return samples.map((s) => median(s) / 1000)
}

const summarise = (xs: number[]): Summary => ({ inputs: xs.length, medianUs: median(xs), p90Us: quantile(xs, 0.9), maxUs: Math.max(...xs) })

export function benchClassify(o: { passes?: number; warmup?: number } = {}): ClassifyResult {
  const passes = o.passes ?? 15
  const warmup = o.warmup ?? 200
  const rows = loadCorpus()
  const now = 1_700_000_000_000
  const inputs = {
    apiError: rows.map((r) => apiErrorForm(r)),
    bareString: rows.map((r) => bareStringForm(r)),
  }
  const perInput = timeEach([...inputs.apiError, ...inputs.bareString], passes, warmup, now)
  const large = largeInputs()
  const names = Object.keys(large)
  const perLarge = timeEach(Object.values(large), passes, Math.ceil(warmup / 10), now)
  return {
    rows: rows.length,
    passes,
    forms: {
      apiError: summarise(perInput.slice(0, rows.length)),
      bareString: summarise(perInput.slice(rows.length)),
      both: summarise(perInput),
    },
    large: { ...summarise(perLarge), byInput: Object.fromEntries(names.map((n, i) => [n, perLarge[i]!])) },
  }
}

if (import.meta.main) console.log(JSON.stringify(benchClassify(), null, 2))
