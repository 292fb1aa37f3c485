import { describe, expect, test } from "bun:test"
import { PromptGateError } from "./errors.ts"
import { flush, HOLD, req, setupGate, text, TIMEOUT, track, WINDOW } from "../../test/support/gate-fakes.ts"

describe("prompt gate: reservation", () => {
  test("concurrent dispatches in one tick: exactly one winner, the other queues or skips", async () => {
    const { gate, host } = setupGate({ behavior: "pending" })
    const a = track(gate.dispatch(req({ source: "runtime-fallback:a", parts: text("a") })))
    const b = track(gate.dispatch(req({ source: "other-owner:b", parts: text("b") })))
    const c = track(gate.dispatch(req({ source: "other-owner:c", parts: text("c"), whenBusy: "skip" })))
    expect(host.calls.length).toBe(1)
    expect(host.calls[0]!.args.body.parts).toEqual([{ type: "text", text: "a", synthetic: true }])
    expect(gate.inspect("ses_a").queuedSources).toEqual(["other-owner:b"])
    await flush()
    expect(a.outcome).toBeUndefined()
    expect(b.outcome).toBeUndefined()
    expect(c.outcome).toEqual({ status: "reserved", by: "runtime-fallback:a" })
  })

  test("the reservation is taken synchronously inside dispatch(), before the first await", () => {
    const { gate, host } = setupGate({ behavior: "pending" })
    void gate.dispatch(req())
    // No await yet: the reservation and the host call already exist.
    expect(gate.inspect("ses_a").reservation).toEqual({ source: "runtime-fallback:turn1", phase: "in-flight" })
    expect(host.calls.length).toBe(1)
  })

  for (const behavior of ["ok", "error", "throw", "reject"] as const) {
    test(`the reservation is kept for holdMs after an attempt (${behavior})`, async () => {
      const { gate, host, clock } = setupGate({ behavior })
      const first = track(gate.dispatch(req({ parts: text("first") })))
      const second = track(gate.dispatch(req({ parts: text("second") })))
      await flush()
      expect(first.outcome?.status).toBe(behavior === "ok" ? "dispatched" : "failed")
      if (first.outcome?.status === "failed") {
        expect(first.outcome.dispatchAttempted).toBe(true)
        expect(first.outcome.ambiguous).toBe(behavior === "reject")
      }
      expect(gate.inspect("ses_a").reservation).toEqual({ source: "runtime-fallback:turn1", phase: "hold" })
      clock.advance(HOLD - 1)
      await flush()
      expect(host.calls.length).toBe(1)
      expect(second.outcome).toBeUndefined()
      clock.advance(1)
      await flush()
      expect(host.calls.length).toBe(2)
      expect(host.calls[1]!.at).toBe(HOLD)
      expect(second.outcome?.status).toBe(behavior === "ok" ? "dispatched" : "failed")
    })
  }

  test("a hung host call fails closed after dispatchTimeoutMs and frees the session after the hold", async () => {
    const { gate, host, clock } = setupGate({ behavior: "pending" })
    const hung = track(gate.dispatch(req({ parts: text("hung") })))
    const next = track(gate.dispatch(req({ parts: text("next") })))
    clock.advance(TIMEOUT - 1)
    await flush()
    expect(hung.outcome).toBeUndefined()
    clock.advance(1)
    await flush()
    expect(hung.outcome).toMatchObject({ status: "failed", dispatchAttempted: true, ambiguous: true })
    const error = (hung.outcome as { error: unknown }).error
    expect(error).toBeInstanceOf(PromptGateError)
    expect((error as PromptGateError).code).toBe("timeout")
    expect(gate.inspect("ses_a").reservation?.phase).toBe("hold")
    clock.advance(HOLD)
    await flush()
    expect(host.calls.length).toBe(2)
    expect(host.calls[1]!.at).toBe(TIMEOUT + HOLD)
    // The late answer to the hung call changes nothing.
    host.calls[0]!.resolve({ data: {} })
    host.calls[1]!.resolve({ data: {} })
    await flush()
    expect(hung.outcome?.status).toBe("failed")
    expect(next.outcome).toEqual({ status: "dispatched" })
  })

  test("expired reservations never block forever: every queued request gets its turn and all state drains", async () => {
    const { gate, host, clock } = setupGate({ behavior: "pending" })
    const all = [0, 1, 2, 3].map((i) => track(gate.dispatch(req({ source: `owner:${i}`, parts: text(`p${i}`) }))))
    for (let i = 0; i < 4; i++) {
      expect(host.calls.length).toBe(i + 1)
      clock.advance(TIMEOUT + HOLD)
      await flush()
    }
    expect(all.every((t) => t.outcome?.status === "failed")).toBe(true)
    expect(gate.stats()).toMatchObject({ sessions: 0, queued: 0, reservations: 0 })
    expect(clock.pending()).toBe(0)
  })

  test("after a successful async send, a host that goes busy holds the queue until its idle", async () => {
    const { gate, host, clock } = setupGate()
    void gate.dispatch(req({ parts: text("one") }))
    const two = track(gate.dispatch(req({ parts: text("two") })))
    await flush()
    gate.onSessionBusy("ses_a") // the host picked up our prompt
    clock.advance(HOLD * 5)
    await flush()
    expect(host.calls.length).toBe(1)
    gate.onSessionIdle("ses_a")
    expect(host.calls.length).toBe(2)
    await flush()
    expect(two.outcome).toEqual({ status: "dispatched" })
    clock.advance(WINDOW)
    expect(gate.stats().sessions).toBe(0)
  })

  test("a host that never reports busy: the queue drains on hold expiry", async () => {
    const { gate, host, clock } = setupGate()
    void gate.dispatch(req({ parts: text("one") }))
    void gate.dispatch(req({ parts: text("two") }))
    await flush()
    clock.advance(HOLD)
    expect(host.calls.map((c) => c.at)).toEqual([0, HOLD])
  })
})
