// Each watcher rule, with a manual clock and a fake messages client.
import { describe, expect, test } from "bun:test"
import { createManualClock } from "../host/clock.ts"
import type { SessionEvent } from "../payload/event.ts"
import { normaliseMessages } from "../payload/message.ts"
import { evaluateSessionResult, waitForSessionResult } from "./watcher.ts"

const user = (id: string | undefined, created: number) => ({ info: { id, role: "user", time: { created } }, parts: [{ type: "text", text: "hi" }] })
const assistant = (id: string | undefined, created: number, extra: Record<string, unknown> = {}, parts: unknown[] = []) => ({
  info: { id, role: "assistant", providerID: "p", modelID: "m", time: { created, ...(extra.completed ? { completed: extra.completed } : {}) }, tokens: { input: 0, output: 0 }, cost: 0, ...extra },
  parts,
})
const answer = (id: string | undefined, created: number, text = "the answer") => assistant(id, created, { completed: created + 1, finish: "stop", tokens: { input: 5, output: 3 } }, [{ type: "text", text }])
const failed = (id: string, created: number) => assistant(id, created, { completed: created + 1, error: { name: "APIError", data: { statusCode: 402, message: "Insufficient credits" } } })
const emptyRow = (id: string, created: number) => assistant(id, created, { completed: created + 1 })

const evaluate = (list: unknown[], o: { fallbackPending?: boolean; since?: number } = {}) => evaluateSessionResult(normaliseMessages(list), o)

describe("evaluateSessionResult", () => {
  test("completion needs time.completed and a meaningful payload", () => {
    expect(evaluate([user("u", 1), assistant("a", 2)])).toBeUndefined() // still running
    expect(evaluate([user("u", 1), answer("a", 2)])).toMatchObject({ status: "completed", text: "the answer", messageID: "a" })
  })
  test("an empty completion row is not an answer: keep waiting", () => {
    expect(evaluate([user("u", 1), emptyRow("a", 2)])).toBeUndefined()
  })
  test("a step that finished with tool calls is not the end", () => {
    expect(evaluate([user("u", 1), assistant("a", 2, { completed: 3, finish: "tool-calls", tokens: { output: 4 } })])).toBeUndefined()
  })
  test("while a fallback is pending an error row is not final; afterwards it is, classified", () => {
    const list = [user("u", 1), failed("a", 2)]
    expect(evaluate(list, { fallbackPending: true })).toBeUndefined()
    const r = evaluate(list)
    expect(r).toMatchObject({ status: "failed", messageID: "a" })
    expect(r?.status === "failed" && r.failure.code).toBe("payment_required")
  })
  test("the fallback's answer after the failed row wins", () => {
    expect(evaluate([user("u", 1), failed("a", 2), emptyRow("b", 3), answer("c", 4, "recovered")])).toMatchObject({ status: "completed", text: "recovered" })
  })
  test("turns are ordered by timestamps when ids are missing", () => {
    // the host returned them out of order and without ids
    expect(evaluate([answer(undefined, 40, "late"), user(undefined, 1), failed("x", 20)])).toMatchObject({ status: "completed", text: "late" })
  })
  test("rows before `since` belong to earlier turns", () => {
    expect(evaluate([user("u", 1), answer("old", 2)], { since: 10 })).toBeUndefined()
  })
  test("object-shaped payloads: {data: {messages}} and top-level info", () => {
    expect(evaluateSessionResult(normaliseMessages({ data: { messages: [user("u", 1), answer("a", 2)] } }))).toMatchObject({ status: "completed" })
    expect(evaluateSessionResult(normaliseMessages([{ ...answer("a", 2).info, parts: answer("a", 2).parts }]))).toMatchObject({ status: "completed" })
  })
})

describe("waitForSessionResult", () => {
  function setup(initial: unknown[]) {
    const clock = createManualClock(1000)
    let list = initial
    let reads = 0
    const listeners = new Set<(e: SessionEvent) => void>()
    const client = { session: { messages: async () => (reads++, { data: list }) } }
    return {
      clock,
      client,
      reads: () => reads,
      set: (l: unknown[]) => (list = l),
      emit: (e: SessionEvent) => listeners.forEach((l) => l(e)),
      subscribe: (l: (e: SessionEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
      listeners,
    }
  }
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve()
  }

  test("driven by events: resolves on the completion event without waiting for a poll", async () => {
    const s = setup([user("u", 1), failed("a", 2)])
    let pending = true
    const p = waitForSessionResult(s.client, "c", { timeoutMs: 60_000, pollMs: 30_000, clock: s.clock, subscribe: s.subscribe, fallbackPending: () => pending })
    await flush()
    s.set([user("u", 1), failed("a", 2), answer("b", 3, "from the fallback")])
    pending = false
    s.emit({ kind: "idle", sessionID: "c", via: "status" })
    await flush()
    expect(await p).toMatchObject({ status: "completed", text: "from the fallback" })
    expect(s.listeners.size).toBe(0) // unsubscribed
  })

  test("keeps waiting across empty rows and retry statuses; a bounded poll is the safety net when events stop", async () => {
    const s = setup([user("u", 1), emptyRow("a", 2)])
    const p = waitForSessionResult(s.client, "c", { timeoutMs: 60_000, pollMs: 2_000, clock: s.clock, subscribe: s.subscribe })
    let result: unknown
    p.then((r) => (result = r))
    await flush()
    s.emit({ kind: "retry", sessionID: "c", attempt: 1, message: "Rate limited", status: {} })
    await flush()
    expect(result).toBeUndefined()
    s.set([user("u", 1), emptyRow("a", 2), answer("b", 3)])
    // no event arrives; the poll finds it
    s.clock.advance(2_000)
    await flush()
    expect(result).toMatchObject({ status: "completed" })
  })

  test("times out when the child never finishes", async () => {
    const s = setup([user("u", 1), assistant("a", 2)])
    const p = waitForSessionResult(s.client, "c", { timeoutMs: 10_000, pollMs: 1_000, clock: s.clock })
    for (let i = 0; i < 11; i++) {
      s.clock.advance(1_000)
      await flush()
    }
    expect(await p).toEqual({ status: "timeout" })
    const reads = s.reads()
    s.clock.advance(5_000)
    await flush()
    expect(s.reads()).toBe(reads) // no polling after the end
  })

  test("an abort signal cancels the wait", async () => {
    const s = setup([user("u", 1), assistant("a", 2)])
    const ac = new AbortController()
    const p = waitForSessionResult(s.client, "c", { timeoutMs: 10_000, clock: s.clock, signal: ac.signal })
    ac.abort()
    expect(await p).toEqual({ status: "cancelled" })
  })

  test("a failing read is retried by the next poll", async () => {
    const s = setup([user("u", 1), answer("a", 2)])
    let fail = true
    const client = { session: { messages: async () => (fail ? Promise.reject(new Error("down")) : { data: [user("u", 1), answer("a", 2)] }) } }
    const p = waitForSessionResult(client, "c", { timeoutMs: 10_000, pollMs: 500, clock: s.clock })
    await flush()
    fail = false
    s.clock.advance(500)
    await flush()
    expect(await p).toMatchObject({ status: "completed" })
  })
})
