import { describe, expect, test } from "bun:test"
import type { SessionEvent } from "../payload/event.ts"
import { createManualClock } from "../host/clock.ts"
import { createLogger } from "../host/logger.ts"
import { createDelegation, emptyTaskResult, formatTaskOutput, type ChildStatus } from "./delegation.ts"

const CHILD = "ses_child"
const PARENT = "ses_parent"
const flush = async () => {
  for (let i = 0; i < 30; i++) await Promise.resolve()
}

function setup(o: { childMessages: () => unknown[]; status: () => ChildStatus | undefined; emptyResultMayBeFailure?: boolean }) {
  const clock = createManualClock(10_000)
  const listeners = new Map<string, Set<(e: SessionEvent) => void>>()
  const stored: any[] = []
  const delegation = createDelegation({
    client: { session: { messages: async () => ({ data: o.childMessages() }) } } as any,
    clock,
    logger: createLogger({ client: {} }),
    timeoutMs: 60_000,
    childStatus: () => o.status(),
    subscribe(id, l) {
      if (!listeners.has(id)) listeners.set(id, new Set())
      listeners.get(id)!.add(l)
      return () => listeners.get(id)!.delete(l)
    },
    updatePart: async (part) => (stored.push(part), true),
    emptyResultMayBeFailure: o.emptyResultMayBeFailure,
  })
  const emit = (e: SessionEvent) => [...(listeners.get(e.sessionID ?? "") ?? [])].forEach((l) => l(e))
  return { clock, delegation, emit, stored, listeners }
}

const parentRequest = () => [
  { info: { id: "msg_u", sessionID: PARENT, role: "user" }, parts: [{ type: "text", text: "delegate" }] },
  {
    info: { id: "msg_a", sessionID: PARENT, role: "assistant" },
    parts: [{ id: "prt_task", sessionID: PARENT, messageID: "msg_a", type: "tool", tool: "task", callID: "c1", state: { status: "error", input: { description: "d" }, error: "Task cancelled", metadata: { sessionId: CHILD }, time: { start: 1, end: 2 } } }],
  },
]
const answered = [
  { info: { id: "u", role: "user", time: { created: 1 } }, parts: [{ type: "text", text: "go" }] },
  { info: { id: "a", role: "assistant", providerID: "p", modelID: "backup", time: { created: 2, completed: 3 }, finish: "stop", tokens: { output: 3 } }, parts: [{ type: "text", text: "child answer" }] },
]
const tried = [{ model: { providerID: "p", modelID: "quota" }, code: "quota_exhausted" as const }]

describe("delivering a child's result to its parent", () => {
  test("hosts that show a failed child as a completed, empty task part (opencode ≤ 1.18.19): that part gets the answer too", async () => {
    expect(emptyTaskResult({ status: "completed", output: `<task id="x" state="completed">\n<task_result>\n\n</task_result>\n</task>` })).toBe(true)
    expect(emptyTaskResult({ status: "completed", output: formatTaskOutput("x", "an answer") })).toBe(false)
    expect(emptyTaskResult({ status: "error", output: "" })).toBe(false)
    const emptyPart = () => {
      const msgs = parentRequest() as any[]
      msgs[1].parts[0].state = { status: "completed", input: { description: "d" }, output: `<task_result>\n</task_result>`, metadata: { sessionId: CHILD }, time: { start: 1, end: 2 } }
      return msgs
    }
    const off = setup({ childMessages: () => answered, status: () => ({ recovering: false, tried, since: 0 }) })
    const left = emptyPart()
    await off.delegation.transform(left, true, PARENT)
    expect(left[1].parts[0].state.output).toBe(`<task_result>\n</task_result>`) // a host where empty means empty
    const on = setup({ childMessages: () => answered, status: () => ({ recovering: false, tried, since: 0 }), emptyResultMayBeFailure: true })
    const fixed = emptyPart()
    await on.delegation.transform(fixed, true, PARENT)
    expect(fixed[1].parts[0].state.output).toBe(formatTaskOutput(CHILD, "child answer"))
  })

  test("the errored task part becomes a completed one carrying the fallback's answer, and is stored", async () => {
    let recovering = true
    const s = setup({ childMessages: () => (recovering ? answered.slice(0, 1) : answered), status: () => ({ recovering, tried, since: 0 }) })
    const msgs = parentRequest()
    const done = s.delegation.transform(msgs, true, PARENT)
    await flush()
    recovering = false
    s.emit({ kind: "idle", sessionID: CHILD, via: "status" })
    await done
    const part = msgs[1]!.parts[0] as any
    expect(part.state.status).toBe("completed")
    expect(part.state.output).toBe(formatTaskOutput(CHILD, "child answer"))
    expect(s.stored).toHaveLength(1)
    expect(s.stored[0].state.error).toBeUndefined()
    // a later request re-reads the stored part; the remembered rewrite applies without waiting
    const again = parentRequest()
    await s.delegation.transform(again, false, PARENT)
    expect((again[1]!.parts[0] as any).state.status).toBe("completed")
  })

  test("a child that failed for good: one clear error naming the models tried", async () => {
    const failed = [answered[0], { info: { id: "a", role: "assistant", providerID: "p", modelID: "backup", time: { created: 2, completed: 3 }, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } }, parts: [] }]
    const s = setup({ childMessages: () => failed, status: () => ({ recovering: false, outcome: "exhausted", tried: [...tried, { model: { providerID: "p", modelID: "backup" }, code: "payment_required", statusCode: 402 }] }) })
    const msgs = parentRequest()
    await s.delegation.transform(msgs, true, PARENT)
    const part = msgs[1]!.parts[0] as any
    expect(part.state.status).toBe("error")
    expect(part.state.error).toBe(`Subagent failed (task_id: ${CHILD}): no model could answer. Tried: p/quota (quota exhausted), p/backup (out of credits 402). Last error: Insufficient credits`)
  })

  test("the user aborting the parent ends the wait at once and leaves the part alone", async () => {
    const s = setup({ childMessages: () => answered.slice(0, 1), status: () => ({ recovering: true, tried }) })
    const msgs = parentRequest()
    let finished = false
    const done = s.delegation.transform(msgs, true, PARENT).then(() => (finished = true))
    await flush()
    expect(finished).toBe(false)
    s.emit({ kind: "error", sessionID: PARENT, error: { name: "MessageAbortedError" } })
    await done
    expect((msgs[1]!.parts[0] as any).state.error).toBe("Task cancelled")
    expect(s.listeners.get(PARENT)?.size ?? 0).toBe(0)
  })

  test("a task the plugin had nothing to do with is not touched, and costs no read", async () => {
    let reads = 0
    const s = setup({ childMessages: () => (reads++, []), status: () => undefined })
    const msgs = parentRequest()
    await s.delegation.transform(msgs, true, PARENT)
    expect((msgs[1]!.parts[0] as any).state.error).toBe("Task cancelled")
    expect(reads).toBe(0)
  })
})
