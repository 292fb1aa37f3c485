// Records what a plugin sees when each provider SDK bundled in the host meets each kind of failure, in a
// bare host (no fallback plugin, only the recorder). For every SDK × scenario it starts a fresh sandboxed
// `opencode serve` whose built-in provider points at the fake provider, sends one prompt, and writes
//   test/fixtures/sdk/<provider>-<scenario>.jsonl          every event and chat hook the recorder saw
//   test/fixtures/sdk/<provider>-<scenario>.summary.json   what the bare host did, with timings
// and regenerates test/fixtures/sdk/README.md (the table of what the host does per SDK × scenario).
//   npm run record:sdk                         # everything
//   npm run record:sdk -- anthropic google     # some providers
//   npm run record:sdk -- anthropic-credits    # one recording
//   npm run record:sdk -- --readme             # only regenerate the README table from the summaries
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { startFakeProvider, type Behaviour } from "../test/e2e/harness/fake-provider.ts"
import { REPO_ROOT, servingPackages, startHost, type BuiltinProvider, type Host } from "../test/e2e/harness/host.ts"

const RECORDER = join(REPO_ROOT, "test", "e2e", "harness", "recorder-plugin.ts")
export const SDK_FIXTURES = join(REPO_ROOT, "test", "fixtures", "sdk")

/** Provider ids as the host names them; `fake` is the harness's OpenAI-compatible provider. */
export const PROVIDERS = ["openai-compatible", "anthropic", "openai", "google", "openrouter"] as const
export type ProviderName = (typeof PROVIDERS)[number]
const providerID = (p: ProviderName) => (p === "openai-compatible" ? "fake" : p)

/** Scenario → the model id (its prefix picks the fake's behaviour) and, where needed, a script. */
export const SCENARIOS: Record<string, { model: string; behaviour?: Behaviour; what: string }> = {
  ok: { model: "ok-model", what: "a normal streamed reply" },
  credits: { model: "credits-model", what: "out of credits / billing" },
  "invalid-key": { model: "auth-model", what: "invalid API key" },
  "unknown-model": { model: "missing-model", what: "unknown model" },
  quota: { model: "quota-model", what: "quota exhausted for a long window (day, month)" },
  "rate-limit": { model: "transient-model", behaviour: { kind: "transient", failures: 2, retryAfterSec: 1 }, what: "a rate limit that clears after 2 requests (retry-after 1 s)" },
  overloaded: { model: "overloaded-model", what: "persistent server overload" },
  midstream: { model: "midstream-model", what: "a few tokens, then an error inside the 200 stream" },
}

const SETTLE_MS = 1_500 // after the final idle: the errored message's write and the second idle arrive later
const TIMEOUT_MS = 180_000
/** More requests than the host's own retries (5 + 1) for one prompt: the host is looping; abort the turn. */
const LOOP_REQUESTS = 10

type Recording = { provider: ProviderName; scenario: string }

async function record({ provider, scenario }: Recording) {
  const s = SCENARIOS[scenario]!
  const name = `${provider}-${scenario}`
  const fake = await startFakeProvider({ script: s.behaviour ? { [s.model]: s.behaviour } : {} })
  const recordFile = join(SDK_FIXTURES, `${name}.jsonl`)
  if (existsSync(recordFile)) rmSync(recordFile)
  const pid = providerID(provider)
  const host: Host = await startHost({
    provider: fake,
    plugins: [RECORDER],
    models: pid === "fake" ? [s.model] : [],
    builtin: pid === "fake" ? {} : { [pid as BuiltinProvider]: [s.model] },
    env: { ORF_RECORD_FILE: recordFile },
    label: `record-${name}`,
  })
  try {
    const npm = (await servingPackages(host))[`${pid}/${s.model}`] ?? "?"
    const sid = await host.createSession(`fixture ${name}`)
    const t0 = Date.now()
    await host.prompt(sid, "hello", `${pid}/${s.model}`)
    // Some failures never end the turn (the host re-requests at once, forever): stop those with an abort.
    const looping = fake.waitForRequest((r) => r.sessionID === sid && fake.requests.filter((x) => x.sessionID === sid).length >= LOOP_REQUESTS, TIMEOUT_MS)
    const idle = host.waitForIdle(sid, TIMEOUT_MS)
    const ended = await Promise.race([idle.then(() => "idle" as const), looping.then(() => "loop" as const)])
    idle.catch(() => undefined)
    looping.catch(() => undefined)
    let abortedAfterRequests: number | null = null
    if (ended === "loop") {
      abortedAfterRequests = fake.requests.filter((x) => x.sessionID === sid).length
      const from = host.events.length
      await host.client.session.abort({ path: { id: sid } })
      await host.waitForEvent((e) => host.events.indexOf(e) >= from && e.type === "session.idle" && e.properties?.sessionID === sid, 60_000, "idle after abort").catch(() => undefined)
    }
    const t1 = Date.now()
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    const msgs = await host.messages(sid)
    const last = msgs[msgs.length - 1]?.info
    // Timings come from the recorder (inside the host, what a plugin sees): the harness's own event stream
    // can lag seconds behind on a cold host.
    const recorded = readFileSync(recordFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { t: number; kind: string; data: any })
    const events = recorded.filter((r) => r.kind === "event" && (r.data?.properties?.sessionID ?? r.data?.properties?.info?.sessionID) === sid)
    const of = (type: string) => events.filter((r) => r.data.type === type)
    const main = fake.requests.filter((r) => r.sessionID === sid)
    const first = main[0]?.t
    const errorOf = (err: any) => ({
      name: err?.name,
      statusCode: err?.data?.statusCode,
      isRetryable: err?.data?.isRetryable,
      message: typeof err?.data?.message === "string" ? err.data.message : undefined,
    })
    const timing = (t: number) => ({ atMs: t - t0, afterFirstRequestMs: first === undefined ? null : t - first })
    const errored = of("message.updated").find((r) => r.data.properties?.info?.role === "assistant" && r.data.properties?.info?.error)
    const summary = {
      recording: name,
      provider,
      providerID: pid,
      package: npm,
      scenario,
      what: s.what,
      model: s.model,
      host: "opencode 1.18.33, no fallback plugin",
      recordedAt: new Date().toISOString(),
      durationMs: t1 - t0,
      /** Set when the host kept re-requesting without ending the turn; the recorder aborted it. */
      abortedAfterRequests,
      providerRequests: main.map((r) => ({ atMs: r.t - t0, path: r.path, status: r.status })),
      retryStatuses: of("session.status")
        .filter((r) => r.data.properties?.status?.type === "retry")
        .map((r) => ({ ...timing(r.t), attempt: r.data.properties.status.attempt, message: r.data.properties.status.message, nextInMs: r.data.properties.status.next - r.t })),
      sessionErrors: of("session.error").map((r) => ({ ...timing(r.t), ...errorOf(r.data.properties?.error) })),
      erroredMessage: errored ? { ...timing(errored.t), ...errorOf(errored.data.properties.info.error) } : null,
      idles: of("session.idle").map((r) => r.t - t0),
      finalAssistant: last?.role === "assistant" ? { model: last.modelID, error: last.error?.name ?? null, finish: last.finish ?? null } : null,
      answered: msgs.some((m) => m.info.role === "assistant" && !m.info.error && m.parts.some((p: any) => p.type === "text" && p.text)),
    }
    writeFileSync(join(SDK_FIXTURES, `${name}.summary.json`), JSON.stringify(summary, null, 2) + "\n")
    const err = summary.sessionErrors[0]
    console.log(
      `${name.padEnd(32)} ${String(summary.durationMs).padStart(6)} ms  ${main.length} req  ${summary.retryStatuses.length} retries  ${err ? `${err.name}:${err.statusCode ?? "-"}` : "no error"}`,
    )
  } finally {
    await host.stop()
    await fake.close()
  }
}

// ---- README: one table per SDK, generated from the summaries --------------------------------------------

const cell = (s: string | undefined, n = 110) => (s ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, n) + ((s ?? "").length > n ? "…" : "")
const secs = (ms: number | undefined) => (ms === undefined ? "–" : `${(ms / 1000).toFixed(1)} s`)

function ended(s: any, e: any): string {
  if (s.abortedAfterRequests) return `never: re-requested at once, no error (aborted after ${s.abortedAfterRequests} requests)`
  if (e) return secs(e.afterFirstRequestMs ?? e.atMs)
  return s.answered ? "answered" : "–"
}

export function readme(): string {
  const summaries = readdirSync(SDK_FIXTURES)
    .filter((f) => f.endsWith(".summary.json"))
    .map((f) => JSON.parse(readFileSync(join(SDK_FIXTURES, f), "utf8")))
  const lines = [
    "# What the bare host emits through each provider SDK",
    "",
    "Recorded by `npm run record:sdk` (script/record-sdk-fixtures.ts): opencode 1.18.33 with no fallback plugin, each",
    "built-in provider pointed at the loopback fake (test/e2e/harness/fake-provider.ts, bodies in harness/wire/),",
    "one prompt per recording. `<provider>-<scenario>.jsonl` is every event and chat hook a plugin saw;",
    "`.summary.json` is what the host did (times taken inside the host by the recorder). Never edit them by hand.",
    "\"session.error after\" counts from the first request reaching the provider (a cold host spends seconds loading its",
    "catalog before that). Recordings ran a few at a time on a shared 2-core machine.",
    "",
    "Columns: **requests** reaching the provider (status each); **retry statuses** the host published (the",
    "`session.status {type:\"retry\"}` message is all a plugin gets: no status, body or headers); **session.error**",
    "after how long, with `name:statusCode` and the message; **answered**: a reply with text was stored.",
    "",
  ]
  for (const p of PROVIDERS) {
    const rows = summaries.filter((s) => s.provider === p).sort((a, b) => Object.keys(SCENARIOS).indexOf(a.scenario) - Object.keys(SCENARIOS).indexOf(b.scenario))
    if (!rows.length) continue
    lines.push(`## ${p} (\`${providerID(p)}/…\`, ${rows[0].package})`, "")
    lines.push("| scenario | requests | host retries? (waits) | retry status message (first) | session.error after | error | message |", "|---|---|---|---|---|---|---|")
    for (const s of rows) {
      const e = s.sessionErrors[s.sessionErrors.length - 1]
      const retries = s.retryStatuses.length
      lines.push(
        `| ${s.scenario} | ${s.providerRequests.map((r: any) => r.status).join(" ")} | ${retries ? `yes, ${retries}× (${s.retryStatuses.map((r: any) => (r.nextInMs / 1000).toFixed(1)).join(", ")} s)` : "no"} | ${cell(s.retryStatuses[0]?.message, 80) || "–"} | ${ended(s, e)} | ${e ? `${e.name}:${e.statusCode ?? "–"}` : "–"} | ${cell(e?.message) || "–"} |`,
      )
    }
    lines.push("")
  }
  return lines.join("\n")
}

const START = "<!-- generated by script/record-sdk-fixtures.ts: start -->"
const END = "<!-- generated by script/record-sdk-fixtures.ts: end -->"

/** Rewrites the generated part of README.md, keeping any hand-written notes around it. */
function writeReadme() {
  const file = join(SDK_FIXTURES, "README.md")
  const generated = `${START}\n${readme()}\n${END}`
  const old = existsSync(file) ? readFileSync(file, "utf8") : ""
  const a = old.indexOf(START)
  const b = old.indexOf(END)
  writeFileSync(file, a >= 0 && b > a ? old.slice(0, a) + generated + old.slice(b + END.length) : generated + "\n")
}

if (import.meta.main && process.argv.includes("--readme")) writeReadme()
else if (import.meta.main) {
  mkdirSync(SDK_FIXTURES, { recursive: true })
  const wanted = process.argv.slice(2)
  const all: Recording[] = PROVIDERS.flatMap((provider) => Object.keys(SCENARIOS).map((scenario) => ({ provider, scenario })))
  const list = wanted.length ? all.filter((r) => wanted.includes(r.provider) || wanted.includes(`${r.provider}-${r.scenario}`)) : all
  // Independent sandboxes; the host spends most of a retried failure (~75 s) waiting, so a few run at once.
  const parallel = Number(process.env.ORF_RECORD_PARALLEL ?? 3)
  const queue = [...list]
  const failed: string[] = []
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const name = `${r.provider}-${r.scenario}`
        await record(r).catch((e) => {
          failed.push(name)
          console.error(`${name}: ${e?.message ?? e}`)
        })
      }
    }),
  )
  writeReadme()
  if (failed.length) {
    console.error(`failed: ${failed.join(", ")}`)
    process.exitCode = 1
  }
}
