// Issue 2 in the real host: the plugin loads as a local path plugin, leaves a healthy turn alone, sees the
// events of failing turns, and survives a broken config file with a readable error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { PLUGIN_CONFIG_PATH, assistantReplies, pluginCalls, replyText, runTurn, startWorld, stopWorld, toasts, traceOf, visibleUserMessages, type World } from "./harness/scenario.ts"

describe("loaded as a local path plugin", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({ label: "foundation", models: ["credits-model", "transient-model"], script: { "transient-model": { kind: "transient", failures: 1, retryAfterSec: 1 } } })
  })
  afterAll(() => stopWorld(w))

  test("the host loads it without complaint", async () => {
    const sid = await w.host.createSession("load")
    await runTurn(w, sid, "hello", "fake/ok-model")
    expect(w.host.log()).not.toContain("failed to load plugin")
    expect(w.host.log()).not.toContain("Plugin export is not a function")
    // active: it saw this session's events
    expect(traceOf(w.host, sid).some((r) => r.event === "busy")).toBe(true)
  })

  test("a normal turn passes through untouched: one request, one reply, no plugin host calls", async () => {
    const sid = await w.host.createSession("happy")
    const before = w.fake.requests.length
    const since = Date.now()
    const msgs = await runTurn(w, sid, "say hello", "fake/ok-model")
    const reqs = w.fake.requests.slice(before).filter((r) => r.model !== "title-model")
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["ok-model:200"])
    expect(reqs[0]!.userTexts).toEqual(["say hello"])
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    expect(assistantReplies(msgs)).toHaveLength(1)
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model ok-model.")
    expect(pluginCalls(w.host, sid, since)).toEqual([])
  })

  test("it receives session.status (retry), session.error and message.updated of failing turns", async () => {
    const retrying = await w.host.createSession("retrying")
    await runTurn(w, retrying, "hi", "fake/transient-model")
    const failing = await w.host.createSession("failing")
    await runTurn(w, failing, "hi", "fake/credits-model")
    const t1 = traceOf(w.host, retrying)
    expect(t1.some((r) => r.event === "retry")).toBe(true)
    expect(t1.some((r) => r.input === "retry-status" && r.code === "rate_limited")).toBe(true)
    const t2 = traceOf(w.host, failing)
    expect(t2.some((r) => r.event === "error")).toBe(true)
    expect(t2.some((r) => r.event === "message")).toBe(true)
    expect(t2.some((r) => r.input === "session-error" && r.code === "payment_required")).toBe(true)
    expect(t2.some((r) => r.input === "assistant" && r.source === "message" && r.code === "payment_required" && r.model === "fake/credits-model")).toBe(true)
  })
})

describe("a broken config file", () => {
  for (const [name, content, expected] of [
    ["bad JSONC", '{ "chains": { "default": ["fake/backup-model", } ', /JSONC syntax error at line 1/],
    ["a wrong type", '// comments are fine\n{ "chains": { "default": "fake/backup-model" }, "retry": { "maxHostAttempts": "two" }, }', /chains\.default: .*expected array/],
  ] as const) {
    test(`${name}: the host keeps answering, the plugin is inactive, and the error names the file`, async () => {
      let w: World | undefined
      try {
        w = await startWorld({ label: "badconfig", config: content, models: ["credits-model"] })
        const file = join(w.host.sandbox, PLUGIN_CONFIG_PATH)
        const sid = await w.host.createSession("bad config")
        const msgs = await runTurn(w, sid, "hello", "fake/ok-model")
        expect(assistantReplies(msgs)).toHaveLength(1)
        const line = w.host.log().split("\n").find((l) => l.includes("runtime-fallback: invalid config"))
        expect(line).toBeDefined()
        expect(line!).toContain(file)
        expect(line!).toMatch(expected)
        expect(w.host.log()).not.toContain("failed to load plugin")
        const shown = toasts(w.host).filter((t) => t.variant === "error" && t.message.includes(file))
        expect(shown.length).toBeGreaterThanOrEqual(1)
        // inactive: a failing turn gets no fallback from it
        const failing = await w.host.createSession("inactive")
        await runTurn(w, failing, "hello", "fake/credits-model")
        expect(w.fake.requests.filter((r) => r.model === "backup-model")).toHaveLength(0)
      } finally {
        await stopWorld(w)
      }
    })
  }
})
