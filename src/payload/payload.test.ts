import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { anyValue, mutate } from "../../test/support/arbitraries.ts"
import { recordedEvents, recordingNames } from "../../test/support/fixtures.ts"
import { parseEmbedded, tryPython } from "./embedded-json.ts"
import { extractErrorFacts } from "./error.ts"
import { IGNORED, normaliseEvent } from "./event.ts"
import { isMeaningfulCompletion, isRealUserMessage, normaliseMessage, normaliseMessages, orderMessages } from "./message.ts"
import { modelRef, parseModelString } from "./model.ts"

describe("events", () => {
  test("v2 runtime shape with id, and the hook's {event} wrapper", () => {
    const ev = { id: "evt_1", type: "session.status", properties: { sessionID: "s1", status: { type: "retry", attempt: 2, message: "Rate Limited", next: 5 } } }
    expect(normaliseEvent(ev)).toEqual({ kind: "retry", sessionID: "s1", attempt: 2, message: "Rate Limited", next: 5, status: ev.properties.status })
    expect(normaliseEvent({ event: ev })).toEqual(normaliseEvent(ev))
  })
  test("v1 shape: the session id sits in info or part", () => {
    const m = normaliseEvent({ type: "message.updated", properties: { info: { id: "m1", sessionID: "s2", role: "assistant", providerID: "p", modelID: "x", time: { created: 1 } } } })
    expect(m?.kind === "message" && m.sessionID).toBe("s2")
    const p = normaliseEvent({ type: "message.part.updated", properties: { part: { id: "p1", sessionID: "s3", messageID: "m1", type: "tool", tool: "bash", state: { status: "running" } } } })
    expect(p?.kind === "part" && p.sessionID).toBe("s3")
  })
  test("streaming deltas and text part updates take the early exit", () => {
    expect(normaliseEvent({ type: "message.part.delta", properties: { sessionID: "s", delta: "x", field: "text" } })).toBe(IGNORED)
    expect(normaliseEvent({ type: "message.part.updated", properties: { sessionID: "s", part: { type: "text", text: "a" }, delta: "a" } })).toBe(IGNORED)
    expect(normaliseEvent({ type: "message.part.updated", properties: { part: { type: "reasoning", text: "a" } } })).toBe(IGNORED)
  })
  test("session.error without a session id is kept (the classifier still reads it)", () => {
    expect(normaliseEvent({ type: "session.error", properties: { error: { name: "UnknownError" } } })).toEqual({ kind: "error", sessionID: undefined, error: { name: "UnknownError" } })
  })
  test("every recorded real event normalises without throwing; failing turns yield their signals", () => {
    const kinds = new Set<string>()
    for (const name of recordingNames()) for (const ev of recordedEvents(name)) kinds.add(normaliseEvent({ event: ev })?.kind ?? "ignored")
    for (const k of ["busy", "idle", "error", "message", "ignored"]) expect(kinds.has(k)).toBe(true)
  })
  test("total on arbitrary input and on mutated real events (20 000 cases)", () => {
    const real = recordingNames().flatMap((n) => recordedEvents(n).slice(0, 60))
    fc.assert(fc.property(fc.oneof(anyValue, fc.constantFrom(...real).chain(mutate)), (v) => void normaliseEvent(v)), { seed: 7, numRuns: 20_000 })
  })
})

describe("messages", () => {
  const user = { info: { id: "m1", role: "user", sessionID: "s", time: { created: 10 }, agent: "build", model: { providerID: "a", modelID: "b", variant: "high" } }, parts: [{ id: "p1", type: "text", text: "hello" }] }
  const synthetic = { info: { id: "m2", role: "user", time: { created: 20 } }, parts: [{ type: "text", text: "continue", synthetic: true }] }
  const emptyDone = { info: { id: "m3", role: "assistant", providerID: "a", modelID: "b", time: { created: 30, completed: 31 }, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0 }, parts: [] }
  const answered = { info: { id: "m4", role: "assistant", providerID: "a", modelID: "c", time: { created: 40, completed: 41 }, finish: "stop", tokens: { total: 18 } }, parts: [{ type: "text", text: "hi" }] }
  test("bare array, {data} and {messages} give the same records", () => {
    const list = [user, synthetic, emptyDone, answered]
    expect(normaliseMessages({ data: list })).toEqual(normaliseMessages(list))
    expect(normaliseMessages({ messages: list })).toEqual(normaliseMessages(list))
    expect(normaliseMessages({ data: { messages: list } })).toEqual(normaliseMessages(list))
  })
  test("items with top-level info", () => {
    const m = normaliseMessage({ ...user.info, parts: user.parts })
    expect(m.id).toBe("m1")
    expect(m.parts[0]?.text).toBe("hello")
  })
  test("model as object, string, or top-level ids; variant kept separately", () => {
    expect(normaliseMessage(user).model).toEqual({ providerID: "a", modelID: "b" })
    expect(normaliseMessage(user).variant).toBe("high")
    expect(normaliseMessage({ info: { role: "user", model: "openrouter/anthropic/claude" } }).model).toEqual({ providerID: "openrouter", modelID: "anthropic/claude" })
    expect(normaliseMessage(answered).model).toEqual({ providerID: "a", modelID: "c" })
  })
  test("real vs synthetic user turns; meaningful vs empty completions", () => {
    const [u, s, e, a] = normaliseMessages([user, synthetic, emptyDone, answered])
    expect(isRealUserMessage(u!)).toBe(true)
    expect(isRealUserMessage(s!)).toBe(false)
    expect(isMeaningfulCompletion(e!)).toBe(false)
    expect(isMeaningfulCompletion(a!)).toBe(true)
    expect(isMeaningfulCompletion({ ...normaliseMessage(emptyDone), parts: [{ type: "tool", synthetic: false, ignored: false, internal: false, toolStatus: "completed" }] })).toBe(true)
  })
  test("completion from finish alone", () => {
    const m = normaliseMessage({ info: { role: "assistant", finish: "stop", tokens: { output: 3 } } })
    expect(isMeaningfulCompletion(m)).toBe(true)
  })
  test("ordering by timestamps when ids are missing", () => {
    const list = normaliseMessages([answered, { ...user, info: { ...user.info, id: undefined } }])
    expect(orderMessages(list).map((m) => m.role)).toEqual(["user", "assistant"])
  })
  test("total on arbitrary input (20 000 cases)", () => {
    fc.assert(fc.property(anyValue, (v) => void normaliseMessages(v)), { seed: 11, numRuns: 20_000 })
  })
})

describe("models", () => {
  test("strings and objects", () => {
    expect(parseModelString("openai/gpt-4o")).toEqual({ providerID: "openai", modelID: "gpt-4o" })
    expect(parseModelString("nope")).toBeUndefined()
    expect(modelRef({ providerID: "p", modelID: "m" })).toEqual({ providerID: "p", modelID: "m" })
    expect(modelRef(42)).toBeUndefined()
  })
})

describe("error shapes", () => {
  test("NamedError APIError", () => {
    const f = extractErrorFacts({ name: "APIError", data: { message: "m", statusCode: 429, isRetryable: true, responseHeaders: { "Retry-After": "3" }, responseBody: '{"error":{"code":"insufficient_quota","type":"insufficient_quota"}}' } })
    expect(f).toMatchObject({ name: "APIError", statusCode: 429, isRetryable: true, providerCode: "insufficient_quota", providerType: "insufficient_quota", headers: { "retry-after": "3" } })
  })
  test("info.error of message.updated, {data:{error}}, cause, Error instances", () => {
    expect(extractErrorFacts({ properties: { info: { error: { name: "ProviderAuthError", data: { providerID: "x", message: "bad key" } } } } }).name).toBe("ProviderAuthError")
    expect(extractErrorFacts({ data: { error: { message: "deep", code: "model_not_found" } } }).providerCode).toBe("model_not_found")
    const e = new Error("outer", { cause: { statusCode: 503, message: "inner overloaded" } })
    expect(extractErrorFacts(e)).toMatchObject({ statusCode: 503, message: "inner overloaded" })
  })
  test("host retry status", () => {
    expect(extractErrorFacts({ type: "retry", attempt: 3, message: "Provider is overloaded", next: 99 }).retry).toEqual({ attempt: 3, next: 99, actionReason: undefined })
  })
  test("JSON in strings, double-encoded, after a prefix, and Python repr", () => {
    const inner = { error: { message: "x", code: "1113" } }
    expect(parseEmbedded(JSON.stringify(inner))).toEqual(inner)
    expect(parseEmbedded(JSON.stringify(JSON.stringify(inner)))).toEqual(inner)
    expect(parseEmbedded(`Error code: 429 - ${JSON.stringify(inner)} trailing`)).toEqual(inner)
    expect(tryPython("{'error': {'message': \"We're busy\", 'ok': True, 'n': None, 'x': [1, 2.5]}}")).toEqual({ error: { message: "We're busy", ok: true, n: null, x: [1, 2.5] } })
    expect(extractErrorFacts("Error code: 413 - {'error': {'code': 'rate_limit_exceeded'}}")).toMatchObject({ statusCode: 413, providerCode: "rate_limit_exceeded" })
  })
  test("a body cut short keeps the fields before the cut", () => {
    // cut inside a string value: the string is ended, the brackets closed
    expect(parseEmbedded('{"error": {"message": "Rate limit reached", "headers": {"retry-after": "54749"}, "stack": "Error: 429\\n at x')).toEqual({
      error: { message: "Rate limit reached", headers: { "retry-after": "54749" }, stack: "Error: 429\n at x" },
    })
    // cut inside a key, or after a colon: back to the last comma
    expect(parseEmbedded('Error code: 429 - {"error": {"type": "rate_limit_error", "mess')).toEqual({ error: { type: "rate_limit_error" } })
    expect(parseEmbedded('{"error": {"code": 1113, "message":')).toEqual({ error: { code: 1113 } })
    // a cut right after an escape character, and a Python repr cut in a list
    expect(parseEmbedded('{"error": {"message": "quote \\')).toEqual({ error: { message: "quote " } })
    expect(parseEmbedded("{'error': {'code': 'insufficient_quota', 'details': [1, 2")).toEqual({ error: { code: "insufficient_quota", details: [1, 2] } })
    // nothing before the cut to keep, and text that only mentions a bracket
    expect(parseEmbedded('{"err')).toBeUndefined()
    expect(parseEmbedded("quota [see docs")).toBeUndefined()
    // a run of brackets deeper than any error body is not closed; a deep body that does close is still read
    expect(parseEmbedded("x " + "[".repeat(5000))).toBeUndefined()
    expect(parseEmbedded("x " + "[".repeat(40) + "1" + "]".repeat(40))).toBeArray()
    // the cut body is read through: its headers give the wait
    const f = extractErrorFacts({ name: "APIError", data: { statusCode: 429, message: "x", responseBody: '{"error": {"headers": {"retry-after": "54749"}, "stack": "Error: 429 error code: 1015\\n at (vc/edge/fun' } })
    expect(f.headers?.["retry-after"]).toBe("54749")
  })
  test("bracketed and prefixed status codes in text", () => {
    expect(extractErrorFacts("[503] The request queue is full").statusCode).toBe(503)
    expect(extractErrorFacts("Too Many Requests: try later").statusCode).toBe(429)
    expect(extractErrorFacts("id req_4290001 failed").statusCode).toBeUndefined()
  })
})
