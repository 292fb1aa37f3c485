// Stall rescue in the session machine: a silent request is aborted and the turn moves on by the same rules as
// a failure (stall/ decides when a request is silent; this decides what then happens).
import { describe, expect, test } from "bun:test"
import type { Input } from "./session.ts"
import { turnByID } from "./session.ts"
import { A, B, ABORTED, accepted, ctx, dispatches, drive, erroredRow, idle, notices, phase, row, user } from "./session-kit.ts"

const firstToken = (waitedMs = 60_000): Input => ({ type: "stalled", window: "first-token", waitedMs, limitMs: 60_000 })
const idleStall: Input = { type: "stalled", window: "idle", waitedMs: 60_000, limitMs: 60_000 }
const abortDone = (turnID = "u1"): Input => ({ type: "abort-done", turnID, ok: true })
/** The host's echo of our abort: the aborted row (MessageAbortedError), then idle. */
const echo = (rowID = "a1", model = A): Input[] => [erroredRow(rowID, "u1", model, ABORTED), idle]

describe("a stalled request", () => {
  test("no first token: aborted, then the turn is replayed on the next model; the stall is recorded, not a cooldown", () => {
    const { state, effects, types } = drive([user(), row("a1", "u1", A), firstToken()])
    expect(types).toEqual(["transient", "abort", "set-timer"])
    expect(phase(state)).toBe("ending")
    const after = drive([abortDone(), ...echo()], ctx(), state)
    expect(dispatches(after.effects)).toEqual([{ type: "dispatch", turnID: "u1", seq: 1, kind: "replay", model: B, agent: undefined }])
    const t = turnByID(after.state, "u1")!
    expect(t.tried.map((x) => [x.model, x.code])).toEqual([[A, "stalled"]])
    expect(phase(after.state)).toBe("verifying") // the echo of our own abort is not the user's
    expect([...effects, ...after.effects].some((e) => e.type === "cooldown")).toBe(false)
  })

  test("stopped mid-answer: the partial row stays out of the next model's request and leaves once the fallback answered", () => {
    const { state } = drive([user(), row("a1", "u1", A), { type: "output", messageID: "a1", tool: false }, idleStall, abortDone(), ...echo(), accepted(), row("b1", "u1", B), row("b1", "u1", B, { completed: true, meaningful: true, finish: "stop" }), idle])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "answered" })
    expect(turnByID(state, "u1")?.failedRows).toEqual(["a1"])
  })

  test("after tool calls: a hidden continue instead of a replay", () => {
    const { effects } = drive([user(), row("a1", "u1", A), { type: "output", messageID: "a1", tool: true }, idleStall, abortDone()])
    expect(dispatches(effects)[0]?.kind).toBe("continue")
  })

  test("no other model in the chain: the same model once more, then a second stall exhausts the turn", () => {
    const c = ctx({ config: { chains: { default: [] } } })
    const first = drive([user(), row("a1", "u1", A), firstToken(), abortDone(), ...echo()], c)
    expect(phase(first.state)).toBe("backoff")
    const retried = drive([{ type: "timer", name: "backoff", turnID: "u1" }, accepted(), row("a2", "u1", A)], c, first.state)
    expect(dispatches(retried.effects).map((d) => [d.model, d.kind])).toEqual([[A, "retry"]])
    const second = drive([firstToken(), abortDone()], c, retried.state)
    expect(turnByID(second.state, "u1")?.phase).toEqual({ name: "settled", outcome: "exhausted" })
    expect(notices(second.effects).map((n) => n.type)).toEqual(["exhausted"])
  })

  test("retrySameModel: the same model once more first, then the next model", () => {
    const c = ctx({ config: { chains: { default: ["q/b"] }, stall: { retrySameModel: true } } })
    const first = drive([user(), row("a1", "u1", A), firstToken(), abortDone(), ...echo(), { type: "timer", name: "backoff", turnID: "u1" }, accepted(), row("a2", "u1", A), firstToken(), abortDone()], c)
    expect(dispatches(first.effects).map((d) => [d.model, d.kind])).toEqual([
      [A, "retry"],
      [B, "replay"],
    ])
  })

  test("a stall report for a turn that is not running (ending, verifying, settled, none) changes nothing", () => {
    expect(drive([firstToken()]).effects).toEqual([])
    const ending = drive([user(), row("a1", "u1", A), firstToken()])
    expect(drive([firstToken()], ctx(), ending.state).effects).toEqual([])
    const settled = drive([user(), row("a1", "u1", A), row("a1", "u1", A, { completed: true, meaningful: true, finish: "stop" })])
    expect(drive([idleStall], ctx(), settled.state).effects).toEqual([])
  })
})
