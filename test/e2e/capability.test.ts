// Issue 15 (capability-aware chains) in the real host: a fallback that cannot take the turn gets no request.
// The conversation's size comes from the host's own token counts (the fake reports a large prompt), the
// models' windows and input modalities from their declarations as the host resolves them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { assistantReplies, pluginCalls, replyText, runTurn, startWorld, stopWorld, toasts, traceOf, visibleUserMessages, type World } from "./harness/scenario.ts"

const WIDE = { limit: { context: 400_000, output: 8_000 }, attachment: true, modalities: { input: ["text", "image"], output: ["text"] } }
const SPECS = {
  "long-model": { limit: { context: 400_000, output: 8_000 } },
  "small-ctx-model": { limit: { context: 64_000, output: 4_096 } },
  "wide-model": WIDE,
  "wide2-model": WIDE,
  "credits-img-model": WIDE,
  "text-model": { limit: { context: 400_000, output: 8_000 }, attachment: false, modalities: { input: ["text"], output: ["text"] } },
}

const CONFIG = {
  chains: {
    models: {
      "fake/long-model": ["fake/small-ctx-model", "fake/wide-model"],
      "fake/credits-img-model": ["fake/text-model", "fake/wide2-model"],
    },
  },
  cooldown: { scope: { payment_required: "model" } },
}

// A 1×1 PNG.
const PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

describe("capability-aware chains in the real host", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "capability",
      config: CONFIG,
      models: Object.keys(SPECS),
      host: { modelSpecs: SPECS },
      script: {
        // The first turn answers and reports a conversation of 100k tokens; the second fails (402).
        "long-model": { kind: "sequence", steps: [{ kind: "reply", text: "First answer.", usage: { prompt_tokens: 100_000, completion_tokens: 20 } }, { kind: "credits" }] },
      },
    })
  })
  afterAll(() => stopWorld(w))

  test("the plugin reads the host's model metadata once, at start-up", () => {
    const calls = w.host.trace().filter((r) => r.call === "config.providers")
    expect(calls).toHaveLength(1)
  })

  test("in a long conversation, a fallback whose window is smaller than the conversation gets 0 requests and the next entry answers", async () => {
    const sid = await w.host.createSession("long")
    await runTurn(w, sid, "start a long conversation", "fake/long-model")
    const since = Date.now()
    const msgs = await runTurn(w, sid, "and go on", "fake/long-model", 90_000)
    const reqs = w.fake.requests.filter((r) => r.t >= since && r.model !== "title-model")
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["long-model:402", "wide-model:200"])
    expect(w.fake.requests.filter((r) => r.model === "small-ctx-model")).toHaveLength(0)
    expect(visibleUserMessages(msgs)).toHaveLength(2)
    expect(replyText(assistantReplies(msgs).at(-1))).toBe("Hello from fake model wide-model.")
    // named in the notice and in the trace
    const notice = toasts(w.host).find((t) => t.message.includes("switched to fake/wide-model"))
    expect(notice?.message).toContain("skipped fake/small-ctx-model: the conversation (100k tokens) does not fit its context window")
    expect(traceOf(w.host, sid).some((r) => Array.isArray(r.skipped) && r.skipped.some((s: any) => s.model === "fake/small-ctx-model" && s.why === "context"))).toBe(true)
    expect(pluginCalls(w.host, sid).filter((c) => c === "config.providers")).toEqual([])
  })

  test("a turn that carries an image passes over a fallback without image input", async () => {
    const sid = await w.host.createSession("image")
    const since = Date.now()
    await w.host.prompt(sid, "what is in this picture?", "fake/credits-img-model", { parts: [{ type: "text", text: "what is in this picture?" }, { type: "file", mime: "image/png", url: PIXEL, filename: "pixel.png" }] })
    await w.host.waitForIdle(sid, 90_000)
    const reqs = w.fake.requests.filter((r) => r.t >= since && r.model !== "title-model")
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["credits-img-model:402", "wide2-model:200"])
    expect(w.fake.requests.filter((r) => r.model === "text-model")).toHaveLength(0)
    const notice = toasts(w.host).find((t) => t.message.includes("switched to fake/wide2-model"))
    expect(notice?.message).toContain("skipped fake/text-model: it takes no image input")
  })
})
