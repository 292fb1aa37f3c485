// Issue 15 (good neighbour) in the real host: with oh-my-openagent's runtime fallback enabled alongside (a
// stand-in that re-sends a failed turn like it does, switched on in the file oh-my-openagent reads), a failed
// turn is re-sent once, not twice. With `"neighbours": "act"` both act: the control that shows the stand-in
// really re-sends.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { REPO_ROOT } from "./harness/host.ts"
import { assistantReplies, replyText, startWorld, stopWorld, toasts, type World } from "./harness/scenario.ts"

const PEER = join(REPO_ROOT, "test", "e2e", "plugins", "oh-my-openagent")
const OMO = JSON.stringify({ runtime_fallback: { enabled: true }, agents: { build: { fallback_models: ["fake/peer-model"] } } })

async function world(label: string, neighbours?: "act"): Promise<World> {
  return startWorld({
    label,
    config: { chains: { default: ["fake/backup-model"] }, cooldown: { scope: { payment_required: "model" } }, ...(neighbours ? { neighbours } : {}) },
    models: ["credits-n1-model", "peer-model"],
    host: { plugins: [REPO_ROOT, PEER], files: { "home/.omo/omo.jsonc": OMO }, env: { ORF_PEER_LOG: "peer.jsonl" } },
  })
}

const peerLog = (w: World) => {
  const f = join(w.host.project, "peer.jsonl")
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : []
}

/** A 402 turn, then wait until both mechanisms have had time to act (the stand-in re-sends 2 s after the error). */
async function failedTurn(w: World) {
  const sid = await w.host.createSession("neighbour")
  await w.host.prompt(sid, "hello", "fake/credits-n1-model", { agent: "build" })
  await w.fake.waitForRequest((r) => r.model === "peer-model", 60_000)
  await w.host.waitForIdle(sid, 60_000)
  await new Promise((r) => setTimeout(r, 3_000))
  return sid
}

describe("oh-my-openagent's runtime fallback enabled alongside", () => {
  let w: World
  beforeAll(async () => {
    w = await world("neighbour")
  })
  afterAll(() => stopWorld(w))

  test("a failed turn is re-sent once, not twice: this plugin stands back", async () => {
    const sid = await failedTurn(w)
    const resends = w.fake.requests.filter((r) => r.model === "peer-model" || r.model === "backup-model")
    expect(resends.map((r) => r.model)).toEqual(["peer-model"])
    expect(peerLog(w)).toHaveLength(1)
    const msgs = await w.host.messages(sid)
    expect(replyText(assistantReplies(msgs).at(-1))).toBe("Hello from fake model peer-model.")
    // the plugin did nothing for this session
    expect(w.host.trace().filter((r) => r.session === sid && (r.input || r.call))).toEqual([])
  })

  test("it says which one acts and how to choose, once", () => {
    const line = w.host.log().split("\n").filter((l) => l.includes("this plugin stands back"))
    expect(line).toHaveLength(1)
    expect(line[0]).toContain("oh-my-openagent's runtime_fallback")
    expect(line[0]).toContain(".omo/omo.jsonc")
    const shown = toasts(w.host).filter((t) => t.message.includes("this plugin stands back"))
    expect(shown).toHaveLength(1)
  })
})

describe('control: "neighbours": "act"', () => {
  let w: World
  beforeAll(async () => {
    w = await world("neighbour-act", "act")
  })
  afterAll(() => stopWorld(w))

  test("both act, and the failed turn is re-sent twice (what standing back prevents)", async () => {
    await failedTurn(w)
    const models = w.fake.requests.filter((r) => r.model === "peer-model" || r.model === "backup-model").map((r) => r.model)
    expect(models).toContain("peer-model")
    expect(models).toContain("backup-model")
    expect(w.host.log()).toContain("both act on a failure")
  })
})
