// Issue 15, stall rescue, in the real host: a model that accepts the request and then sends nothing, or stops in
// the middle of its answer, is abandoned within its limit (+3 s) and the turn is answered by the fallback, with
// one visible user message; after tool calls the turn is continued, not replayed; it works in a subagent.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { assistantReplies, replyText, runTurn, startWorld, stopWorld, visibleUserMessages, type World } from "./harness/scenario.ts"

const FIRST_TOKEN_MS = 5_000
const IDLE_MS = 4_000
/** The bound: the silent model is left within its limit plus this. */
const SLACK_MS = 3_000
/** The stalling fake streams 4 words 100 ms apart before it goes silent (fake-provider.ts "stall"). */
const STREAMED_MS = 4 * 100

const CONFIG = {
  chains: { default: ["fake/backup-model"] },
  subagents: { resultTimeoutMs: 60_000 },
  stall: {
    models: {
      "fake/hang-s1-model": { firstTokenMs: FIRST_TOKEN_MS },
      "fake/stall-s2-model": { idleMs: IDLE_MS },
      "fake/toolhang-s4-model": { firstTokenMs: FIRST_TOKEN_MS },
      "fake/hang-s5-model": { firstTokenMs: FIRST_TOKEN_MS },
    },
  },
}

const latencies: Record<string, number> = {}

describe("stall rescue in the real host", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "stall",
      config: CONFIG,
      models: ["hang-s1-model", "stall-s2-model", "toolhang-s4-model", "parent-s5-model", "hang-s5-model"],
      script: {
        "toolhang-s4-model": { kind: "sequence", steps: [{ kind: "tool", name: "read", args: { filePath: "notes.txt" } }, { kind: "hang" }] },
        "parent-s5-model": { kind: "tool", name: "task", args: { description: "Ask the helper", prompt: "Say hello from the helper.", subagent_type: "stallhelper" } },
      },
      host: {
        files: { "project/notes.txt": "The notes say: forty-two." },
        config: { agent: { stallhelper: { mode: "subagent", description: "A helper subagent for tests", model: "fake/hang-s5-model" } } },
      },
    })
  })
  afterAll(async () => {
    console.log(`silent model's request → fallback's request (ms): ${JSON.stringify(latencies)}`)
    await stopWorld(w)
  })

  const requests = (sid: string, model: string) => w.fake.requests.filter((r) => r.sessionID === sid && r.model === model)

  test("headers and then nothing: left within firstTokenMs + 3 s, answered by the fallback, one visible user message", async () => {
    const sid = await w.host.createSession("hang")
    const msgs = await runTurn(w, sid, "tell me about stalls", "fake/hang-s1-model", 60_000)
    const [hung] = requests(sid, "hang-s1-model")
    const backup = requests(sid, "backup-model")
    expect(hung).toBeDefined()
    expect(backup).toHaveLength(1)
    latencies.firstToken = backup[0]!.t - hung!.t
    expect(latencies.firstToken).toBeGreaterThanOrEqual(FIRST_TOKEN_MS - 100)
    expect(latencies.firstToken).toBeLessThanOrEqual(FIRST_TOKEN_MS + SLACK_MS)
    expect(backup[0]!.userTexts).toEqual(["tell me about stalls"])
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    expect(assistantReplies(msgs).map(replyText)).toEqual(["Hello from fake model backup-model."])
    expect(requests(sid, "hang-s1-model")).toHaveLength(1)
  })

  test("stops mid-answer: the fallback takes the turn within idleMs + 3 s of the last token; the partial answer is gone", async () => {
    const sid = await w.host.createSession("stall")
    const msgs = await runTurn(w, sid, "a long answer please", "fake/stall-s2-model", 60_000)
    const [stalled] = requests(sid, "stall-s2-model")
    const backup = requests(sid, "backup-model")
    expect(backup).toHaveLength(1)
    latencies.idle = backup[0]!.t - stalled!.t - STREAMED_MS
    expect(latencies.idle).toBeLessThanOrEqual(IDLE_MS + SLACK_MS)
    expect(backup[0]!.assistantTexts).toEqual([]) // the partial answer is not passed on as if it were a turn
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    const texts = msgs.filter((m) => m.info.role === "assistant").map(replyText)
    expect(texts).toEqual(["Hello from fake model backup-model."]) // the aborted partial row was removed
  })

  test("silent after tool calls: the turn is continued on the fallback with the tool's result, the tool not run again", async () => {
    const sid = await w.host.createSession("tool then hang")
    const msgs = await runTurn(w, sid, "read my notes", "fake/toolhang-s4-model", 60_000)
    expect(requests(sid, "toolhang-s4-model")).toHaveLength(2)
    const backup = requests(sid, "backup-model")
    expect(backup).toHaveLength(1)
    expect(backup[0]!.toolResults.join("\n")).toContain("forty-two")
    expect(backup[0]!.userTexts.filter((t) => t === "read my notes")).toHaveLength(1)
    const reads = msgs.flatMap((m) => m.parts).filter((p: any) => p.type === "tool" && p.tool === "read")
    expect(reads).toHaveLength(1)
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    expect(replyText(assistantReplies(msgs).at(-1))).toContain("Hello from fake model backup-model.")
  })

  test("in a subagent: the silent child is left, its fallback answers, and the parent receives that answer", async () => {
    const sid = await w.host.createSession("parent of a stalling child")
    const msgs = await runTurn(w, sid, "Delegate to the helper.", "fake/parent-s5-model", 120_000)
    const calls = requests(sid, "parent-s5-model")
    expect(calls).toHaveLength(2)
    expect(calls[1]!.toolResults).toHaveLength(1)
    expect(calls[1]!.toolResults[0]).toContain("Hello from fake model backup-model.")
    expect(calls[1]!.toolResults[0]).not.toContain("Task cancelled")
    const child = w.fake.requests.find((r) => r.model === "backup-model" && r.userTexts.includes("Say hello from the helper."))!
    expect(child.sessionID).not.toBe(sid)
    const hung = w.fake.requests.find((r) => r.model === "hang-s5-model")!
    latencies.subagent = child.t - hung.t
    expect(latencies.subagent).toBeLessThanOrEqual(FIRST_TOKEN_MS + SLACK_MS)
    expect(replyText(assistantReplies(msgs).at(-1))).toContain("Hello from fake model backup-model.")
  })
})
