// Re-records test/fixtures/*.jsonl from the real host (bare, no fallback plugin): each scenario runs in its own
// sandboxed `opencode serve` with the recorder plugin, and the recorder's view of events and hooks is written
// out verbatim. A `<name>.summary.json` beside each fixture records what the bare host did, with timings.
//   npm run record            # all scenarios
//   npm run record -- ok 402  # some
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs"
import { join } from "node:path"
import { startFakeProvider, type Behaviour } from "../test/e2e/harness/fake-provider.ts"
import { REPO_ROOT, startHost, type Host } from "../test/e2e/harness/host.ts"

type Scenario = {
  name: string
  model: string
  script?: Record<string, Behaviour>
  config?: Record<string, unknown>
  /** Drives the turn after the prompt was sent; resolves when the scenario is over. */
  drive?: (host: Host, sessionID: string) => Promise<void>
  timeoutMs?: number
}

const RECORDER = join(REPO_ROOT, "test", "e2e", "harness", "recorder-plugin.ts")
const OUT = join(REPO_ROOT, "test", "fixtures")

const abortAfter = (pred: (e: Host["events"][number], sid: string) => boolean) => async (host: Host, sid: string) => {
  await host.waitForEvent((e) => pred(e, sid), 60_000, "abort trigger")
  await host.client.session.abort({ path: { id: sid } })
  await host.waitForIdle(sid, 60_000)
}

export const SCENARIOS: Scenario[] = [
  { name: "ok", model: "ok-model" },
  { name: "429-quota", model: "quota-model", timeoutMs: 150_000 },
  { name: "429-transient", model: "transient-model", script: { "transient-model": { kind: "transient", failures: 2, retryAfterSec: 1 } } },
  { name: "402-credits", model: "credits-model" },
  { name: "503-overloaded", model: "overloaded-model", timeoutMs: 150_000 },
  { name: "midstream-error", model: "midstream-model" },
  {
    name: "user-abort",
    model: "slow-model",
    script: { "slow-model": { kind: "slow", words: 40, intervalMs: 200 } },
    drive: abortAfter((e, sid) => e.type === "message.part.delta" && e.properties?.sessionID === sid),
  },
  {
    // The user aborts while the host waits to retry a transient rate limit (no session.error follows).
    name: "abort-during-retry",
    model: "transient-model",
    script: { "transient-model": { kind: "transient", failures: 10, retryAfterSec: 3 } },
    drive: abortAfter((e, sid) => e.type === "session.status" && e.properties?.sessionID === sid && e.properties?.status?.type === "retry"),
  },
  {
    name: "task-subagent-quota",
    model: "delegate-model",
    script: {
      "delegate-model": {
        kind: "tool",
        name: "task",
        args: { description: "Probe the helper", prompt: "Say hello from the helper.", subagent_type: "helper" },
        thenText: "Parent done.",
      },
    },
    config: { agent: { helper: { mode: "subagent", description: "A helper subagent for tests", model: "fake/credits-model" } } },
  },
  {
    // A long streamed answer (~2,500 words, one message.part.delta per word): the event-hook benchmark replays it.
    name: "long-stream",
    model: "long-model",
    script: {
      "long-model": {
        kind: "reply",
        text: Array.from({ length: 2_500 }, (_, i) => ["the", "plugin", "streams", "every", "token", "through", "its", "event", "hook", "quickly"][i % 10] + (i % 97 === 96 ? "." : "")).join(" "),
      },
    },
  },
]

async function record(s: Scenario) {
  const fake = await startFakeProvider({ script: s.script })
  const recordFile = join(OUT, `${s.name}.jsonl`)
  if (existsSync(recordFile)) rmSync(recordFile)
  const host = await startHost({
    provider: fake,
    plugins: [RECORDER],
    models: [s.model, "delegate-model", "credits-model", "quota-model"],
    config: s.config,
    env: { ORF_RECORD_FILE: recordFile },
    label: `record-${s.name}`,
  })
  try {
    const sid = await host.createSession(`fixture ${s.name}`)
    const t0 = Date.now()
    await host.prompt(sid, "hello", `fake/${s.model}`)
    if (s.drive) await s.drive(host, sid)
    else await host.waitForIdle(sid, s.timeoutMs ?? 60_000)
    const t1 = Date.now()
    const msgs = await host.messages(sid)
    const last = msgs[msgs.length - 1]?.info
    const main = fake.requests.filter((r) => r.model !== "title-model")
    const summary = {
      scenario: s.name,
      model: s.model,
      host: "opencode 1.18.33, no fallback plugin",
      recordedAt: new Date().toISOString(),
      durationMs: t1 - t0,
      providerRequests: main.map((r) => ({ atMs: r.t - t0, model: r.model, status: r.status })),
      retryStatuses: host.events.filter((e) => e.type === "session.status" && e.properties?.status?.type === "retry").length,
      sessionErrors: host.events
        .filter((e) => e.type === "session.error")
        .map((e) => ({ atMs: e.t - t0, name: e.properties?.error?.name, statusCode: e.properties?.error?.data?.statusCode })),
      finalAssistant: last?.role === "assistant" ? { model: last.modelID, error: last.error?.name ?? null, finish: last.finish ?? null } : null,
      answered: msgs.some((m) => m.info.role === "assistant" && !m.info.error && m.parts.some((p: any) => p.type === "text" && p.text)),
      firstRequestToEndMs: main[0] ? t1 - main[0].t : null,
    }
    writeFileSync(join(OUT, `${s.name}.summary.json`), JSON.stringify(summary, null, 2) + "\n")
    const lines = readFileSync(recordFile, "utf8").split("\n").filter(Boolean).length
    console.log(`${s.name.padEnd(22)} ${String(summary.durationMs).padStart(6)} ms  ${main.length} requests  ${lines} records  error=${summary.sessionErrors.map((e) => e.name + (e.statusCode ? ":" + e.statusCode : "")).join(",") || "-"}`)
  } finally {
    await host.stop()
    await fake.close()
  }
}

if (import.meta.main) {
  mkdirSync(OUT, { recursive: true })
  const wanted = process.argv.slice(2)
  const list = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS
  // Scenarios are independent sandboxes. The long ones (the host retries for ~70 s, mostly waiting) run in the
  // background; the short ones run one at a time so their timings are not skewed by parallel host start-ups.
  const run = (s: Scenario) => record(s).catch((e) => console.error(`${s.name}: ${e?.message ?? e}`))
  const long = list.filter((s) => (s.timeoutMs ?? 0) > 60_000)
  const background = Promise.all(long.map(run))
  for (const s of list.filter((x) => !long.includes(x))) await run(s)
  await background
}
