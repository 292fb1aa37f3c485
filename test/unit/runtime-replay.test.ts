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
  const cfg = configSchema.parse({ ...(config as object), cooldown: { stateFile: join(mkdtempSync(join(tmpdir(), "orf-")), "h.json") } })
  const health = createModelHealth(cfg.cooldown)
  const { hooks, runtime } = createInstance({ client: client as any, directory: "/tmp/x" }, undefined, { config: cfg, clock, health, mode: "serve", env: {} })
  // The recordings come from a bare host. Once the plugin aborts a session, the recorded future of that
  // session did not happen: the host answers the abort with idle, and the rest of its stream is dropped.
  const aborted = new Set<string>()
  for (const r of records) {
    if (r.t > clock.now()) clock.advance(r.t - clock.now())
    const sid = r.data?.properties?.sessionID ?? r.data?.input?.sessionID
    if (sid && aborted.has(sid)) continue
    if (r.kind === "event") await hooks.event!({ event: r.data })
    else if (r.kind === "chat.message") await hooks["chat.message"]!(r.data.input, r.data.output)
    // let dispatch promises settle between events, as they would in the host
    for (let i = 0; i < 5; i++) await Promise.resolve()
    for (const a of client.of("session.abort")) {
      const id = a.path.id
      if (aborted.has(id)) continue
      aborted.add(id)
      await hooks.event!({ event: { type: "session.status", properties: { sessionID: id, status: { type: "idle" } } } })
      await hooks.event!({ event: { type: "session.idle", properties: { sessionID: id } } })
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
  }
  clock.advance(60_000)
  for (let i = 0; i < 20; i++) await Promise.resolve()
  const userMessage = records.find((r) => r.kind === "chat.message")!.data.output.message
  return { client, runtime: runtime!, health, userMessage, records }
}

describe("replaying recorded host streams through the plugin", () => {
  test("ok: a healthy turn costs zero host API calls (no polling, no logs)", async () => {
    const { client } = await replay("ok")
    expect(client.calls).toEqual([])
  })

  test("402: re-dispatch on the next model at once, reusing the user's message id, no abort", async () => {
    const { client, userMessage, health } = await replay("402-credits")
    expect(client.count("session.abort")).toBe(0)
    const [p] = client.of("session.promptAsync")
    expect(client.count("session.promptAsync")).toBe(1)
    expect(p.body).toMatchObject({ messageID: userMessage.id, parts: [], model: { providerID: "fake", modelID: "backup-model" } })
    expect(health.cooling({ providerID: "fake", modelID: "credits-model" }, Date.now() - 10 ** 12)).toBeDefined()
  })

  test("429 quota: abort the host's retry at the first retry status and re-dispatch once", async () => {
    const { client } = await replay("429-quota")
    expect(client.count("session.abort")).toBe(1)
    expect(client.count("session.promptAsync")).toBe(1)
  })

  test("429 transient that clears after two tries: stays on the primary, no host calls", async () => {
    const { client } = await replay("429-transient")
    expect(client.hostCalls()).toEqual([])
  })

  test("persistent 503: after more than two host attempts, move on", async () => {
    const { client } = await replay("503-overloaded")
    expect(client.count("session.abort")).toBe(1)
    expect(client.count("session.promptAsync")).toBe(1)
    expect(client.of("session.promptAsync")[0].body.model.modelID).toBe("backup-model")
  })

  test("mid-stream error: re-dispatch without abort", async () => {
    const { client } = await replay("midstream-error")
    expect(client.count("session.abort")).toBe(0)
    expect(client.count("session.promptAsync")).toBe(1)
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
