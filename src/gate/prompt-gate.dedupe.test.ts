import { describe, expect, test } from "bun:test"
import { computeDedupeKey } from "./dedupe-key.ts"
import { flush, HOLD, req, setupGate, text, track, WINDOW } from "../../test/support/gate-fakes.ts"

describe("prompt gate: dedupe window", () => {
  test("the same prompt inside the window returns duplicate without a host call; at the window's end it is sent", async () => {
    const { gate, host, clock } = setupGate()
    expect(await gate.dispatch(req({ source: "runtime-fallback:t1", messageID: "msg_1" }))).toEqual({ status: "dispatched" })
    clock.advance(WINDOW - 1)
    // A different owner and message id: the key is source-independent.
    expect(await gate.dispatch(req({ source: "other:t2", messageID: "msg_2" }))).toEqual({ status: "duplicate", of: "recent" })
    expect(host.calls.length).toBe(1)
    clock.advance(1)
    expect(await gate.dispatch(req({ source: "other:t3" }))).toEqual({ status: "dispatched" })
    expect(host.calls.length).toBe(2)
  })

  test("model, variant, agent and content are part of the key", async () => {
    const { gate, host, clock } = setupGate()
    const base = { parts: text("go"), model: { providerID: "p", modelID: "m1" } }
    await gate.dispatch(req(base))
    for (const change of [
      { model: { providerID: "p", modelID: "m2" } },
      { variant: "high" },
      { agent: "build" },
      { parts: text("go!") },
      { parts: [{ type: "file" as const, mime: "text/plain", url: "file:///a" }] },
    ]) {
      clock.advance(HOLD)
      await flush()
      expect((await gate.dispatch(req({ ...base, ...change }))).status).toBe("dispatched")
    }
    expect(host.calls.length).toBe(6)
  })

  test("a failed send is not remembered: the retry goes out", async () => {
    const { gate, host, clock } = setupGate({ behavior: "error" })
    expect((await gate.dispatch(req())).status).toBe("failed")
    clock.advance(HOLD)
    host.behavior = "ok"
    expect(await gate.dispatch(req())).toEqual({ status: "dispatched" })
  })

  test("a queued copy of a prompt that then goes out successfully resolves duplicate when its turn comes", async () => {
    const { gate, host, clock } = setupGate({ behavior: "pending" })
    const first = track(gate.dispatch(req({ source: "a:1" })))
    const copy = track(gate.dispatch(req({ source: "b:2" }))) // same content, queued behind the in-flight one
    host.calls[0]!.resolve({ data: {} })
    await flush()
    clock.advance(HOLD)
    await flush()
    expect(first.outcome).toEqual({ status: "dispatched" })
    expect(copy.outcome).toEqual({ status: "duplicate", of: "recent" })
    expect(host.calls.length).toBe(1)
  })

  test("a late success after a timeout is remembered, so a retry of that prompt is a duplicate", async () => {
    const { gate, host, clock } = setupGate({ behavior: "pending", dispatchTimeoutMs: 100 })
    const hung = track(gate.dispatch(req()))
    clock.advance(100)
    await flush()
    expect(hung.outcome).toMatchObject({ status: "failed", ambiguous: true })
    host.calls[0]!.resolve({ data: {} })
    await flush()
    clock.advance(HOLD)
    expect(await gate.dispatch(req())).toEqual({ status: "duplicate", of: "recent" })
  })

  test("dedupe entries expire and the session's state is dropped", async () => {
    const { gate, clock } = setupGate()
    await gate.dispatch(req())
    clock.advance(HOLD)
    expect(gate.inspect("ses_a")).toMatchObject({ tracked: true, recentKeys: 1, reservation: undefined })
    clock.advance(WINDOW)
    expect(gate.inspect("ses_a").tracked).toBe(false)
    expect(clock.pending()).toBe(0)
  })

  test("computeDedupeKey: source-independent, content-dependent, explicit keys namespaced", () => {
    const a = computeDedupeKey({ sessionID: "s", parts: text("x") })
    expect(computeDedupeKey({ sessionID: "s", parts: [{ type: "text", text: "x", synthetic: true, id: "prt_1" }] })).toBe(a)
    expect(computeDedupeKey({ sessionID: "t", parts: text("x") })).not.toBe(a)
    expect(computeDedupeKey({ sessionID: "s", parts: text("x"), variant: "v" })).not.toBe(a)
    expect(computeDedupeKey({ sessionID: "s", parts: text("x"), dedupeKey: "mine" })).toBe("custom:mine")
    const file = (url: string) => computeDedupeKey({ sessionID: "s", parts: [{ type: "file", mime: "image/png", url }] })
    expect(file("file:///a.png")).not.toBe(file("file:///b.png"))
  })
})
