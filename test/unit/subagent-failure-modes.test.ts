// The six ways delegated fallback broke for the nearest peer, each made impossible here (issue 6).
import { describe, expect, test } from "bun:test"
import { configSchema } from "../../src/config/schema.ts"
import { createModelHealth } from "../../src/fallback/health.ts"
import { createPromptGate } from "../../src/gate/index.ts"
import { createInstance } from "../../src/plugin/create.ts"
import { createManualClock } from "../../src/host/clock.ts"
import { createFakeClient } from "../support/fake-client.ts"

const CHILD = "ses_child"
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

function plugin() {
  const clock = createManualClock(1_800_000_000_000)
  const client = createFakeClient()
  // every fake model shares the provider id "fake": a 402 cools only its model here
  const config = configSchema.parse({ chains: { agents: { helper: ["fake/backup-model"] } }, cooldown: { scope: { payment_required: "model" } } })
  const { hooks, runtime: maybe } = createInstance({ client: client as any, directory: "/p" }, undefined, { config, clock, health: createModelHealth(config.cooldown), mode: "serve", env: {} })
  const runtime = maybe!
  const ev = (type: string, properties: Record<string, unknown>) => hooks.event!({ event: { id: "evt", type, properties } as any })
  const bootstrap = async (persist: boolean) => {
    await ev("session.created", { sessionID: CHILD, info: { id: CHILD, parentID: "ses_parent" } })
    await hooks["chat.message"]!(
      { sessionID: CHILD, agent: "helper", model: { providerID: "fake", modelID: "quota-model" }, messageID: "msg_boot" },
      { message: { id: "msg_boot", role: "user", sessionID: CHILD, agent: "helper", model: { providerID: "fake", modelID: "quota-model" }, time: { created: 1 } }, parts: [{ id: "prt_boot", type: "text", text: "Do the delegated work." }] } as any,
    )
    if (persist) await ev("message.updated", { sessionID: CHILD, info: { id: "msg_boot", role: "user", sessionID: CHILD, agent: "helper", model: { providerID: "fake", modelID: "quota-model" } } })
    await ev("session.status", { sessionID: CHILD, status: { type: "busy" } })
  }
  return { clock, client, hooks, runtime, ev, bootstrap }
}

describe("delegated fallback failure modes", () => {
  const credits = { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } }
  const erroredRow = { id: "msg_a", sessionID: CHILD, role: "assistant", parentID: "msg_boot", providerID: "fake", modelID: "quota-model", time: { created: 2, completed: 3 }, error: credits }

  test("1. an immediate quota retry status is a failure signal, never progress", async () => {
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("message.updated", { sessionID: CHILD, info: { ...erroredRow, time: { created: 2 }, error: undefined } })
    await p.ev("session.status", { sessionID: CHILD, status: { type: "retry", attempt: 1, message: "You exceeded your current quota, please check your plan and billing details.", next: p.clock.now() + 2000 } })
    await flush() // the abort returns: the host is idle, the fallback goes out
    expect(p.client.count("session.abort")).toBe(1)
    const order = p.client.calls.map((c) => c.method).filter((m) => m.startsWith("session."))
    expect(order).toEqual(["session.abort", "session.promptAsync"])
    expect(p.client.of("session.promptAsync")[0].body.model.modelID).toBe("backup-model")
  })

  test("2. object-shaped payloads: v1 shapes (session id only inside info), model objects, top-level provider ids", async () => {
    const p = plugin()
    await p.bootstrap(true)
    // v1 message.updated: no properties.sessionID; the assistant carries providerID/modelID at top level
    await p.ev("message.updated", { info: erroredRow })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    expect(p.client.count("session.promptAsync")).toBe(1)
  })

  test("3. a sync delegated retry queues behind an active reservation instead of being dropped", async () => {
    const clock = createManualClock(0)
    const client = createFakeClient()
    const gate = createPromptGate({ client, clock, holdMs: 2000 })
    const first = gate.dispatch({ sessionID: CHILD, source: "runtime-fallback:a", parts: [{ type: "text", text: "one" }], mode: "async" })
    let queuedAt = 0
    const second = gate.dispatch({ sessionID: CHILD, source: "delegate:b", parts: [{ type: "text", text: "two" }], mode: "sync", whenBusy: "queue", onQueued: (n) => (queuedAt = n) })
    expect(queuedAt).toBe(1)
    expect((await first).status).toBe("dispatched")
    await flush()
    expect(client.count("session.prompt")).toBe(0)
    clock.advance(2000)
    await flush()
    expect((await second).status).toBe("dispatched")
    expect(client.count("session.prompt")).toBe(1)
  })

  test("4. an empty assistant completion row does not suppress the fallback", async () => {
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("message.updated", { sessionID: CHILD, info: { id: "msg_empty", sessionID: CHILD, role: "assistant", parentID: "msg_boot", providerID: "fake", modelID: "quota-model", time: { created: 2, completed: 3 }, tokens: { input: 0, output: 0 }, cost: 0 } })
    expect(p.runtime.inspect().session(CHILD)?.phase).toBe("running")
    await p.ev("session.error", { sessionID: CHILD, error: credits })
    await p.ev("session.idle", { sessionID: CHILD })
    p.clock.advance(2_000) // no errored row follows this time: the run counts as ended after a short wait
    await flush()
    expect(p.client.count("session.promptAsync")).toBe(1)
  })

  test("5. the retry re-runs the child's conversation as the host stored it: an empty prompt on the fallback, with the child's agent", async () => {
    // (The peer re-sent the bootstrap text when the host had not stored it yet. The host stores the user
    // message before the run starts, and a failure only comes from a run, so the stored message is always
    // there to re-run; an empty prompt re-runs it without a second copy.)
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("message.updated", { sessionID: CHILD, info: erroredRow })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    expect(p.client.of("session.promptAsync")[0].body).toEqual({ parts: [], agent: "helper", model: { providerID: "fake", modelID: "backup-model" } })
  })

  test("6. the replay's own chat.message is recognised as ours: no second turn, no second visible opening prompt", async () => {
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("message.updated", { sessionID: CHILD, info: erroredRow })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    await p.hooks["chat.message"]!({ sessionID: CHILD, agent: "helper", model: { providerID: "fake", modelID: "backup-model" } } as any, { message: { id: "msg_replay", role: "user", agent: "helper", model: { providerID: "fake", modelID: "backup-model" } }, parts: [] } as any)
    const view = p.runtime.inspect().session(CHILD)
    expect(view?.turns.map((t) => t.id)).toEqual(["msg_boot"])
    expect(view?.turn?.tried.map((t) => t.model.modelID)).toEqual(["quota-model"])
  })
})
