import { describe, expect, test } from "bun:test"
import type { PromptPart } from "../host/client.ts"
import { createPromptGate } from "./prompt-gate.ts"
import { createManualClock } from "../host/clock.ts"
import { flush, HOLD, req, setupGate, text } from "../../test/support/gate-fakes.ts"

describe("prompt gate: host request", () => {
  test("text parts are sent with synthetic: true; other parts and the caller's objects are untouched", async () => {
    const { gate, host } = setupGate()
    const textPart: PromptPart = { type: "text", text: "hello", id: "prt_1" }
    const filePart: PromptPart = { type: "file", mime: "text/plain", url: "file:///x.txt" }
    const agentPart: PromptPart = { type: "agent", name: "build" }
    const parts = [textPart, filePart, agentPart]
    const frozen = JSON.stringify(parts)
    await gate.dispatch(req({ parts }))
    const sent = host.calls[0]!.args.body.parts
    expect(sent).toEqual([{ type: "text", text: "hello", id: "prt_1", synthetic: true }, filePart, agentPart])
    expect(sent[1]).not.toHaveProperty("synthetic")
    expect(sent[2]).not.toHaveProperty("synthetic")
    expect(JSON.stringify(parts)).toBe(frozen)
    expect(sent).not.toBe(parts)
  })

  test("the body carries the optional fields that were given and omits the others", async () => {
    const { gate, host, clock } = setupGate()
    const model = { providerID: "p", modelID: "m" }
    await gate.dispatch(req({ model, agent: "build", variant: "high", messageID: "msg_1", system: "sys", tools: { bash: false } }))
    expect(host.calls[0]!.args).toEqual({
      path: { id: "ses_a" },
      body: { parts: [{ type: "text", text: "continue", synthetic: true }], model, agent: "build", variant: "high", messageID: "msg_1", system: "sys", tools: { bash: false } },
    })
    clock.advance(HOLD)
    await gate.dispatch(req({ parts: text("bare") }))
    expect(Object.keys(host.calls[1]!.args.body)).toEqual(["parts"])
  })

  test("mode: async (default) uses promptAsync, sync uses prompt", async () => {
    const { gate, host, clock } = setupGate()
    await gate.dispatch(req({ parts: text("a") }))
    clock.advance(HOLD)
    await gate.dispatch(req({ parts: text("b"), mode: "sync" }))
    expect(host.calls.map((c) => c.method)).toEqual(["promptAsync", "prompt"])
  })

  test("malformed sources are rejected as failed (not attempted), logged once, and never throw", async () => {
    const { gate, host, logs } = setupGate()
    for (const source of ["runtime-fallback", ":id", "runtime-fallback:", " :x", "a: ", "", 42]) {
      const outcome = await gate.dispatch(req({ source: source as string }))
      expect(outcome).toMatchObject({ status: "failed", dispatchAttempted: false, ambiguous: false, error: { code: "invalid-request" } })
    }
    expect(host.calls.length).toBe(0)
    expect(logs.filter((l) => l.message.includes("rejected")).length).toBe(7)
    expect((await gate.dispatch(req({ source: "a:b:c" }))).status).toBe("dispatched")
  })

  test("malformed requests never throw out of dispatch", async () => {
    const { gate, host } = setupGate()
    const bad: unknown[] = [
      null,
      "x",
      { ...req(), sessionID: "" },
      { ...req(), parts: "hi" },
      { ...req(), noReply: "yes" },
      { ...req(), parts: [{ type: "text" }] },
      { ...req(), parts: [null] },
      { ...req(), mode: "later" },
      { ...req(), whenBusy: "maybe" },
      { ...req(), model: "p/m" },
      { ...req(), dedupeKey: 3 },
      Object.defineProperty({}, "sessionID", { get: () => { throw new Error("hostile") } }),
    ]
    for (const input of bad) {
      const outcome = await gate.dispatch(input as never)
      expect(outcome).toMatchObject({ status: "failed", dispatchAttempted: false })
    }
    expect(host.calls.length).toBe(0)
    expect(gate.stats().sessions).toBe(0)
  })

  test("an empty prompt is valid (a replay of the conversation as it stands; with noReply, a stored message only)", async () => {
    const { gate, host } = setupGate()
    expect((await gate.dispatch(req({ parts: [], dedupeKey: "r1" }))).status).toBe("dispatched")
    gate.release("ses_a", { sourcePrefix: "runtime-fallback:" })
    expect((await gate.dispatch(req({ parts: [], noReply: true, dedupeKey: "r2" }))).status).toBe("dispatched")
    expect(host.calls.map((c) => (c.args as { body: unknown }).body)).toEqual([{ parts: [] }, { parts: [], noReply: true }])
  })

  test("a client without the method fails without a hold; an HTTP error status without error body is a definite failure", async () => {
    const clock = createManualClock(0)
    const gate = createPromptGate({ client: { session: {} } as never, clock })
    expect(await gate.dispatch(req())).toMatchObject({ status: "failed", dispatchAttempted: false, error: { code: "host-unavailable" } })
    expect(gate.stats().sessions).toBe(0)
    const gate2 = createPromptGate({ client: { session: { promptAsync: async () => ({ response: { status: 503 } }), prompt: async () => ({}) } }, clock })
    expect(await gate2.dispatch(req())).toMatchObject({ status: "failed", dispatchAttempted: true, ambiguous: false, error: { code: "host-error" } })
    await flush()
  })

  test("bad options are programmer errors and throw at construction", () => {
    const { host } = setupGate()
    expect(() => createPromptGate({ client: host.client, holdMs: -1 })).toThrow(TypeError)
    expect(() => createPromptGate({ client: host.client, dispatchTimeoutMs: Number.NaN })).toThrow(TypeError)
    expect(() => createPromptGate({} as never)).toThrow(TypeError)
  })
})
