// Issue 4 in the real host: the prompt gate is the one owner of internal prompts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { REPO_ROOT } from "./harness/host.ts"
import { assistantReplies, replyText, runTurn, startWorld, stopWorld, visibleUserMessages, type World } from "./harness/scenario.ts"

const PROBE = join(REPO_ROOT, "test", "e2e", "plugins", "gate-probe.ts")

describe("the prompt gate in the real host", () => {
  let w: World
  let logFile: string
  const probeLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [])
  const logDir = mkdtempSync(join(tmpdir(), "orf-gate-probe-"))
  beforeAll(async () => {
    logFile = join(logDir, "probe.jsonl")
    w = await startWorld({
      label: "gate",
      models: ["credits-model", "slow-model"],
      script: { "slow-model": { kind: "slow", words: 15, intervalMs: 100 } },
      host: { plugins: [PROBE], env: { ORF_GATE_PROBE_LOG: logFile } },
    })
  })
  afterAll(async () => {
    await stopWorld(w)
    rmSync(logDir, { recursive: true, force: true })
  })

  test("two concurrent internal dispatches for the same failure: exactly one user turn and one reply", async () => {
    const sid = await w.host.createSession("double")
    await w.host.prompt(sid, "DOUBLE hello", "fake/credits-model")
    await w.fake.waitForRequest((r) => r.sessionID === sid && r.model === "backup-model", 30_000)
    await w.host.waitForIdle(sid, 30_000)
    const outcome = await waitFor(() => probeLog().find((r) => r.kind === "double" && r.sessionID === sid), 30_000)
    expect([...outcome.outcomes].sort()).toEqual(["dispatched", "duplicate"])
    const msgs = await w.host.messages(sid)
    expect(w.fake.requests.filter((r) => r.sessionID === sid && r.model === "backup-model")).toHaveLength(1)
    expect(msgs.filter((m) => m.info.role === "user")).toHaveLength(2) // the user's, and one hidden recovery turn
    expect(visibleUserMessages(msgs)).toHaveLength(1)
    expect(msgs.filter((m) => m.info.role === "user" && m.parts.every((p: any) => p.synthetic))).toHaveLength(1)
    expect(assistantReplies(msgs)).toHaveLength(1)
    expect(replyText(assistantReplies(msgs)[0])).toBe("Hello from fake model backup-model.")
  })

  test("a queued internal prompt cancelled because a real user message arrived never reaches the host", async () => {
    const sid = await w.host.createSession("queue")
    await w.host.prompt(sid, "QUEUE tell me slowly", "fake/slow-model")
    await waitFor(() => probeLog().find((r) => r.kind === "queued" && r.sessionID === sid), 30_000)
    await w.host.prompt(sid, "a real follow-up", "fake/ok-model")
    const cancelled = await waitFor(() => probeLog().find((r) => r.kind === "queue-outcome" && r.sessionID === sid), 30_000)
    expect(cancelled.status).toBe("cancelled")
    expect(probeLog().find((r) => r.kind === "cancelled" && r.sessionID === sid)?.count).toBe(1)
    await w.fake.waitForRequest((r) => r.sessionID === sid && r.model === "ok-model", 30_000)
    await w.host.waitForIdle(sid, 30_000)
    const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
    expect(reqs.some((r) => r.userTexts.some((t) => t.includes("INTERNAL-SHOULD-NOT-SEND")))).toBe(false)
    const msgs = await w.host.messages(sid)
    expect(JSON.stringify(msgs)).not.toContain("INTERNAL-SHOULD-NOT-SEND")
    expect(visibleUserMessages(msgs)).toHaveLength(2)
  })
})

/** Resolves with the first truthy value of `probe`, re-checked every 25 ms until the deadline. The probe
 *  plugin writes outcomes that settle after the gate's hold, when no host event may follow. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error("condition not met in time")
    await Bun.sleep(25)
  }
}
