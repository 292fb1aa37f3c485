import { describe, expect, test } from "bun:test"
import { createManualClock } from "../host/clock.ts"
import { createStallWatch, type StallInfo } from "./watch.ts"

const M = { providerID: "p", modelID: "m" }

function setup(max?: number) {
  const clock = createManualClock()
  const stalls: Array<{ id: string } & StallInfo> = []
  const w = createStallWatch({ clock, onStall: (id, info) => stalls.push({ id, ...info }), max })
  return { clock, stalls, w }
}

describe("stall watch", () => {
  test("no first token within the first-token limit: one stall, at the limit", () => {
    const { clock, stalls, w } = setup()
    w.request("s", { firstTokenMs: 30_000, idleMs: 10_000 }, M, "build")
    clock.advance(29_999)
    expect(stalls).toHaveLength(0)
    clock.advance(1)
    expect(stalls).toEqual([{ id: "s", window: "first-token", waitedMs: 30_000, limitMs: 30_000, model: M, agent: "build" }])
    clock.advance(120_000)
    expect(stalls).toHaveLength(1)
    expect(w.size()).toBe(0)
  })

  test("tokens keep it alive; silence after the last one for the idle limit is a stall", () => {
    const { clock, stalls, w } = setup()
    w.request("s", { firstTokenMs: 30_000, idleMs: 10_000 })
    clock.advance(20_000)
    w.activity("s") // the first token: the idle window (shorter than what was left) starts
    for (let i = 0; i < 50; i++) {
      clock.advance(9_000)
      w.activity("s")
    }
    expect(stalls).toHaveLength(0)
    clock.advance(10_000)
    expect(stalls.map((s) => [s.window, s.waitedMs])).toEqual([["idle", 10_000]])
  })

  test("a tool running, the step finished, the host's retry wait: nothing is timed until the next request", () => {
    const { clock, stalls, w } = setup()
    w.request("s", { firstTokenMs: 5_000, idleMs: 5_000 })
    w.activity("s")
    w.pause("s")
    clock.advance(3_600_000) // an hour-long build
    w.activity("s") // a late delta while paused does not resume the watch
    clock.advance(60_000)
    expect(stalls).toHaveLength(0)
    w.request("s", { firstTokenMs: 5_000, idleMs: 5_000 }) // the next step's request
    clock.advance(5_000)
    expect(stalls.map((s) => s.window)).toEqual(["first-token"])
  })

  test("stop ends the watch; a new request replaces the old one", () => {
    const { clock, stalls, w } = setup()
    w.request("s", { firstTokenMs: 5_000 })
    w.stop("s")
    clock.advance(10_000)
    w.request("t", { firstTokenMs: 5_000 })
    clock.advance(4_000)
    w.request("t", { firstTokenMs: 5_000 }) // a host retry: a fresh window
    clock.advance(4_000)
    expect(stalls).toHaveLength(0)
    clock.advance(1_000)
    expect(stalls.map((s) => s.id)).toEqual(["t"])
    expect(clock.pending()).toBe(0)
  })

  test("limits of 0 (off) time nothing; a first-token limit alone leaves the rest of the answer untimed", () => {
    const { clock, stalls, w } = setup()
    w.request("off", { firstTokenMs: 0, idleMs: 0 })
    expect(w.size()).toBe(0)
    w.request("ft", { firstTokenMs: 5_000 })
    w.activity("ft")
    clock.advance(600_000)
    w.request("idle-only", { idleMs: 5_000 })
    clock.advance(600_000) // no first token yet: untimed
    w.activity("idle-only")
    clock.advance(5_000)
    expect(stalls.map((s) => [s.id, s.window])).toEqual([["idle-only", "idle"]])
  })

  test("sessions are independent; the number watched is bounded and dispose clears every timer", () => {
    const { clock, stalls, w } = setup(3)
    for (const id of ["a", "b", "c", "d"]) w.request(id, { firstTokenMs: 1_000 })
    expect(w.size()).toBe(3)
    clock.advance(1_000)
    expect(stalls.map((s) => s.id).sort()).toEqual(["b", "c", "d"])
    w.request("e", { firstTokenMs: 1_000 })
    w.dispose()
    expect(w.size()).toBe(0)
    expect(clock.pending()).toBe(0)
  })
})
