// Issue 5 in the real host: every failed turn is recovered once, on the right model, without duplicates.
// Model ids are unique per test (the fake picks behaviour by prefix) because cooldowns are shared.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { RequestRecord } from "./harness/fake-provider.ts"
import {
  assistantReplies,
  duplicatesIn,
  pluginCalls,
  replyText,
  runTurn,
  startWorld,
  stopWorld,
  toasts,
  visibleUserMessages,
  type World,
} from "./harness/scenario.ts"

const CONFIG = {
  chains: {
    default: ["fake/backup-model"],
    models: { "fake/quota-x-model": ["fake/credits-x-model"] },
  },
  // Every fake model shares one provider id; these tests are about moves between models, so a 402 cools the
  // model, not the whole (fake) account (provider scope: health.test.ts).
  cooldown: { scope: { payment_required: "model" } },
}

const MODELS = [
  "quota-q1-model",
  "credits-c1-model",
  "transient-t1-model",
  "quota-x-model",
  "credits-x-model",
  "slow-a1-model",
  "transient-a2-model",
  "quota-s1-model",
  "midstream-m1-model",
  "flaky-f1-model",
]

const latencies: Record<string, number> = {}

function firstFailure(reqs: RequestRecord[], model: string) {
  return reqs.find((r) => r.model === model && r.status >= 400) ?? reqs.find((r) => r.model === model)
}

describe("runtime fallback in the real host", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "fallback",
      config: CONFIG,
      models: MODELS,
      script: {
        "transient-t1-model": { kind: "transient", failures: 2, retryAfterSec: 1 },
        "slow-a1-model": { kind: "slow", words: 60, intervalMs: 100 },
        "transient-a2-model": { kind: "transient", failures: 50, retryAfterSec: 5 },
        // a stream cut the host does not retry (its retry rules do not match this text), then a reply
        "flaky-f1-model": { kind: "sequence", steps: [{ kind: "midstream", text: "Partial", error: { message: "stream disconnected before completion: error decoding response body", type: "stream_error" } }, { kind: "reply" }] },
      },
    })
  })
  afterAll(async () => {
    console.log(`first failing response → fallback request: ${JSON.stringify(latencies)}`)
    await stopWorld(w)
  })

  test("429 insufficient_quota: answered by the fallback, at most one request to the exhausted model after the first signal", async () => {
    const sid = await w.host.createSession("quota")
    const msgs = await runTurn(w, sid, "what is 2+2?", "fake/quota-q1-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    const quota = reqs.filter((r) => r.model === "quota-q1-model")
    expect(quota.length).toBeLessThanOrEqual(2)
    const backup = reqs.filter((r) => r.model === "backup-model")
    expect(backup).toHaveLength(1)
    expect(backup[0]!.userTexts).toEqual(["what is 2+2?"]) // the user's text once, no partial output
    expect(backup[0]!.assistantTexts).toEqual([])
    latencies.quota429 = backup[0]!.t - firstFailure(reqs, "quota-q1-model")!.t
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
    expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    const notice = toasts(w.host).find((t) => t.message.startsWith("quota exhausted on fake/quota-q1-model · switched to fake/backup-model"))
    expect(notice?.variant).toBe("warning")
    expect(notice?.message).toMatch(/back in \d+m/)
  })

  test("402 insufficient credits: answered by the fallback", async () => {
    const sid = await w.host.createSession("credits")
    const msgs = await runTurn(w, sid, "hello", "fake/credits-c1-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["credits-c1-model:402", "backup-model:200"])
    latencies.credits402 = reqs[1]!.t - reqs[0]!.t
    expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    // the user's message keeps the model they chose, and so does the session once the rescue is over
    expect(visibleUserMessages(msgs)[0]!.info.model.modelID).toBe("credits-c1-model")
    const session = await w.host.client.session.get({ path: { id: sid } })
    expect((session.data as any)?.model?.id).toBe("credits-c1-model")
  })

  test("a transient 429 that clears after two tries stays on the primary", async () => {
    const sid = await w.host.createSession("transient")
    const msgs = await runTurn(w, sid, "hello", "fake/transient-t1-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["transient-t1-model:429", "transient-t1-model:429", "transient-t1-model:200"])
    expect(replyText(assistantReplies(msgs)[0])).toContain("transient-t1-model")
    expect(pluginCalls(w.host, sid)).toEqual([])
  })

  test("chain exhausted: bounded requests, one visible notice, and no request follows", async () => {
    const sid = await w.host.createSession("exhausted")
    const msgs = await runTurn(w, sid, "hello", "fake/quota-x-model")
    // let the host settle with a healthy turn elsewhere before counting
    await runTurn(w, await w.host.createSession("after"), "hello", "fake/ok-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.filter((r) => r.model === "quota-x-model").length).toBeLessThanOrEqual(2)
    expect(reqs.filter((r) => r.model === "credits-x-model")).toHaveLength(1)
    expect(reqs).toHaveLength(reqs.filter((r) => r.model === "quota-x-model").length + 1)
    const notices = toasts(w.host).filter((t) => t.variant === "error" && t.message.includes("fake/quota-x-model"))
    expect(notices).toHaveLength(1)
    expect(notices[0]!.message).toBe("No model could answer. Tried: fake/quota-x-model (quota exhausted), fake/credits-x-model (out of credits 402).")
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    const last = reqs[reqs.length - 1]!
    const noticeAt = w.host.events.find((e) => e.type === "tui.toast.show" && e.properties.message === notices[0]!.message)!.t
    expect(last.t).toBeLessThanOrEqual(noticeAt)
  })

  test("a user abort while streaming: no fallback request follows", async () => {
    const sid = await w.host.createSession("abort-stream")
    await w.host.prompt(sid, "tell a long story", "fake/slow-a1-model")
    await w.host.waitForEvent((e) => e.type === "message.part.delta" && e.properties?.sessionID === sid, 30_000, "first delta")
    await w.host.client.session.abort({ path: { id: sid } })
    await w.host.waitForIdle(sid, 30_000).catch(() => undefined)
    await runTurn(w, await w.host.createSession("after"), "hello", "fake/ok-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.map((r) => r.model)).toEqual(["slow-a1-model"])
    expect(pluginCalls(w.host, sid).filter((c) => c.startsWith("session."))).toEqual([])
  })

  test("a user abort during the host's retry wait: no fallback request follows", async () => {
    const sid = await w.host.createSession("abort-retry")
    await w.host.prompt(sid, "hello", "fake/transient-a2-model")
    await w.host.waitForEvent((e) => e.type === "session.status" && e.properties?.sessionID === sid && e.properties?.status?.type === "retry", 30_000, "retry status")
    await w.host.client.session.abort({ path: { id: sid } })
    await w.host.waitForEvent((e) => e.type === "session.idle" && e.properties?.sessionID === sid, 30_000, "idle after abort")
    await runTurn(w, await w.host.createSession("after"), "hello", "fake/ok-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.map((r) => r.model)).toEqual(["transient-a2-model"])
    expect(pluginCalls(w.host, sid).filter((c) => c.startsWith("session."))).toEqual([])
  })

  test("shared cooldown: a second session sends zero requests to the exhausted model", async () => {
    const first = await w.host.createSession("cooldown-1")
    await runTurn(w, first, "hello", "fake/quota-s1-model")
    const second = await w.host.createSession("cooldown-2")
    const msgs = await runTurn(w, second, "hello again", "fake/quota-s1-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === second)
    expect(reqs.map((r) => `${r.model}:${r.status}`)).toEqual(["backup-model:200"])
    expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    expect(toasts(w.host).some((t) => t.variant === "info" && t.message.startsWith("fake/quota-s1-model is cooling down (quota exhausted, back in"))).toBe(true)
    // and the state file holds it, private to the user
    const file = join(w.host.sandbox, "state", "opencode", "runtime-fallback", "model-health.json")
    const saved = JSON.parse(readFileSync(file, "utf8"))
    expect(saved.entries.map((e: { model: string }) => e.model)).toContain("fake/quota-s1-model")
  })

  test("mid-stream error: the answer comes from the fallback, with one visible user message and no partial output sent", async () => {
    const sid = await w.host.createSession("midstream")
    const msgs = await runTurn(w, sid, "explain", "fake/midstream-m1-model")
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    const backup = reqs.filter((r) => r.model === "backup-model")
    expect(backup).toHaveLength(1)
    expect(backup[0]!.userTexts).toEqual(["explain"])
    expect(backup[0]!.assistantTexts).toEqual([])
    latencies.midstream = backup[0]!.t - reqs[0]!.t
    expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
  })

  test("a transient error the host does not retry: the plugin's own bounded retry on the same model", async () => {
    const sid = await w.host.createSession("own retry")
    await w.host.prompt(sid, "hello", "fake/flaky-f1-model")
    // the retry comes after the plugin's backoff (about 2 s), once the failed turn is already idle
    await w.fake.waitForRequest((r) => r.sessionID === sid && r.behaviour === "reply", 30_000)
    await w.host.waitForIdle(sid, 30_000)
    const msgs = await w.host.messages(sid)
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.map((r) => r.model)).toEqual(["flaky-f1-model", "flaky-f1-model"])
    expect(reqs[1]!.userTexts).toEqual(["hello"])
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model flaky-f1-model.")
    expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    const retry = w.host.trace().find((r) => r.session === sid && r.source && r.code === "network")
    expect(retry?.action).toBe("retry")
  })

  test("happy path after all that: zero host API calls by the plugin", async () => {
    const sid = await w.host.createSession("happy")
    const since = Date.now()
    const msgs = await runTurn(w, sid, "hello", "fake/ok-model")
    expect(assistantReplies(msgs)).toHaveLength(1)
    expect(pluginCalls(w.host, sid, since)).toEqual([])
  })

  test("no duplicates anywhere in this host: one visible user message and at most one reply per prompt", async () => {
    const list = await w.host.client.session.list()
    for (const s of (list.data ?? []) as Array<{ id: string }>) {
      const msgs = await w.host.messages(s.id)
      const prompts = visibleUserMessages(msgs).length
      expect(prompts).toBeLessThanOrEqual(1)
      expect(assistantReplies(msgs).length).toBeLessThanOrEqual(prompts)
    }
  })
})

describe("cooldown across restarts and expiry", () => {
  test("after a host restart the cooldown still applies; once it expires the primary is used again", async () => {
    // Far longer than any restart, even on a loaded machine; its end is brought forward in the state file
    // below (the expiry itself is a clock comparison, unit-tested with a manual clock).
    const config = { chains: { default: ["fake/backup-model"] }, cooldown: { baseMs: 15 * 60_000 } }
    let w: World | undefined = await startWorld({ label: "restart", config, models: ["quota-r1-model"] })
    const sandbox = w.host.sandbox
    const file = join(sandbox, "state", "opencode", "runtime-fallback", "model-health.json")
    const restart = async () => {
      await w!.host.stop({ keepSandbox: true })
      await w!.fake.close()
      // after the restart the provider has recovered: any request to the primary would now succeed
      w = await startWorld({ label: "restart", config, models: ["quota-r1-model"], script: { "quota-r1-model": { kind: "reply" } }, host: { sandbox } })
    }
    try {
      await runTurn(w, await w.host.createSession("r1"), "hello", "fake/quota-r1-model")
      await restart()
      const s2 = await w!.host.createSession("r2")
      await runTurn(w!, s2, "hello", "fake/quota-r1-model")
      expect(w!.fake.requests.filter((r) => r.sessionID === s2).map((r) => r.model), "after the restart").toEqual(["backup-model"])
      // the saved cooldown ends (as the file says once its time has passed), and the host starts again
      const saved = JSON.parse(readFileSync(file, "utf8"))
      const entry = saved.entries.find((e: { model: string }) => e.model === "fake/quota-r1-model")
      expect(entry.until).toBeGreaterThan(Date.now())
      entry.until = Date.now() - 1
      writeFileSync(file, JSON.stringify(saved))
      await restart()
      const s3 = await w!.host.createSession("r3")
      const msgs = await runTurn(w!, s3, "hello", "fake/quota-r1-model")
      expect(w!.fake.requests.filter((r) => r.sessionID === s3).map((r) => `${r.model}:${r.status}`), "after the expiry").toEqual(["quota-r1-model:200"])
      expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model quota-r1-model.")
    } finally {
      await w?.host.stop()
      await w?.fake.close()
      rmSync(sandbox, { recursive: true, force: true })
    }
  })
})
