// Measures the per-version host facts of src/host/facts.ts on a bare host (no plugin) against the fake
// provider, so the table there can be re-checked when a new host version appears:
//   bun script/probe-host.ts [--only=subagentFailed,…] 1.18.33 1.17.19 …   (hosts installed on demand into .hosts/)
// Prints one JSON object per version. Each probe is event-driven with generous timeouts; "settle" waits
// give a late request every chance to show up before a probe concludes that nothing came.
import { readFileSync } from "node:fs"
import { startFakeProvider, type Behaviour, type FakeProvider } from "../test/e2e/harness/fake-provider.ts"
import { startHost, type Host } from "../test/e2e/harness/host.ts"
import { ensureHost } from "../test/e2e/harness/hosts.ts"

const SETTLE_MS = 4_000
const HOOKS = [
  "event",
  "config",
  "tool",
  "auth",
  "chat.message",
  "chat.params",
  "chat.headers",
  "permission.ask",
  "command.execute.before",
  "tool.execute.before",
  "tool.execute.after",
  "shell.env",
  "experimental.chat.messages.transform",
  "experimental.chat.system.transform",
  "experimental.session.compacting",
  "experimental.text.complete",
  "tool.definition",
  "dispose",
]

const task = (agent: string): Behaviour => ({
  kind: "tool",
  name: "task",
  args: { description: "Ask the helper", prompt: "Say hello from the helper.", subagent_type: agent },
  thenText: "Parent done.",
})

const SCRIPT: Record<string, Behaviour> = {
  "transient-b1-model": { kind: "transient", failures: 100, retryAfterSec: 3 },
  "transient-c1-model": { kind: "transient", failures: 100, retryAfterSec: 3 },
  "parent-f1-model": task("failing"),
  "parent-g1-model": task("stuck"),
}
const AGENTS = {
  failing: { mode: "subagent", description: "helper on a 402 model", model: "fake/credits-f2-model" },
  stuck: { mode: "subagent", description: "helper on a retrying model", model: "fake/transient-c1-model" },
}

const settle = () => Bun.sleep(SETTLE_MS)
const isStatus = (sid: string, type: string) => (e: { type: string; properties: any }) =>
  e.type === "session.status" && e.properties?.sessionID === sid && e.properties?.status?.type === type

/** The internal part-update route: PATCH an assistant text part, then read it back. */
async function partUpdate(h: Host, fake: FakeProvider) {
  const sid = await h.createSession("patch")
  await h.prompt(sid, "hello", "fake/ok-model")
  await h.waitForIdle(sid)
  const msgs = await h.messages(sid)
  const part = msgs.flatMap((m) => m.parts).find((p: any) => p.type === "text" && p.messageID && msgs.find((m) => m.info.id === p.messageID)?.info.role === "assistant")
  if (!part) return { exists: false, detail: "no assistant text part" }
  const url = `${h.url}/session/${sid}/message/${part.messageID}/part/${part.id}?directory=${encodeURIComponent(h.project)}`
  const res = await fetch(url, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...part, text: "patched by probe" }) })
  const after = (await h.messages(sid)).flatMap((m) => m.parts).find((p: any) => p.id === part.id)
  void fake
  return { status: res.status, stored: after?.text === "patched by probe" }
}

/** A prompt sent while the session is busy (the host retrying a 429), then the running turn aborted. */
async function busyPrompt(h: Host, fake: FakeProvider) {
  const sid = await h.createSession("busy")
  await h.prompt(sid, "first", "fake/transient-b1-model")
  const retry = await h.waitForEvent(isStatus(sid, "retry"), 30_000, "retry status")
  await h.prompt(sid, "second", "fake/ok-model")
  await h.client.session.abort({ path: { id: sid } })
  await h.waitForEvent((e) => e.type === "session.idle" && e.properties?.sessionID === sid, 30_000, "idle")
  await settle()
  const ran = fake.requests.some((r) => r.sessionID === sid && r.model === "ok-model")
  return { dropped: !ran, retryStatusKeys: Object.keys(retry.properties.status).sort() }
}

/**
 * A failed turn (402) replayed on another model at the safe point (the idle after the errored message is
 * written), then a prompt that names no model: which model does it go to?
 */
async function replayModel(h: Host, fake: FakeProvider) {
  const sid = await h.createSession("replay")
  await h.prompt(sid, "one", "fake/credits-r1-model")
  const errored = await h.waitForEvent((e) => e.type === "message.updated" && e.properties?.info?.sessionID === sid && !!e.properties?.info?.error, 30_000, "errored message")
  const at = h.events.indexOf(errored)
  await h.waitForEvent((e) => h.events.indexOf(e) > at && e.type === "session.idle" && e.properties?.sessionID === sid, 30_000, "idle after the errored write")
  const user = (await h.messages(sid)).find((m) => m.info.role === "user")!
  await h.client.session.promptAsync({ path: { id: sid }, body: { messageID: user.info.id, parts: [], model: { providerID: "fake", modelID: "backup-model" } } as any })
  const replayed = await fake.waitForRequest((r) => r.sessionID === sid && r.model === "backup-model", 20_000).then(() => true, () => false)
  await h.waitForIdle(sid).catch(() => undefined)
  await h.client.session.promptAsync({ path: { id: sid }, body: { parts: [{ type: "text", text: "two" }] } as any })
  const next = await fake.waitForRequest((r) => r.sessionID === sid && r.lastUserText === "two", 20_000).catch(() => undefined)
  await h.waitForIdle(sid).catch(() => undefined)
  return { replayRan: replayed, nextPromptModel: next?.model ?? null }
}

/** What the parent's model sees, and what its task part holds, when the child fails or is aborted. */
async function subagent(h: Host, fake: FakeProvider, parentModel: string, abortChild: boolean) {
  const sid = await h.createSession(abortChild ? "parent abort" : "parent fail")
  await h.prompt(sid, "Delegate.", `fake/${parentModel}`)
  if (abortChild) {
    const created = await h.waitForEvent((e) => e.type === "session.created" && e.properties?.info?.parentID === sid, 30_000, "child")
    const child = created.properties.info.id
    await h.waitForEvent(isStatus(child, "retry"), 30_000, "child retry")
    await h.client.session.abort({ path: { id: child } })
  }
  const second = await fake.waitForRequest((r) => r.sessionID === sid && r.model === parentModel && r.toolResults.length > 0, 60_000).catch(() => undefined)
  await h.waitForIdle(sid, 60_000).catch(() => undefined)
  const part = (await h.messages(sid)).flatMap((m) => m.parts).find((p: any) => p.type === "tool" && p.tool === "task")
  return {
    parentCalledAgain: !!second,
    toolResult: second?.toolResults[0]?.slice(0, 160) ?? null,
    partStatus: part?.state?.status ?? null,
    partText: String(part?.state?.error ?? part?.state?.output ?? "").slice(0, 160),
    // where the child's session id is (the plugin's delivery finds the child through it)
    childIdAt: childIdPaths(part),
  }
}

function childIdPaths(part: any): string[] {
  const out: string[] = []
  const walk = (o: unknown, path: string, depth: number) => {
    if (!o || typeof o !== "object" || depth > 4) return
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === "string" && /^ses_/.test(v) && !(path === "" && k === "sessionID")) out.push(`${path}${k}`)
      else walk(v, `${path}${k}.`, depth + 1)
    }
  }
  walk(part, "", 0)
  return out
}

function hooksInBinary(bin: string) {
  const text = readFileSync(bin).toString("latin1")
  return Object.fromEntries(HOOKS.map((h) => [h, text.includes(`"${h}"`)]))
}

async function probe(version: string) {
  const bin = ensureHost(version)
  const fake = await startFakeProvider({ script: SCRIPT })
  const h = await startHost({ provider: fake, plugins: [], bin, label: `probe-${version}`, models: Object.keys(SCRIPT).concat(["credits-f2-model", "credits-r1-model"]), config: { agent: AGENTS } })
  const out: Record<string, unknown> = { version }
  const step = async (name: string, f: () => Promise<unknown>) => {
    if (ONLY.length && !ONLY.includes(name)) return
    try {
      out[name] = await f()
    } catch (e) {
      out[name] = { error: (e as Error).message.slice(0, 200) }
    }
  }
  try {
    const health = await fetch(`${h.url}/global/health`).then((r) => r.json()).catch(() => null)
    out.health = health
    await step("partUpdate", () => partUpdate(h, fake))
    await step("busyPrompt", () => busyPrompt(h, fake))
    await step("replay", () => replayModel(h, fake))
    await step("subagentFailed", () => subagent(h, fake, "parent-f1-model", false))
    await step("subagentAborted", () => subagent(h, fake, "parent-g1-model", true))
    if (!ONLY.length || ONLY.includes("hooks")) out.hooks = hooksInBinary(bin)
    // 1.15.13 and 1.17.0 create two instances for one directory (each loads the plugins)
    out.instances = h.log().split("\n").filter((l) => /creating instance/.test(l)).length
  } finally {
    await h.stop()
    await fake.close()
  }
  return out
}

// --only=<probe,probe> runs some probes (partUpdate, busyPrompt, replay, subagentFailed, subagentAborted, hooks)
const ONLY = (process.argv.find((a) => a.startsWith("--only="))?.slice(7) ?? "").split(",").filter(Boolean)
for (const v of process.argv.slice(2).filter((a) => !a.startsWith("--"))) console.log(JSON.stringify(await probe(v)))
