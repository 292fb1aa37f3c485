// Issue 6 in the real host: a delegated subagent whose model fails recovers on its fallback, and its parent
// receives the fallback's answer as the task tool's result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { Behaviour } from "./harness/fake-provider.ts"
import { assistantReplies, replyText, runTurn, startWorld, stopWorld, toasts, visibleUserMessages, type World } from "./harness/scenario.ts"

const delegate = (agent: string, more = 0): Behaviour => ({
  kind: "tool",
  name: "task",
  args: { description: "Ask the helper", prompt: "Say hello from the helper.", subagent_type: agent },
  also: Array.from({ length: more }, (_, i) => ({ description: `Ask the helper again ${i + 2}`, prompt: `Say hello again ${i + 2}.`, subagent_type: agent })),
  thenText: "Parent done.",
})

const agent = (model: string) => ({ mode: "subagent", description: "A helper subagent for tests", model })

describe("fallback inside delegated subagent sessions", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({
      label: "subagent",
      config: {
        chains: { default: ["fake/backup-model"], agents: { doomed: ["fake/credits-z2-model"] } },
        subagents: { resultTimeoutMs: 60_000 },
        // Every fake model shares one provider id; these tests are about moves between models, so a 402 cools
        // the model, not the whole (fake) account.
        cooldown: { scope: { payment_required: "model" } },
      },
      models: ["parent-a-model", "parent-b-model", "parent-c-model", "parent-d-model", "quota-h1-model", "credits-h2-model", "credits-z1-model", "credits-z2-model", "quota-p1-model"],
      script: {
        "parent-a-model": delegate("helper429"),
        "parent-b-model": delegate("helper402"),
        "parent-c-model": delegate("doomed"),
        "parent-d-model": delegate("twin", 1),
      },
      host: {
        config: {
          agent: {
            helper429: agent("fake/quota-h1-model"),
            helper402: agent("fake/credits-h2-model"),
            doomed: agent("fake/credits-z1-model"),
            twin: agent("fake/quota-p1-model"),
          },
        },
      },
    })
  })
  afterAll(() => stopWorld(w))

  const parentCalls = (sid: string, model: string) => w.fake.requests.filter((r) => r.sessionID === sid && r.model === model)

  test("recovered child (429 quota): the parent's next model call receives the fallback's answer as the tool result", async () => {
    const sid = await w.host.createSession("parent 429")
    const msgs = await runTurn(w, sid, "Delegate to the helper.", "fake/parent-a-model", 120_000)
    const calls = parentCalls(sid, "parent-a-model")
    expect(calls).toHaveLength(2)
    expect(calls[1]!.toolResults).toHaveLength(1)
    expect(calls[1]!.toolResults[0]).toContain("Hello from fake model backup-model.")
    expect(calls[1]!.toolResults[0]).not.toContain("Task cancelled")
    expect(replyText(assistantReplies(msgs).at(-1))).toContain("Hello from fake model backup-model.")
    // the parent's stored history shows the recovered result too, not "Task cancelled"
    const task = (await w.host.messages(sid)).flatMap((m) => m.parts).find((p: any) => p.type === "tool" && p.tool === "task")
    expect(task.state.status).toBe("completed")
    expect(task.state.output).toContain("Hello from fake model backup-model.")
    // the child: one visible opening prompt, answered once by the fallback
    const child = w.fake.requests.find((r) => r.model === "backup-model" && r.sessionID !== sid)!
    const childMsgs = await w.host.messages(child.sessionID!)
    expect(visibleUserMessages(childMsgs)).toHaveLength(1)
    expect(assistantReplies(childMsgs)).toHaveLength(1)
    expect(child.userTexts).toEqual(["Say hello from the helper."])
  })

  test("recovered child (402): the parent gets the answer, not 'Subagent failed'", async () => {
    const sid = await w.host.createSession("parent 402")
    await runTurn(w, sid, "Delegate to the helper.", "fake/parent-b-model", 120_000)
    const calls = parentCalls(sid, "parent-b-model")
    expect(calls).toHaveLength(2)
    expect(calls[1]!.toolResults[0]).toContain("Hello from fake model backup-model.")
    expect(calls[1]!.toolResults[0]).not.toContain("Subagent failed")
  })

  test("exhausted child chain: the parent receives one clear error naming the models tried, with no hang", async () => {
    const sid = await w.host.createSession("parent exhausted")
    const started = Date.now()
    await runTurn(w, sid, "Delegate to the helper.", "fake/parent-c-model", 120_000)
    const calls = parentCalls(sid, "parent-c-model")
    expect(calls).toHaveLength(2)
    const result = calls[1]!.toolResults[0]!
    expect(result).toContain("no model could answer")
    expect(result).toContain("fake/credits-z1-model (out of credits 402)")
    expect(result).toContain("fake/credits-z2-model (out of credits 402)")
    expect(calls[1]!.t - started).toBeLessThan(60_000) // bounded by subagents.resultTimeoutMs, not a fixed sleep
    expect(toasts(w.host).filter((t) => t.variant === "error" && t.message.includes("fake/credits-z1-model"))).toHaveLength(1)
  })

  test("two subagents in parallel on the exhausted model: both recover, no duplicate prompts, the second costs at most one failed request", async () => {
    const sid = await w.host.createSession("parent twins")
    const from = w.fake.requests.length
    await runTurn(w, sid, "Delegate twice.", "fake/parent-d-model", 120_000)
    const calls = parentCalls(sid, "parent-d-model")
    expect(calls).toHaveLength(2)
    expect(calls[1]!.toolResults).toHaveLength(2)
    for (const r of calls[1]!.toolResults) expect(r).toContain("Hello from fake model backup-model.")
    const mine = w.fake.requests.slice(from).filter((r) => r.sessionID !== sid && r.model !== "title-model")
    const children = [...new Set(mine.map((r) => r.sessionID!))]
    expect(children).toHaveLength(2)
    const failedPerChild = children.map((c) => mine.filter((r) => r.sessionID === c && r.model === "quota-p1-model").length).sort()
    // both start at once, so each may meet the exhausted model once; the shared cooldown stops any more
    expect(failedPerChild[0]).toBeLessThanOrEqual(1)
    expect(failedPerChild[1]).toBeLessThanOrEqual(1)
    for (const c of children) expect(mine.filter((r) => r.sessionID === c && r.model === "backup-model")).toHaveLength(1)
    for (const c of children) {
      const m = await w.host.messages(c!)
      expect(visibleUserMessages(m)).toHaveLength(1)
      expect(assistantReplies(m)).toHaveLength(1)
    }
  })
})
