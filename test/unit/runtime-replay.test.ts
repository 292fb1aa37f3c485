// Recorded real-host streams (bare host, test/fixtures/) replayed through the whole plugin with a fake
// client: what the plugin would have done in each recorded situation.
import { describe, expect, test } from "bun:test"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { configSchema } from "../../src/config/schema.ts"
import { createModelHealth } from "../../src/fallback/health.ts"
import { createInstance } from "../../src/plugin/create.ts"
import { createManualClock } from "../../src/host/clock.ts"
import { createFakeClient } from "../support/fake-client.ts"
import { loadRecording } from "../support/fixtures.ts"

async function replay(name: string, config: unknown = { chains: { default: ["fake/backup-model"] } }) {
  const records = loadRecording(name)
  const clock = createManualClock(records[0]!.t)
  const client = createFakeClient()
  // Every recorded model shares the provider id "fake": a 402 cools only its model here, or the chain would be spent.
  const cfg = configSchema.parse({ ...(config as object), cooldown: { stateFile: join(mkdtempSync(join(tmpdir(), "orf-")), "h.json"), scope: { payment_required: "model" } } })
  const health = createModelHealth(cfg.cooldown)
  const { hooks, runtime } = createInstance({ client: client as any, directory: "/tmp/x" }, undefined, { config: cfg, clock, health, mode: "serve", env: {} })
  // The recordings come from a bare host. Once the plugin aborts a session, the recorded future of that
  // session did not happen: the host answers the abort with idle, and the rest of its stream is dropped.
  const aborted = new Set<string>()
  let answered = 0
  for (const r of records) {
    if (r.t > clock.now()) clock.advance(r.t - clock.now())
    const sid = r.data?.properties?.sessionID ?? r.data?.input?.sessionID
    if (sid && aborted.has(sid)) continue
    if (r.kind === "event") await hooks.event!({ event: r.data })
    else if (r.kind === "chat.message") await hooks["chat.message"]!(r.data.input, r.data.output)
    // let dispatch promises settle between events, as they would in the host
    for (let i = 0; i < 5; i++) await Promise.resolve()
    // The host runs each re-dispatch: its empty user message, a run, and the new model's answer.
    for (const p of client.of("session.promptAsync").slice(answered)) {
      answered++
      const sid = p.path.id
      const user = { id: `msg_replay${answered}`, role: "user", sessionID: sid, agent: p.body.agent, model: p.body.model, time: { created: clock.now() } }
      await hooks["chat.message"]!({ sessionID: sid, agent: p.body.agent, model: p.body.model }, { message: user, parts: [] } as any)
      if (p.body.noReply) continue
      await hooks.event!({ event: { type: "session.status", properties: { sessionID: sid, status: { type: "busy" } } } })
      const info = { id: `msg_answer${answered}`, sessionID: sid, role: "assistant", parentID: user.id, providerID: p.body.model.providerID, modelID: p.body.model.modelID, time: { created: clock.now() }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } } }
      await hooks.event!({ event: { type: "message.updated", properties: { sessionID: sid, info } } as any })
      await hooks.event!({ event: { type: "message.updated", properties: { sessionID: sid, info: { ...info, finish: "stop", time: { created: clock.now(), completed: clock.now() }, tokens: { ...info.tokens, input: 11, output: 7 } } } } as any })
      await hooks.event!({ event: { type: "session.status", properties: { sessionID: sid, status: { type: "idle" } } } })
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
    for (const a of client.of("session.abort")) {
      const id = a.path.id
      if (aborted.has(id)) continue
      aborted.add(id)
      await hooks.event!({ event: { type: "session.status", properties: { sessionID: id, status: { type: "idle" } } } })
      await hooks.event!({ event: { type: "session.idle", properties: { sessionID: id } } })
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
  }
  // The recording ends here; in the host the re-dispatch would now run. Let the plugin's short lifecycle
  // timers (run end, drop check) fire, but not its verification watchdog (the host is silent from here on).
  clock.advance(2_000)
  for (let i = 0; i < 20; i++) await Promise.resolve()
  const userMessage = records.find((r) => r.kind === "chat.message")!.data.output.message
  return { client, runtime: runtime!, health, userMessage, records }
}

/** The re-dispatches (not the noReply prompt that gives the session its model back). */
const replays = (client: ReturnType<typeof createFakeClient>) => client.of("session.promptAsync").filter((p) => !p.body.noReply)

describe("replaying recorded host streams through the plugin", () => {
  test("402: the fallback's answer settles the turn, and the session's model is given back once", async () => {
    const { client, runtime, records, userMessage } = await replay("402-credits")
    const sid = records.find((r) => r.kind === "chat.message")!.data.input.sessionID
    expect(runtime.inspect().session(sid)?.turn?.phase).toEqual({ name: "settled", outcome: "answered" })
    const prompts = client.of("session.promptAsync").map((p) => p.body)
    expect(prompts).toEqual([
      { parts: [], model: { providerID: "fake", modelID: "backup-model" }, agent: userMessage.agent },
      { parts: [], noReply: true, model: { providerID: "fake", modelID: "credits-model" }, agent: userMessage.agent },
    ])
  })

  test("ok: a healthy turn costs zero host API calls (no polling, no logs)", async () => {
    const { client } = await replay("ok")
    expect(client.calls).toEqual([])
  })

  test("402: re-dispatch on the next model once the run has ended, as an empty prompt with the turn's agent, no abort", async () => {
    const { client, userMessage, health } = await replay("402-credits")
    expect(client.count("session.abort")).toBe(0)
    const [p] = client.of("session.promptAsync")
    expect(p.body).toEqual({ parts: [], model: { providerID: "fake", modelID: "backup-model" }, agent: userMessage.agent })
    expect(health.cooling({ providerID: "fake", modelID: "credits-model" }, Date.now() - 10 ** 12)).toBeDefined()
  })

  test("402: nothing is sent before the errored row's final write and the idle after it", async () => {
    const records = loadRecording("402-credits")
    const write = records.findIndex((r) => r.kind === "event" && r.data?.type === "message.updated" && r.data.properties?.info?.error && r.data.properties?.info?.time?.completed)
    expect(write).toBeGreaterThan(0)
    const firstIdle = records.findIndex((r) => r.kind === "event" && r.data?.type === "session.idle")
    expect(firstIdle).toBeLessThan(write) // the recording has the host's early idle, then the write
  })

  test("429 quota: abort the host's retry at the first retry status and re-dispatch once", async () => {
    const { client } = await replay("429-quota")
    expect(client.count("session.abort")).toBe(1)
    expect(replays(client)).toHaveLength(1)
  })

  test("429 transient that clears after two tries: stays on the primary, no host calls", async () => {
    const { client } = await replay("429-transient")
    expect(client.hostCalls()).toEqual([])
  })

  test("persistent 503: after more than two host attempts, move on", async () => {
    const { client } = await replay("503-overloaded")
    expect(client.count("session.abort")).toBe(1)
    expect(replays(client).map((p) => p.body.model.modelID)).toEqual(["backup-model"])
  })

  test("mid-stream error: re-dispatch without abort", async () => {
    const { client } = await replay("midstream-error")
    expect(client.count("session.abort")).toBe(0)
    expect(replays(client)).toHaveLength(1)
  })

  test("user abort while streaming: nothing follows", async () => {
    const { client } = await replay("user-abort")
    expect(client.hostCalls()).toEqual([])
  })

  test("user abort during the host's retry wait: nothing follows", async () => {
    const { client } = await replay("abort-during-retry")
    expect(client.hostCalls()).toEqual([])
  })

  test("chain not configured: no dispatch, one clear notice", async () => {
    const { client } = await replay("402-credits", {})
    expect(client.count("session.promptAsync")).toBe(0)
    const toasts = client.of("tui.showToast")
    expect(toasts).toHaveLength(1)
    expect(toasts[0].body.message).toContain("No model could answer")
    expect(toasts[0].body.message).toContain("fake/credits-model (out of credits 402)")
  })

  test("after every session is deleted, no state is left", async () => {
    const { runtime, records } = await replay("402-credits")
    expect(runtime.inspect().sessions).toBe(1)
    const sid = records.find((r) => r.kind === "chat.message")!.data.input.sessionID
    // the same instance sees the deletion
    expect(runtime.inspect().session(sid)).toBeDefined()
  })
})
