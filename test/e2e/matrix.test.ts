// The support range, proved: the core real-host scenarios on every host of test/e2e/host-matrix.json (the
// oldest supported version, the last one before the 1.18.17 retry cap, the newest), each host installed side
// by side by script/hosts.mjs, the plugin loaded as users load it: by npm spec from the packed tarball, which
// is also the only way the host applies the package's engines.opencode range. Then the package the host
// installed is loaded again by path in the oldest host (1.18.33 does that in package.test.ts).
// ORF_MATRIX_VERSIONS=1.17.0,1.15.13 runs other versions (the survey behind the range: docs/host-versions.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Behaviour } from "./harness/fake-provider.ts"
import { ensureHost, matrixVersions, PACKAGE_NAME, packedPlugin } from "./harness/hosts.ts"
import { assistantReplies, duplicatesIn, pluginCalls, replyText, runTurn, startWorld, stopWorld, visibleUserMessages, type World } from "./harness/scenario.ts"

const VERSIONS = process.env.ORF_MATRIX_VERSIONS ? process.env.ORF_MATRIX_VERSIONS.split(",").map((v) => v.trim()).filter(Boolean) : matrixVersions().map((m) => m.version)

// Every fake model shares the provider id "fake": a 402 cools only its model here (the default cools the account).
const CONFIG = { chains: { default: ["fake/backup-model"] }, subagents: { resultTimeoutMs: 60_000 }, cooldown: { scope: { payment_required: "model" } } }
const MODELS = ["quota-q1-model", "credits-c1-model", "transient-t1-model", "transient-a1-model", "quota-s1-model", "parent-p1-model", "quota-h1-model"]
const SCRIPT: Record<string, Behaviour> = {
  "transient-t1-model": { kind: "transient", failures: 2, retryAfterSec: 1 },
  "transient-a1-model": { kind: "transient", failures: 50, retryAfterSec: 5 },
  "parent-p1-model": {
    kind: "tool",
    name: "task",
    args: { description: "Ask the helper", prompt: "Say hello from the helper.", subagent_type: "helper" },
    thenText: "Parent done.",
  },
}
const AGENTS = { helper: { mode: "subagent", description: "A helper subagent for tests", model: "fake/quota-h1-model" } }

/** Where the host installed the npm spec (its cache dir embeds the spec, tarball path included). */
function findInstalled(dir: string, depth = 0): string | undefined {
  if (depth > 12 || !existsSync(dir)) return undefined
  const here = join(dir, "node_modules", PACKAGE_NAME)
  if (existsSync(join(here, "package.json"))) return here
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === "node_modules") continue
    const hit = findInstalled(join(dir, e.name), depth + 1)
    if (hit) return hit
  }
  return undefined
}

for (const version of VERSIONS) {
  describe(`opencode ${version}`, () => {
    let w: World
    let bin: string
    const reqs = (sid: string) => w.fake.requests.filter((r) => r.sessionID === sid)

    beforeAll(async () => {
      bin = ensureHost(version)
      const p = packedPlugin()
      w = await startWorld({ label: `matrix-${version}`, config: CONFIG, models: MODELS, script: SCRIPT, host: { bin, plugins: [p.spec], env: p.env, config: { agent: AGENTS } } })
    }, 240_000)
    afterAll(() => stopWorld(w))

    test("installs the npm spec and runs it: the host accepts the engines range", async () => {
      const sid = await w.host.createSession("load")
      await runTurn(w, sid, "hello", "fake/ok-model")
      expect(w.host.log()).not.toMatch(/Plugin .* skipped|requires opencode|failed to (load|install) plugin/i)
      expect(w.host.trace().some((r) => r.session === sid)).toBe(true)
      const installed = findInstalled(join(w.host.sandbox, "cache"))
      expect(installed).toBeDefined()
      expect(JSON.parse(readFileSync(join(installed!, "package.json"), "utf8")).name).toBe(PACKAGE_NAME)
    })

    test("429 insufficient_quota: the fallback answers", async () => {
      const sid = await w.host.createSession("quota")
      const msgs = await runTurn(w, sid, "what is 2+2?", "fake/quota-q1-model")
      const backup = reqs(sid).filter((r) => r.model === "backup-model")
      expect(backup).toHaveLength(1)
      expect(backup[0]!.userTexts).toEqual(["what is 2+2?"])
      expect(reqs(sid).filter((r) => r.model === "quota-q1-model").length).toBeLessThanOrEqual(2)
      expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
      expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    })

    test("402 insufficient credits: the fallback answers", async () => {
      const sid = await w.host.createSession("credits")
      const msgs = await runTurn(w, sid, "hello", "fake/credits-c1-model")
      expect(reqs(sid).map((r) => `${r.model}:${r.status}`)).toEqual(["credits-c1-model:402", "backup-model:200"])
      expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
      expect(visibleUserMessages(msgs)).toHaveLength(1)
    })

    test("a transient 429 that clears: the same model answers, the plugin stays out", async () => {
      const sid = await w.host.createSession("transient")
      const msgs = await runTurn(w, sid, "hello", "fake/transient-t1-model")
      expect(reqs(sid).map((r) => `${r.model}:${r.status}`)).toEqual(["transient-t1-model:429", "transient-t1-model:429", "transient-t1-model:200"])
      expect(replyText(assistantReplies(msgs)[0])).toContain("Hello from fake model transient-t1-model")
      expect(pluginCalls(w.host, sid)).toEqual([])
    })

    test("a user abort during the host's retry wait: no fallback request", async () => {
      const sid = await w.host.createSession("abort")
      await w.host.prompt(sid, "hello", "fake/transient-a1-model")
      await w.host.waitForEvent((e) => e.type === "session.status" && e.properties?.sessionID === sid && e.properties?.status?.type === "retry", 30_000, "retry status")
      await w.host.client.session.abort({ path: { id: sid } })
      await w.host.waitForEvent((e) => e.type === "session.idle" && e.properties?.sessionID === sid, 30_000, "idle after abort")
      // a later healthy turn elsewhere gives a late fallback every chance to show up
      await runTurn(w, await w.host.createSession("after abort"), "hello", "fake/ok-model")
      expect(reqs(sid).map((r) => r.model)).toEqual(["transient-a1-model"])
      expect(pluginCalls(w.host, sid).filter((c) => c.startsWith("session."))).toEqual([])
    })

    test("cooldown: a second session sends zero requests to the exhausted model", async () => {
      await runTurn(w, await w.host.createSession("cooldown 1"), "hello", "fake/quota-s1-model")
      const second = await w.host.createSession("cooldown 2")
      const msgs = await runTurn(w, second, "hello again", "fake/quota-s1-model")
      expect(reqs(second).map((r) => `${r.model}:${r.status}`)).toEqual(["backup-model:200"])
      expect(duplicatesIn(msgs, 1)).toMatchObject({ users: 1, replies: 1 })
    })

    test("subagent: a task child on a quota model; the parent receives the fallback's answer", async () => {
      const sid = await w.host.createSession("parent")
      const msgs = await runTurn(w, sid, "Delegate to the helper.", "fake/parent-p1-model", 120_000)
      const calls = reqs(sid).filter((r) => r.model === "parent-p1-model")
      expect(calls).toHaveLength(2)
      expect(calls[1]!.toolResults).toHaveLength(1)
      expect(calls[1]!.toolResults[0]).toContain("Hello from fake model backup-model.")
      expect(replyText(assistantReplies(msgs).at(-1))).toContain("Parent done.")
    })

    // The oldest host only: 1.18.33 loads the package by path in package.test.ts already, and every host start
    // costs 10-30 s on a loaded machine.
    if (version === VERSIONS[0])
      test("the package the host installed also loads by path", async () => {
        const installed = findInstalled(join(w.host.sandbox, "cache"))!
        const byPath = await startWorld({ label: `matrix-path-${version}`, config: CONFIG, models: MODELS, host: { bin, plugins: [installed] } })
        try {
          const sid = await byPath.host.createSession("path")
          const msgs = await runTurn(byPath, sid, "hello", "fake/quota-q1-model")
          expect(byPath.fake.requests.filter((r) => r.sessionID === sid && r.model === "backup-model")).toHaveLength(1)
          expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
        } finally {
          await stopWorld(byPath)
        }
      }, 120_000)
  })
}
