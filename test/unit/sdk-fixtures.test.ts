// The real host's failure shapes through every provider SDK it bundles (test/fixtures/sdk/, recorded from a
// bare host by `npm run record:sdk`), classified as the plugin classifies them: the retry status
// (`session.status {type:"retry"}`: message only), the `session.error` payload, and the errored assistant
// message (`message.updated` with `info.error`). The expected action comes from what the provider's error
// means, not from what the classifier does today.
import { describe, expect, test } from "bun:test"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { DEFAULT_CONFIG } from "../../src/config/schema.ts"
import { classifyFailure, type FailureAction } from "../../src/failure/index.ts"
import { apiErrorForm } from "../support/corpus.ts"
import { FIXTURES_DIR, type Recorded } from "../support/fixtures.ts"

const DIR = join(FIXTURES_DIR, "sdk")

/** What each scenario means, whatever the provider: move on, or retry the same model. */
const EXPECTED: Record<string, FailureAction | undefined> = {
  ok: undefined, // no failure at all
  credits: "fallback",
  "invalid-key": "fallback",
  "unknown-model": "fallback",
  quota: "fallback", // a long window: a day (Gemini, OpenAI TPD, OpenRouter free-models-per-day) or a month (Anthropic)
  "rate-limit": "retry", // clears in a second (Gemini: the per-minute quota)
  overloaded: "retry",
}

/** The mid-stream error each wire sends by default (test/e2e/harness/wire/). */
const MIDSTREAM: Record<string, FailureAction> = {
  "openai-compatible": "fallback", // {error:{message:"Insufficient credits (mid-stream)", code:402}}
  anthropic: "retry", // event: error, overloaded_error
  openai: "retry", // response.failed, server_error
  google: "retry", // {error:{code:500, status:"INTERNAL"}}
  openrouter: "fallback", // error chunk {code:402, "Insufficient credits…"}, finish_reason "error"
}

type Form = "retry-status" | "session.error" | "message"

/**
 * Recording × form the current classifier gets wrong, with the action it gives. The test asserts these are
 * STILL wrong: when the classifier is fixed, the test fails until the entry is removed.
 */
const KNOWN_MISSES: Record<string, FailureAction> = {}

/**
 * Failures the host never reports to a plugin. Gemini: @ai-sdk/google ignores an `{error}` object inside the
 * SSE stream; the step ends with finish reason "unknown", each partial text is stored as a completed reply, and
 * the host requests again at once, forever (the recorder aborted after 10 requests). The only error in the
 * recording is the MessageAbortedError of that abort.
 */
const SWALLOWED_BY_HOST = new Set(["google-midstream"])

function expected(recording: string): FailureAction | undefined {
  const [provider, scenario] = split(recording)
  return scenario === "midstream" ? MIDSTREAM[provider] : EXPECTED[scenario]
}

function split(recording: string): [string, string] {
  for (const p of Object.keys(MIDSTREAM)) if (recording.startsWith(p + "-")) return [p, recording.slice(p.length + 1)]
  throw new Error(`unknown provider in ${recording}`)
}

function load(name: string): Recorded[] {
  return readFileSync(join(DIR, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Recorded)
}

/** Every failure signal of one recording, in each form, with the time it was seen (retry `next` is absolute). */
function signals(records: Recorded[]): Array<{ form: Form; t: number; input: unknown }> {
  const out: Array<{ form: Form; t: number; input: unknown }> = []
  for (const r of records) {
    if (r.kind !== "event") continue
    const { type, properties: p } = r.data ?? {}
    if (type === "session.status" && p?.status?.type === "retry") out.push({ form: "retry-status", t: r.t, input: p.status })
    else if (type === "session.error" && p?.error) out.push({ form: "session.error", t: r.t, input: p.error })
    else if (type === "message.updated" && p?.info?.role === "assistant" && p.info.error) out.push({ form: "message", t: r.t, input: p.info.error })
  }
  return out
}

const recordings = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => f.replace(/\.jsonl$/, ""))
      .sort()
  : []

/**
 * Per recording and form: what the plugin does with the signal (every signal of that form must agree). For
 * the retry status that is the classifier's action, except that a wait the provider states longer than
 * `retry.maxHostWaitMs` moves on at once (fallback/session.ts): through @ai-sdk/google the retry status
 * carries only Gemini's text, where a per-day and a per-minute quota read the same but for the wait
 * ("Please retry in 41.2s" against "in 1s"); the per-day quota's `session.error` body then names its window.
 */
function actions(name: string): Map<Form, FailureAction[]> {
  const byForm = new Map<Form, FailureAction[]>()
  for (const s of signals(load(name))) {
    const list = byForm.get(s.form) ?? []
    const f = classifyFailure(s.input, { now: s.t })
    const waitsTooLong = s.form === "retry-status" && f.action === "retry" && f.waitStated === true && f.retryAfterMs !== undefined && f.retryAfterMs > DEFAULT_CONFIG.retry.maxHostWaitMs
    list.push(waitsTooLong ? "fallback" : f.action)
    byForm.set(s.form, list)
  }
  return byForm
}

describe("recorded SDK fixtures", () => {
  test("every SDK × scenario was recorded", () => {
    const want = Object.keys(MIDSTREAM).flatMap((p) => [...Object.keys(EXPECTED), "midstream"].map((s) => `${p}-${s}`))
    expect(recordings).toEqual(want.sort())
  })

  // The corpus scores (test/support/corpus.ts) build each row's host message from its status and body. That
  // only means something if it is the message the real host writes: checked on every recorded APIError,
  // including OpenRouter's "[<provider_name>] <upstream message>" for a "Provider returned error" body.
  test("the corpus forms rebuild the real host's message from every recorded APIError body", () => {
    let checked = 0
    for (const name of recordings)
      for (const s of signals(load(name))) {
        const e = s.input as { name?: string; data?: { message?: string; statusCode?: number; responseBody?: string } }
        if (s.form !== "session.error" || e.name !== "APIError" || !e.data?.responseBody || !e.data.statusCode) continue
        const row = { provider: split(name)[0], status: e.data.statusCode, body: e.data.responseBody, expected: "fallback" as const, category: "", source: name }
        expect(`${name}: ${(apiErrorForm(row) as { data: { message: string } }).data.message}`).toBe(`${name}: ${e.data.message}`)
        checked++
      }
    expect(checked).toBeGreaterThanOrEqual(20)
  })

  test("every known miss names a recording and a form that exist", () => {
    for (const key of Object.keys(KNOWN_MISSES)) {
      const [name, form] = key.split(" ") as [string, Form]
      expect(recordings).toContain(name)
      expect(actions(name).has(form)).toBe(true)
    }
  })
})

describe.each(recordings)("%s", (name) => {
  const want = expected(name)
  const got = actions(name)

  if (SWALLOWED_BY_HOST.has(name)) {
    test("the provider's error never reaches a plugin: no retry status, no session.error, only our abort", () => {
      expect(got.has("retry-status")).toBe(false)
      expect(got.has("session.error")).toBe(false)
      const errors = signals(load(name)).map((s) => (s.input as { name?: string }).name)
      expect(new Set(errors)).toEqual(new Set(["MessageAbortedError"]))
      const summary = JSON.parse(readFileSync(join(DIR, `${name}.summary.json`), "utf8"))
      expect(summary.abortedAfterRequests).toBeGreaterThanOrEqual(10)
    })
    return
  }

  if (want === undefined) {
    test("a healthy turn: no failure signal at all", () => {
      expect([...got.keys()]).toEqual([])
    })
    return
  }

  test("the host emitted at least one failure signal", () => {
    expect(got.size).toBeGreaterThan(0)
  })

  for (const form of ["retry-status", "session.error", "message"] as const) {
    const list = got.get(form)
    if (!list) continue // the host did not emit this form here (e.g. no retry status for a 401)
    const miss = KNOWN_MISSES[`${name} ${form}`]
    if (miss)
      test(`${form}: STILL misclassified as ${miss} (known miss; expected ${want})`, () => {
        expect(list).toContain(miss)
        expect(list.some((a) => a !== want)).toBe(true)
      })
    else
      test(`${form}: ${want}`, () => {
        expect(list.every((a) => a === want) ? want : list).toEqual(want)
      })
  }
})
