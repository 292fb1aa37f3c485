import { describe, expect, test } from "bun:test"
import { flush, HOLD, req, setupGate, text, TIMEOUT, track, type GateFixture } from "../../test/support/gate-fakes.ts"

// One in-flight request from runtime-fallback:t1 and three queued: runtime-fallback:t2, runtime:x, other:y.
function withQueue(fixture: GateFixture) {
  const { gate } = fixture
  const inFlight = track(gate.dispatch(req({ source: "runtime-fallback:t1", parts: text("1") })))
  const rf = track(gate.dispatch(req({ source: "runtime-fallback:t2", parts: text("2") })))
  const runtime = track(gate.dispatch(req({ source: "runtime:x", parts: text("3") })))
  const other = track(gate.dispatch(req({ source: "other:y", parts: text("4") })))
  return { inFlight, rf, runtime, other }
}

describe("prompt gate: cancelQueuedInternalPrompts", () => {
  test("by source: removes only that owner's queued entries and resolves them cancelled", async () => {
    const f = setupGate({ behavior: "pending" })
    const q = withQueue(f)
    expect(f.gate.cancelQueuedInternalPrompts("ses_a", { source: "runtime:x" })).toBe(1)
    await flush()
    expect(q.runtime.outcome).toEqual({ status: "cancelled", reason: "cancelled" })
    expect(f.gate.inspect("ses_a").queuedSources).toEqual(["runtime-fallback:t2", "other:y"])
  })

  test("by prefix: \"runtime:\" never matches \"runtime-fallback:\"", async () => {
    const f = setupGate({ behavior: "pending" })
    const q = withQueue(f)
    expect(f.gate.cancelQueuedInternalPrompts("ses_a", { sourcePrefix: "runtime:" })).toBe(1)
    expect(f.gate.cancelQueuedInternalPrompts("ses_a", { sourcePrefix: "runtime-fallback:" })).toBe(1)
    await flush()
    expect(q.rf.outcome?.status).toBe("cancelled")
    expect(q.runtime.outcome?.status).toBe("cancelled")
    expect(q.other.outcome).toBeUndefined()
  })

  test("a prefix without a trailing ':' throws a TypeError", () => {
    const f = setupGate({ behavior: "pending" })
    withQueue(f)
    expect(() => f.gate.cancelQueuedInternalPrompts("ses_a", { sourcePrefix: "runtime" })).toThrow(TypeError)
    expect(() => f.gate.cancelQueuedInternalPrompts("ses_a", { sourcePrefix: ":" })).toThrow(TypeError)
    expect(() => f.gate.release("ses_a", { sourcePrefix: "runtime-fallback" })).toThrow(TypeError)
    expect(f.gate.inspect("ses_a").queueLength).toBe(3)
  })

  test("never touches the in-flight reservation, even when its owner matches; no filter cancels the whole queue", async () => {
    const f = setupGate({ behavior: "pending" })
    const q = withQueue(f)
    expect(f.gate.cancelQueuedInternalPrompts("ses_a", { sourcePrefix: "runtime-fallback:" })).toBe(1)
    expect(f.gate.cancelQueuedInternalPrompts("ses_a")).toBe(2)
    expect(f.gate.inspect("ses_a").reservation).toEqual({ source: "runtime-fallback:t1", phase: "in-flight" })
    f.host.calls[0]!.resolve({ data: {} })
    await flush()
    expect(q.inFlight.outcome).toEqual({ status: "dispatched" })
    f.clock.advance(HOLD)
    expect(f.host.calls.length).toBe(1) // nothing cancelled was sent
    expect(f.gate.cancelQueuedInternalPrompts("ses_unknown")).toBe(0)
  })
})

describe("prompt gate: release", () => {
  test("drops the owner's hold early and drains the queue; other owners cannot release it", async () => {
    const f = setupGate()
    void f.gate.dispatch(req({ source: "runtime-fallback:t1", parts: text("1") }))
    const next = track(f.gate.dispatch(req({ source: "other:y", parts: text("2") })))
    await flush()
    expect(f.gate.release("ses_a", { source: "other:y" })).toBe(false)
    expect(f.gate.release("ses_a", { sourcePrefix: "runtime:" })).toBe(false)
    expect(f.gate.release("ses_a", { sourcePrefix: "runtime-fallback:" })).toBe(true)
    expect(f.host.calls.map((c) => c.at)).toEqual([0, 0])
    await flush()
    expect(next.outcome).toEqual({ status: "dispatched" })
  })

  test("release while in flight skips the hold once the call settles", async () => {
    const f = setupGate({ behavior: "pending" })
    void f.gate.dispatch(req({ parts: text("1") }))
    void f.gate.dispatch(req({ parts: text("2") }))
    expect(f.gate.release("ses_a", { source: "runtime-fallback:turn1" })).toBe(true)
    expect(f.host.calls.length).toBe(1) // still in flight: the reservation stands
    f.host.calls[0]!.resolve({ data: {} })
    await flush()
    expect(f.host.calls.length).toBe(2)
  })

  test("release on a host-busy session waits for idle", async () => {
    const f = setupGate()
    void f.gate.dispatch(req({ parts: text("1") }))
    void f.gate.dispatch(req({ parts: text("2") }))
    await flush()
    f.gate.onSessionBusy("ses_a")
    expect(f.gate.release("ses_a", { source: "runtime-fallback:turn1" })).toBe(true)
    expect(f.host.calls.length).toBe(1)
    f.gate.onSessionIdle("ses_a")
    expect(f.host.calls.length).toBe(2)
  })
})

describe("prompt gate: onSessionDeleted and dispose", () => {
  test("onSessionDeleted cancels the queue, settles the in-flight request, clears timers and forgets the session", async () => {
    const f = setupGate({ behavior: "pending" })
    const q = withQueue(f)
    f.gate.onSessionBusy("ses_a")
    f.gate.onSessionDeleted("ses_a")
    await flush()
    expect(q.inFlight.outcome).toMatchObject({ status: "failed", dispatchAttempted: true, ambiguous: true, error: { code: "session-deleted" } })
    for (const t of [q.rf, q.runtime, q.other]) expect(t.outcome).toEqual({ status: "cancelled", reason: "deleted" })
    expect(f.gate.inspect("ses_a").tracked).toBe(false)
    expect(f.clock.pending()).toBe(0)
    f.host.calls[0]!.resolve({ data: {} }) // a late answer neither resurrects state nor sends anything
    await flush()
    f.clock.advance(TIMEOUT + HOLD)
    expect(f.host.calls.length).toBe(1)
    expect(f.gate.stats().sessions).toBe(0)
    // A new dispatch for the same id starts fresh.
    expect(f.gate.dispatch(req({ parts: text("fresh") }))).toBeInstanceOf(Promise)
    expect(f.host.calls.length).toBe(2)
  })

  test("dispose settles everything, clears timers, and later calls are inert", async () => {
    const f = setupGate({ behavior: "pending" })
    const q = withQueue(f)
    void f.gate.dispatch(req({ sessionID: "ses_b" }))
    f.gate.dispose()
    await flush()
    expect(q.inFlight.outcome).toMatchObject({ status: "failed", ambiguous: true, error: { code: "disposed" } })
    expect(q.other.outcome).toEqual({ status: "cancelled", reason: "disposed" })
    expect(f.clock.pending()).toBe(0)
    expect(await f.gate.dispatch(req({ parts: text("late") }))).toEqual({ status: "cancelled", reason: "disposed" })
    f.gate.onSessionBusy("ses_a")
    f.gate.onSessionIdle("ses_a")
    f.gate.dispose()
    expect(f.gate.stats()).toEqual({ sessions: 0, queued: 0, reservations: 0, inFlight: 0, recentKeys: 0, disposed: true })
    expect(f.host.calls.length).toBe(2)
  })

  test("bad host input to lifecycle calls is logged, never thrown", () => {
    const f = setupGate()
    for (const bad of [undefined, null, "", 7, {}]) {
      expect(() => f.gate.onSessionBusy(bad as never)).not.toThrow()
      expect(() => f.gate.onSessionIdle(bad as never)).not.toThrow()
      expect(() => f.gate.onSessionDeleted(bad as never)).not.toThrow()
      expect(f.gate.cancelQueuedInternalPrompts(bad as never)).toBe(0)
      expect(f.gate.release(bad as never, { source: "a:b" })).toBe(false)
    }
    expect(f.logs.length).toBe(25)
    expect(f.gate.stats().sessions).toBe(0)
  })

  test("inspect/stats report bounded state: idle sessions are not tracked", async () => {
    const f = setupGate()
    f.gate.onSessionBusy("ses_user")
    expect(f.gate.stats().sessions).toBe(1)
    f.gate.onSessionIdle("ses_user")
    await f.gate.dispatch(req())
    expect(f.gate.stats()).toMatchObject({ sessions: 1, reservations: 1, inFlight: 0, recentKeys: 1 })
    f.clock.advance(HOLD)
    f.clock.advance(15_000)
    expect(f.gate.stats().sessions).toBe(0)
  })
})
