// The e2e harness's fake provider, on its own: both wire formats and each scripted behaviour.
import { afterAll, beforeAll, expect, test } from "bun:test"
import { startFakeProvider, type FakeProvider } from "../e2e/harness/fake-provider.ts"

let fake: FakeProvider
beforeAll(async () => {
  fake = await startFakeProvider({ script: { "transient-x": { kind: "transient", failures: 2, retryAfterSec: 1 }, "tool-x": { kind: "tool", name: "task", args: { a: 1 }, also: [{ a: 2 }] } } })
})
afterAll(() => fake.close())

const call = (model: string, stream = false, messages: unknown[] = [{ role: "user", content: "hi" }]) =>
  fetch(`${fake.url}/chat/completions`, { method: "POST", headers: { "x-session-id": "ses_t" }, body: JSON.stringify({ model, stream, messages }) })

test("non-streamed reply", async () => {
  const r = await call("ok-model")
  expect(r.status).toBe(200)
  expect(((await r.json()) as any).choices[0].message.content).toBe("Hello from fake model ok-model.")
})

test("streamed reply: SSE chunks, a usage chunk, [DONE]", async () => {
  const text = await (await call("ok-model", true)).text()
  expect(text).toContain('"object":"chat.completion.chunk"')
  expect(text).toContain('"usage"')
  expect(text.trim().endsWith("data: [DONE]")).toBe(true)
})

test("error behaviours by prefix, each logged with a timestamp", async () => {
  const before = fake.requests.length
  expect((await call("quota-a")).status).toBe(429)
  expect((await call("credits-a")).status).toBe(402)
  expect((await call("overloaded-a")).status).toBe(503)
  const logged = fake.requests.slice(before)
  expect(logged.map((r) => `${r.model}:${r.status}`)).toEqual(["quota-a:429", "credits-a:402", "overloaded-a:503"])
  expect(logged.every((r) => typeof r.t === "number" && r.sessionID === "ses_t")).toBe(true)
})

test("transient: retry-after on the first N, then a reply", async () => {
  const a = await call("transient-x")
  expect([a.status, a.headers.get("retry-after")]).toEqual([429, "1"])
  expect((await call("transient-x")).status).toBe(429)
  expect((await call("transient-x")).status).toBe(200)
})

test("mid-stream error object, and several tool calls then a text over the tool results", async () => {
  expect(await (await call("midstream-a", true)).text()).toContain('"error":{"message":"Insufficient credits (mid-stream)"')
  const tools: any = await (await call("tool-x")).json()
  expect(tools.choices[0].message.tool_calls.map((c: any) => JSON.parse(c.function.arguments).a)).toEqual([1, 2])
  const after: any = await (await call("tool-x", false, [{ role: "user", content: "hi" }, { role: "assistant", content: null }, { role: "tool", content: "r1" }, { role: "tool", content: "r2" }])).json()
  expect(after.choices[0].message.content).toBe("Tool finished. Tool result was: r1 || r2")
})

test("waitForRequest resolves on a matching request", async () => {
  const p = fake.waitForRequest((r) => r.model === "late-model")
  await call("late-model")
  expect((await p).model).toBe("late-model")
})

/** Reads a stream until `enough` says so, then aborts the request (the client giving up on a stall). */
async function readUntil(model: string, enough: (text: string) => boolean) {
  const ac = new AbortController()
  const r = await fetch(`${fake.url}/chat/completions`, { method: "POST", signal: ac.signal, body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] }) })
  const reader = r.body!.getReader()
  let text = ""
  const dec = new TextDecoder()
  while (!enough(text)) {
    const { value, done } = await reader.read()
    if (done) break
    text += dec.decode(value)
  }
  return { r, text, abort: () => ac.abort() }
}

test("stall: a few words of the answer, then the connection held open without [DONE] until the client leaves", async () => {
  const { r, text, abort } = await readUntil("stall-x", (t) => (t.match(/"content":"[^"]+"/g) ?? []).length >= 4)
  expect(r.status).toBe(200)
  expect(text).not.toContain("[DONE]")
  abort()
})

test("hang: 200 and event-stream headers, then nothing; the request is logged", async () => {
  const ac = new AbortController()
  const r = await fetch(`${fake.url}/chat/completions`, { method: "POST", signal: ac.signal, body: JSON.stringify({ model: "hang-x", stream: true, messages: [] }) })
  expect(r.status).toBe(200)
  expect(r.headers.get("content-type")).toBe("text/event-stream")
  expect(fake.requests.at(-1)?.model).toBe("hang-x")
  ac.abort()
})
