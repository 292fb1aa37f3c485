// Issue 13 in the real host: model health shared by two `opencode serve` processes of one user (one HOME, one
// XDG state dir), and cooldowns that cover a whole provider account.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readStateFile } from "../../src/fallback/health-store.ts"
import { startFakeProvider, type FakeProvider } from "./harness/fake-provider.ts"
import { startHost, type Host } from "./harness/host.ts"
import { assistantReplies, PLUGIN_CONFIG_PATH, replyText, runTurn, startWorld, stopWorld, toasts, type World } from "./harness/scenario.ts"

const CONFIG = {
  chains: {
    models: {
      "fake/quota-s1-model": ["fake/backup-model"],
      "fake/credits-s2-model": ["alt/alt-model"],
      "fake/other-s3-model": ["fake/backup-model", "alt/alt-model"],
    },
  },
}
const MODELS = ["quota-s1-model", "credits-s2-model", "other-s3-model"]

describe("model health across two OpenCode processes", () => {
  let fake: FakeProvider
  let sandbox: string
  let a: Host
  let b: Host
  const world = (host: Host): World => ({ fake, host })
  const stateFile = () => join(sandbox, "state", "opencode", "runtime-fallback", "model-health.json")

  beforeAll(async () => {
    fake = await startFakeProvider()
    sandbox = mkdtempSync(join(tmpdir(), "orf-e2e-health-"))
    const files = { [PLUGIN_CONFIG_PATH]: JSON.stringify(CONFIG) }
    a = await startHost({ provider: fake, label: "health-a", sandbox, models: MODELS, extraProviders: { alt: ["alt-model"] }, files })
    b = await startHost({ provider: fake, label: "health-b", sandbox, models: MODELS, extraProviders: { alt: ["alt-model"] }, files })
    // B is running, with the plugin loaded and the (empty) state read, before A finds anything.
    await runTurn(world(b), await b.createSession("warm-up"), "warm up", "fake/ok-model")
  }, 180_000)
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await fake?.close()
    if (!process.env.ORF_KEEP_SANDBOX) rmSync(sandbox, { recursive: true, force: true })
  })

  test("process A finds a model exhausted (429 insufficient_quota); process B, already running, skips it with 0 requests", async () => {
    const sa = await a.createSession("a-quota")
    const msgsA = await runTurn(world(a), sa, "what is 2+2?", "fake/quota-s1-model")
    expect(replyText(assistantReplies(msgsA)[0])).toBe("Hello from fake model backup-model.")
    expect(fake.requests.some((r) => r.sessionID === sa && r.model === "quota-s1-model" && r.status === 429)).toBe(true)
    const written = readStateFile(stateFile()).state.entries.get("fake/quota-s1-model")
    expect(written).toMatchObject({ code: "quota_exhausted", scope: "model" })

    const sb = await b.createSession("b-quota")
    const msgsB = await runTurn(world(b), sb, "what is 3+3?", "fake/quota-s1-model")
    const reqsB = fake.requests.filter((r) => r.sessionID === sb)
    expect(reqsB.filter((r) => r.model === "quota-s1-model")).toHaveLength(0)
    expect(reqsB.map((r) => `${r.model}:${r.status}`)).toEqual(["backup-model:200"])
    expect(replyText(assistantReplies(msgsB)[0])).toBe("Hello from fake model backup-model.")
  })

  test("a 402 on one model cools its whole provider: a turn on another of its models skips every same-provider chain entry (0 requests) for another provider, in both processes", async () => {
    const sa = await a.createSession("a-credits")
    const msgsA = await runTurn(world(a), sa, "hello", "fake/credits-s2-model")
    expect(fake.requests.filter((r) => r.sessionID === sa).map((r) => `${r.model}:${r.status}`)).toEqual(["credits-s2-model:402", "alt-model:200"])
    expect(replyText(assistantReplies(msgsA)[0])).toBe("Hello from fake model alt-model.")
    expect(readStateFile(stateFile()).state.entries.get("fake/*")).toMatchObject({ code: "payment_required", scope: "provider", model: "fake/credits-s2-model" })

    // other-s3-model never failed, and neither did backup-model, but they are the same account: skipped.
    for (const host of [a, b]) {
      const sid = await host.createSession("after-credits")
      const msgs = await runTurn(world(host), sid, "hello again", "fake/other-s3-model")
      expect(fake.requests.filter((r) => r.sessionID === sid).map((r) => `${r.model}:${r.status}`)).toEqual(["alt-model:200"])
      expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model alt-model.")
    }
  })
})

describe("a project config cannot choose where the plugin writes", () => {
  let w: World
  const VICTIM = "project/victim.txt"
  beforeAll(async () => {
    w = await startWorld({
      label: "health-lane",
      config: { chains: { default: ["fake/backup-model"] } },
      models: ["quota-l1-model"],
      host: {
        files: {
          [VICTIM]: "precious\n",
          "project/.opencode/runtime-fallback.jsonc": JSON.stringify({ cooldown: { stateFile: "../victim.txt" } }),
        },
      },
    })
  }, 120_000)
  afterAll(() => stopWorld(w))

  test("cooldown.stateFile in the project layer is ignored, said once; the failed turn changes no file outside the state directory", async () => {
    const sid = await w.host.createSession("lane")
    await runTurn(w, sid, "hello", "fake/quota-l1-model")
    await runTurn(w, await w.host.createSession("lane-2"), "hello", "fake/quota-l1-model")
    expect(readFileSync(join(w.host.sandbox, VICTIM), "utf8")).toBe("precious\n")
    expect(readdirSync(join(w.host.sandbox, "project")).filter((n) => n.startsWith("victim"))).toEqual(["victim.txt"])
    const stateFile = join(w.host.sandbox, "state", "opencode", "runtime-fallback", "model-health.json")
    expect(existsSync(stateFile)).toBe(true)
    expect(readStateFile(stateFile).state.entries.get("fake/quota-l1-model")?.code).toBe("quota_exhausted")
    const said = w.host.log().split("\n").filter((l) => l.includes("runtime-fallback: config:") && l.includes("cooldown.stateFile"))
    expect(said).toHaveLength(1)
    expect(said[0]).toContain("ignored")
    const notices = toasts(w.host).filter((t) => t.message.includes("cooldown.stateFile"))
    expect(notices.length).toBeLessThanOrEqual(1) // shown once (when a TUI is attached at start-up); never repeated
  })
})

describe("a provider account and a shared circuit breaker, in one process", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "breaker",
      config: {
        // (the overloaded model is on a provider of its own: the 402 test cools the whole "fake" account)
        chains: { models: { "fake/credits-t1-model": ["fake/ok-t2-model", "alt/alt-model"], "busy/overloaded-b1-model": ["alt/alt-model"] } },
        // long enough that sessions 4 and 5 both start while it is open on a loaded machine (a pre-routed first
        // message is stopped and replayed, which takes a few seconds there)
        breaker: { failures: 4, windowMs: 120_000, cooldownMs: 15_000 },
      },
      models: ["credits-t1-model", "ok-t2-model"],
      host: { extraProviders: { alt: ["alt-model"], busy: ["overloaded-b1-model"] } },
    })
  }, 180_000)
  afterAll(() => stopWorld(w))

  test("a 402 on one model of a provider: the next chain entry on the same provider is skipped in that very turn, 0 requests to it", async () => {
    const sid = await w.host.createSession("account")
    const msgs = await runTurn(w, sid, "hello", "fake/credits-t1-model")
    expect(w.fake.requests.filter((r) => r.sessionID === sid).map((r) => `${r.model}:${r.status}`)).toEqual(["credits-t1-model:402", "alt-model:200"])
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model alt-model.")
  })

  test("five sessions on a persistently overloaded model: once the breaker opens, later sessions send it 0 requests; after its cooldown one probe turn goes to it", async () => {
    const model = "overloaded-b1-model"
    const sent = (sid: string) => w.fake.requests.filter((r) => r.sessionID === sid && r.model === model).length
    const counts: number[] = []
    for (let i = 0; i < 5; i++) {
      const sid = await w.host.createSession(`overloaded ${i}`)
      const msgs = await runTurn(w, sid, "hello", `busy/${model}`, 120_000)
      expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model alt-model.")
      counts.push(sent(sid))
    }
    // The host retries a 503 itself; each session that reaches the model sends it a few attempts, and the
    // fourth failed attempt across sessions opens the breaker.
    console.log(`requests to the overloaded model per session: ${counts.join(", ")}`)
    const open = counts.findIndex((n) => n === 0)
    expect(open).toBeGreaterThan(0)
    expect(counts.slice(open)).toEqual(new Array(5 - open).fill(0))
    expect(toasts(w.host).some((t) => t.message.startsWith(`busy/${model} is cooling down (overloaded`))).toBe(true)
    // after the breaker's cooldown (waited for as a precondition), the next turn probes the model, the one
    // after it does not while the probe is out
    await Bun.sleep(15_500)
    const probe = await w.host.createSession("probe")
    await w.host.prompt(probe, "hello", `busy/${model}`)
    await w.fake.waitForRequest((r) => r.sessionID === probe && r.model === model, 60_000)
    const other = await w.host.createSession("while probing")
    await runTurn(w, other, "hello", `busy/${model}`, 120_000)
    expect(sent(other)).toBe(0)
    await w.host.waitForIdle(probe, 120_000)
  })
})

describe("an account cooldown with nothing else left in the chain", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "last-resort",
      // default scopes: a 402 cools the whole "fake" account, and every entry of this chain is on it
      config: { chains: { models: { "fake/credits-w1-model": ["fake/credits-w2-model", "fake/ok-w3-model"] } } },
      models: ["credits-w1-model", "credits-w2-model", "ok-w3-model"],
    })
  }, 120_000)
  afterAll(() => stopWorld(w))

  test("the account's other models are tried in chain order; once one answers, only the models that failed stay cooling", async () => {
    const sid = await w.host.createSession("walk")
    const msgs = await runTurn(w, sid, "hello", "fake/credits-w1-model")
    expect(w.fake.requests.filter((r) => r.sessionID === sid).map((r) => `${r.model}:${r.status}`)).toEqual(["credits-w1-model:402", "credits-w2-model:402", "ok-w3-model:200"])
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model ok-w3-model.")
    // a new turn on the first model skips both failed models (0 requests) and goes to the one that answered
    const next = await w.host.createSession("after")
    await runTurn(w, next, "hello", "fake/credits-w1-model")
    expect(w.fake.requests.filter((r) => r.sessionID === next && r.model !== "title-model").map((r) => `${r.model}:${r.status}`)).toEqual(["ok-w3-model:200"])
  })
})
