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
  const config = configSchema.parse({ chains: { agents: { helper: ["fake/backup-model"] } } })
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
  test("1. an immediate quota retry status is a failure signal, never progress", async () => {
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("session.status", { sessionID: CHILD, status: { type: "retry", attempt: 1, message: "You exceeded your current quota, please check your plan and billing details.", next: p.clock.now() + 2000 } })
    await flush()
    expect(p.client.count("session.abort")).toBe(1)
    expect(p.runtime.inspect().session(CHILD)?.phase).toBe("switching")
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    expect(p.client.of("session.promptAsync")[0].body.model.modelID).toBe("backup-model")
  })

  test("2. object-shaped payloads: v1 shapes (session id only inside info), model objects, top-level provider ids", async () => {
    const p = plugin()
    await p.bootstrap(true)
    // v1 message.updated: no properties.sessionID; the assistant carries providerID/modelID at top level
    await p.ev("message.updated", { info: { id: "msg_a", sessionID: CHILD, role: "assistant", providerID: "fake", modelID: "quota-model", time: { created: 2, completed: 3 }, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } } })
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
    await p.ev("message.updated", { sessionID: CHILD, info: { id: "msg_empty", sessionID: CHILD, role: "assistant", providerID: "fake", modelID: "quota-model", time: { created: 2, completed: 3 }, tokens: { input: 0, output: 0 }, cost: 0 } })
    expect(p.runtime.inspect().session(CHILD)?.phase).toBe("running")
    await p.ev("session.error", { sessionID: CHILD, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    expect(p.client.count("session.promptAsync")).toBe(1)
  })

  test("5. before the host persisted the bootstrap prompt, the retry carries its parts (same ids, same message)", async () => {
    const p = plugin()
    await p.bootstrap(false)
    await p.ev("session.error", { sessionID: CHILD, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    const body = p.client.of("session.promptAsync")[0].body
    expect(body.messageID).toBe("msg_boot")
    expect(body.parts).toEqual([{ type: "text", text: "Do the delegated work.", id: "prt_boot", synthetic: true }])
    expect(body.agent).toBe("helper")
  })

  test("6. once persisted, a replay re-runs the same message with no parts: no second visible opening prompt", async () => {
    const p = plugin()
    await p.bootstrap(true)
    await p.ev("session.error", { sessionID: CHILD, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } })
    await p.ev("session.idle", { sessionID: CHILD })
    await flush()
    const body = p.client.of("session.promptAsync")[0].body
    expect(body).toMatchObject({ messageID: "msg_boot", parts: [], agent: "helper", model: { providerID: "fake", modelID: "backup-model" } })
    // the replay's own chat.message is recognised as ours, not as a new user turn
    await p.hooks["chat.message"]!({ sessionID: CHILD, messageID: "msg_boot", model: { providerID: "fake", modelID: "backup-model" } } as any, { message: { id: "msg_boot", role: "user", agent: "helper", model: { providerID: "fake", modelID: "backup-model" } }, parts: [] } as any)
    expect(p.runtime.inspect().session(CHILD)?.turn?.tried.map((t) => t.model.modelID)).toEqual(["quota-model"])
  })
})
