// A new session's first turn, pre-routed off a cooling model: the TUI adopts the model stored on a session's
// first message as its selection, so that message keeps the user's model and its request is stopped and replayed.
import { describe, expect, test } from "bun:test"
import type { Input } from "./session.ts"
import { turnByID } from "./session.ts"
import { A, B, ABORTED, accepted, ctx, dispatches, drive, erroredRow, idle, notices, phase, retry, row } from "./session-kit.ts"

describe("a new session's first turn pre-routed off a cooling model (the TUI keeps the user's model)", () => {
  const stopped: Input = { type: "route-stopped", id: "u1" }
  const deferred: Input = { type: "user-message", id: "u1", model: A, routed: { to: B, skipped: [{ model: A, code: "quota_exhausted", message: "x" }], deferred: true } }
  test("the stopped request's aborted row and idle: replayed on the routed model, no second notice, the user's model given back after", () => {
    const { state, effects } = drive([deferred, row("a1", "u1", A), stopped, { type: "session-error", failure: ABORTED }, idle, erroredRow("a1", "u1", A, ABORTED), idle])
    expect(dispatches(effects).map((d) => [d.model, d.kind])).toEqual([[B, "replay"]])
    expect(phase(state)).toBe("verifying")
    const done = drive([accepted(), row("b1", "u1", B), row("b1", "u1", B, { completed: true, meaningful: true, finish: "stop" }), idle], ctx(), state)
    expect(turnByID(done.state, "u1")?.phase).toEqual({ name: "settled", outcome: "answered" })
    expect(notices([...effects, ...done.effects])).toEqual([])
    const fx = done.effects.map((e) => e.type)
    expect(fx).toContain("delete-rows") // the aborted row leaves the history
    expect(fx).toContain("restore-model")
  })
  test("if the host sent the request anyway and retries it, it is aborted for real and the turn still moves", () => {
    const { state, effects } = drive([deferred, row("a1", "u1", A), stopped, retry(1)])
    expect(effects.filter((e) => e.type === "abort")).toHaveLength(1)
    expect(dispatches(effects)).toEqual([])
    const after = drive([{ type: "abort-done", turnID: "u1", ok: true }], ctx(), state)
    expect(dispatches(after.effects).map((d) => [d.model, d.kind])).toEqual([[B, "replay"]])
  })
  test("the user's Escape before the request was stopped: the turn is cancelled, nothing is replayed", () => {
    const { state, effects } = drive([deferred, row("a1", "u1", A), { type: "session-error", failure: ABORTED }, idle, erroredRow("a1", "u1", A, ABORTED), idle])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "cancelled" })
    expect(dispatches(effects)).toEqual([])
  })
  test("the user's Escape before the run began (an idle and no row): cancelled, nothing is replayed", () => {
    const { state, effects } = drive([deferred, idle])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "cancelled" })
    expect(dispatches(effects)).toEqual([])
  })
  test("if the host sent the request anyway and the model answered, that answer stands", () => {
    const { state, effects } = drive([deferred, row("a1", "u1", A), row("a1", "u1", A, { completed: true, meaningful: true, finish: "stop" }), idle])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "answered" })
    expect(dispatches(effects)).toEqual([])
  })
})
