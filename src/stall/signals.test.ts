import { describe, expect, test } from "bun:test"
import { streamSignal } from "./signals.ts"

const part = (p: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: "message.part.updated", properties: { part: { sessionID: "s", ...p }, ...extra } })

describe("stream signals from raw host events", () => {
  test("tokens: a delta, a text or reasoning part with text, and the older hosts' delta on the part update", () => {
    expect(streamSignal({ type: "message.part.delta", properties: { sessionID: "s", delta: "Hel", field: "text" } })).toEqual({ kind: "activity", sessionID: "s" })
    expect(streamSignal(part({ type: "reasoning", text: "thinking" }))).toEqual({ kind: "activity", sessionID: "s" })
    expect(streamSignal(part({ type: "text", text: "" }, { delta: "x" }))).toEqual({ kind: "activity", sessionID: "s" })
  })
  test("not tokens: an empty delta or an empty text part (the host opens one before the first token), a step start", () => {
    expect(streamSignal({ type: "message.part.delta", properties: { sessionID: "s", delta: "" } })).toBeUndefined()
    expect(streamSignal(part({ type: "text", text: "" }))).toBeUndefined()
    expect(streamSignal(part({ type: "step-start" }))).toBeUndefined()
  })
  test("the model handed over: a tool call streaming its input or running, a finished step, the host's retry wait", () => {
    expect(streamSignal(part({ type: "tool", state: { status: "pending" } }))?.kind).toBe("pause")
    expect(streamSignal(part({ type: "tool", state: { status: "running" } }))?.kind).toBe("pause")
    expect(streamSignal(part({ type: "tool", state: { status: "completed" } }))).toBeUndefined()
    expect(streamSignal(part({ type: "step-finish" }))?.kind).toBe("pause")
    expect(streamSignal({ type: "session.status", properties: { sessionID: "s", status: { type: "retry", attempt: 1 } } })?.kind).toBe("pause")
  })
  test("the run ended: idle (both forms), a deleted session", () => {
    expect(streamSignal({ type: "session.status", properties: { sessionID: "s", status: { type: "idle" } } })).toEqual({ kind: "stop", sessionID: "s" })
    expect(streamSignal({ type: "session.idle", properties: { sessionID: "s" } })).toEqual({ kind: "stop", sessionID: "s" })
    expect(streamSignal({ type: "session.deleted", properties: { info: { id: "s" } } })).toEqual({ kind: "stop", sessionID: "s" })
    expect(streamSignal({ type: "session.status", properties: { sessionID: "s", status: { type: "busy" } } })).toBeUndefined()
  })
  test("hostile or foreign input is ignored", () => {
    for (const bad of [undefined, null, 1, "x", {}, { type: 3 }, { type: "message.part.delta" }, { type: "message.part.updated", properties: { part: null } }, { type: "session.idle", properties: { sessionID: 5 } }])
      expect(streamSignal(bad)).toBeUndefined()
  })
})
