// Issue 15 (chains where users write them) in the real host: `fallback_models` on an agent, in opencode.json
// or in the agent's Markdown frontmatter, with no runtime-fallback.jsonc at all, rescues a quota failure.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { PLUGIN_CONFIG_PATH, assistantReplies, replyText, startWorld, stopWorld, visibleUserMessages, type World } from "./harness/scenario.ts"

const HELPER_MD = `---
description: A helper agent whose chain is written in its frontmatter
mode: primary
fallback_models:
  - fake/backup-model
---
You help.
`

describe("chains written on agents", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "agent-chains",
      models: ["quota-a1-model", "quota-a2-model", "rescue-model"],
      host: {
        config: {
          agent: {
            build: { fallback_models: ["fake/rescue-model"] },
            plan: { fallback_models: ["fake/backup-model", "not a model"] },
          },
        },
        files: { "project/.opencode/agent/helper.md": HELPER_MD },
      },
    })
  })
  afterAll(() => stopWorld(w))

  test("there is no runtime-fallback.jsonc", () => {
    expect(existsSync(join(w.host.sandbox, PLUGIN_CONFIG_PATH))).toBe(false)
    expect(existsSync(join(w.host.project, ".opencode", "runtime-fallback.jsonc"))).toBe(false)
  })

  test("opencode.json agent.build.fallback_models rescues a 429 insufficient_quota", async () => {
    const sid = await w.host.createSession("build")
    const since = Date.now()
    await w.host.prompt(sid, "hello", "fake/quota-a1-model", { agent: "build" })
    await w.host.waitForIdle(sid, 120_000)
    const msgs = await w.host.messages(sid)
    const reqs = w.fake.requests.filter((r) => r.t >= since && r.model !== "title-model")
    expect(reqs[0]?.status).toBe(429)
    expect(reqs.filter((r) => r.status === 200).map((r) => r.model)).toEqual(["rescue-model"])
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    expect(replyText(assistantReplies(msgs).at(-1))).toBe("Hello from fake model rescue-model.")
  })

  test("an agent's Markdown frontmatter fallback_models rescues a 429 insufficient_quota", async () => {
    const sid = await w.host.createSession("helper")
    const since = Date.now()
    await w.host.prompt(sid, "hello", "fake/quota-a2-model", { agent: "helper" })
    await w.host.waitForIdle(sid, 120_000)
    const msgs = await w.host.messages(sid)
    const reqs = w.fake.requests.filter((r) => r.t >= since && r.model !== "title-model")
    expect(reqs.filter((r) => r.status === 200).map((r) => r.model)).toEqual(["backup-model"])
    expect(replyText(assistantReplies(msgs).at(-1))).toBe("Hello from fake model backup-model.")
  })

  test("a bad entry is reported in one line naming the agent and the key", () => {
    const lines = w.host.log().split("\n").filter((l) => l.includes("fallback_models[1]"))
    expect(lines.length).toBeGreaterThanOrEqual(1)
    // (the host's log quotes the message, escaping its quotes)
    expect(lines[0]).toMatch(/opencode config agent \\?"plan\\?": fallback_models\[1\]: expected \\?"provider\/model\\?"/)
  })
})
