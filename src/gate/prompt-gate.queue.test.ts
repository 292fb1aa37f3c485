import { describe, expect, test } from "bun:test"
import { flush, HOLD, req, setupGate, text, track } from "../../test/support/gate-fakes.ts"

describe("prompt gate: queue", () => {
  test("FIFO: queued requests reach the host in dispatch order, onQueued gets 1-based positions", async () => {
    const { gate, host, clock } = setupGate()
    const positions: Array<[string, number]> = []
    void gate.dispatch(req({ parts: text("first") }))
    const queued = ["b", "c", "d"].map((name) =>
      track(gate.dispatch(req({ source: `owner:${name}`, parts: text(name), onQueued: (p) => positions.push([name, p]) }))),
    )
    expect(positions).toEqual([["b", 1], ["c", 2], ["d", 3]])
    await flush()
    expect(queued.every((t) => t.outcome === undefined)).toBe(true) // pending while queued
    for (let i = 0; i < 3; i++) {
      clock.advance(HOLD)
      await flush()
    }
    expect(host.calls.map((c) => (c.args.body.parts[0] as { text: string }).text)).toEqual(["first", "b", "c", "d"])
    expect(queued.map((t) => t.outcome?.status)).toEqual(["dispatched", "dispatched", "dispatched"])
  })

  test("a queued duplicate coalesces: it returns duplicate at once and adds no entry", async () => {
    const { gate, host, clock } = setupGate({ behavior: "pending" })
    void gate.dispatch(req({ parts: text("blocker") }))
    const original = track(gate.dispatch(req({ source: "owner:1", parts: text("again") })))
    const dup = track(gate.dispatch(req({ source: "other:2", parts: text("again"), messageID: "msg_x" })))
    await flush()
    expect(dup.outcome).toEqual({ status: "duplicate", of: "queued" })
    expect(gate.inspect("ses_a").queueLength).toBe(1)
    host.calls[0]!.resolve({ data: {} })
    await flush()
    clock.advance(HOLD)
    host.calls[1]!.resolve({ data: {} })
    await flush()
    expect(host.calls.length).toBe(2)
    expect(original.outcome).toEqual({ status: "dispatched" })
  })

  test("an explicit dedupeKey decides coalescing instead of the content", async () => {
    const { gate } = setupGate({ behavior: "pending" })
    void gate.dispatch(req({ parts: text("blocker") }))
    void gate.dispatch(req({ parts: text("x"), dedupeKey: "k1" }))
    const sameKey = track(gate.dispatch(req({ parts: text("y"), dedupeKey: "k1" })))
    const otherKey = track(gate.dispatch(req({ parts: text("x"), dedupeKey: "k2" })))
    await flush()
    expect(sameKey.outcome).toEqual({ status: "duplicate", of: "queued" })
    expect(otherKey.outcome).toBeUndefined()
    expect(gate.inspect("ses_a").queueLength).toBe(2)
  })

  test("a host-busy session queues and never calls the host until idle", async () => {
    const { gate, host } = setupGate()
    gate.onSessionBusy("ses_a")
    const queued = track(gate.dispatch(req({ parts: text("later") })))
    await flush()
    expect(host.calls.length).toBe(0)
    expect(queued.outcome).toBeUndefined()
    gate.onSessionBusy("ses_a") // repeated busy events are harmless
    gate.onSessionIdle("ses_a")
    expect(host.calls.length).toBe(1)
    await flush()
    expect(queued.outcome).toEqual({ status: "dispatched" })
  })

  test("whenBusy skip on a host-busy session returns reserved by \"host\" and never calls the host", async () => {
    const { gate, host } = setupGate()
    gate.onSessionBusy("ses_a")
    const positions: number[] = []
    expect(await gate.dispatch(req({ whenBusy: "skip", onQueued: (p) => positions.push(p) }))).toEqual({ status: "reserved", by: "host" })
    gate.onSessionIdle("ses_a")
    expect(host.calls.length).toBe(0)
    expect(positions).toEqual([])
    expect(gate.stats().sessions).toBe(0)
  })

  test("whenBusy skip on a reserved session names the owner; the reservation outranks a busy host", async () => {
    const { gate } = setupGate({ behavior: "pending" })
    void gate.dispatch(req({ source: "runtime-fallback:t9" }))
    gate.onSessionBusy("ses_a")
    expect(await gate.dispatch(req({ parts: text("other"), whenBusy: "skip" }))).toEqual({ status: "reserved", by: "runtime-fallback:t9" })
  })

  test("sessions are independent: a reservation on one does not block another", () => {
    const { gate, host } = setupGate({ behavior: "pending" })
    void gate.dispatch(req({ sessionID: "ses_a" }))
    void gate.dispatch(req({ sessionID: "ses_b" }))
    expect(host.calls.map((c) => c.args.path.id)).toEqual(["ses_a", "ses_b"])
  })

  test("a throwing onQueued callback is logged and the request stays queued", async () => {
    const { gate, host, clock, logs } = setupGate()
    void gate.dispatch(req({ parts: text("first") }))
    const queued = track(gate.dispatch(req({ parts: text("second"), onQueued: () => { throw new Error("boom") } })))
    expect(logs.some((l) => l.message.includes("onQueued"))).toBe(true)
    await flush()
    clock.advance(HOLD)
    await flush()
    expect(host.calls.length).toBe(2)
    expect(queued.outcome).toEqual({ status: "dispatched" })
  })

  test("the queue is bounded per session", async () => {
    const { gate } = setupGate({ behavior: "pending", maxQueuePerSession: 2 })
    void gate.dispatch(req({ parts: text("blocker") }))
    void gate.dispatch(req({ parts: text("q1") }))
    void gate.dispatch(req({ parts: text("q2") }))
    const over = await gate.dispatch(req({ parts: text("q3") }))
    expect(over).toMatchObject({ status: "failed", dispatchAttempted: false, ambiguous: false, error: { code: "queue-full" } })
    expect(gate.inspect("ses_a").queueLength).toBe(2)
  })
})
