// (b) Time to recovery in the real host: one fake provider, two sandboxed `opencode serve` hosts started side by
// side in the same run — one with this checkout as a plugin (chain: the failing model → fake/backup-model), one
// bare (`plugins: []`). Every run uses its own failing model id (e.g. quota-p3-model), so a cooldown recorded in
// one run never pre-routes the next, and a transient model's failure count starts fresh.
//
// Plugin runs go one at a time (clean latency); the bare host's runs of a scenario go concurrently in separate
// sessions (its quota and 503 runs take ~70 s each, spent in the host's own retry backoff). All waits are on
// host events or provider requests, with generous timeouts; nothing sleeps to decide a result.
import { startFakeProvider, type FakeProvider, type RequestRecord } from "../../test/e2e/harness/fake-provider.ts"
import { startHost, type Host, type HostEvent } from "../../test/e2e/harness/host.ts"

export const BACKUP_MODEL = "backup-model"

export type ScenarioKey = "quota" | "credits" | "overloaded" | "transient"
export type ScenarioDef = { key: ScenarioKey; label: string; prefix: string; expect: "switch" | "stay" }

export const SCENARIOS: ScenarioDef[] = [
  { key: "quota", label: "429 insufficient_quota", prefix: "quota", expect: "switch" },
  { key: "credits", label: "402 credits", prefix: "credits", expect: "switch" },
  { key: "overloaded", label: "503 persistent", prefix: "overloaded", expect: "switch" },
  { key: "transient", label: "429 transient (clears after 2)", prefix: "transient", expect: "stay" },
]

export type Setup = "plugin" | "bare"

export type RunResult = {
  setup: Setup
  scenario: ScenarioKey
  run: number
  sessionID?: string
  failingModel: string
  answered: boolean
  answerModel?: string
  /** prompt sent → the answering assistant message completed (event receipt time) */
  promptToAnswerMs?: number
  /** prompt sent → the last session.error (bare host, or a plugin run that never answered) */
  promptToFinalErrorMs?: number
  /** the first failing provider response → the fallback model's first request */
  failureToFallbackMs?: number
  failingRequests: number
  fallbackRequests: number
  /** a harness problem (timeout, skipped for time): the run counts as not answered */
  problem?: string
}

export type RecoveryResult = { runs: number; results: RunResult[]; hostStartMs: { plugin: number; bare: number }; ms: number }

const PLUGIN_CONFIG = `// written by script/bench/recovery.ts
{
  "chains": { "default": ["fake/${BACKUP_MODEL}"] },
  // one fake provider serves every model: a 402 cools only its model, so runs do not pre-route each other
  "cooldown": { "scope": { "payment_required": "model" } }
}
`

const modelFor = (s: ScenarioDef, setup: Setup, i: number) => `${s.prefix}-${setup === "plugin" ? "p" : "b"}${i}-model`

const infoOf = (e: HostEvent) => e.properties?.info as Record<string, any> | undefined

/** A completed assistant message of `sid` with no error, a final finish and a non-empty text part. */
function isAnswer(host: Host, sid: string, e: HostEvent): boolean {
  if (e.type !== "message.updated") return false
  const info = infoOf(e)
  if (!info || info.sessionID !== sid || info.role !== "assistant" || !info.time?.completed || info.error) return false
  if (!info.finish || info.finish === "tool-calls") return false
  return host.events.some(
    (p) =>
      p.type === "message.part.updated" &&
      p.properties?.part?.messageID === info.id &&
      p.properties.part.type === "text" &&
      typeof p.properties.part.text === "string" &&
      p.properties.part.text.trim().length > 0,
  )
}

function requestsOf(fake: FakeProvider, model: string, sid?: string): RequestRecord[] {
  return fake.requests.filter((r) => r.model === model && (!sid || !r.sessionID || r.sessionID === sid))
}

function fillCounts(fake: FakeProvider, r: RunResult) {
  r.failingRequests = requestsOf(fake, r.failingModel).length
  r.fallbackRequests = r.sessionID ? requestsOf(fake, BACKUP_MODEL, r.sessionID).length : 0
}

async function warmUp(host: Host) {
  const sid = await host.createSession("bench warm-up")
  await host.prompt(sid, "hello", "fake/ok-model")
  await host.waitForIdle(sid, 60_000)
}

async function pluginRun(host: Host, fake: FakeProvider, s: ScenarioDef, i: number, timeoutMs: number): Promise<RunResult> {
  const failingModel = modelFor(s, "plugin", i)
  const r: RunResult = { setup: "plugin", scenario: s.key, run: i, failingModel, answered: false, failingRequests: 0, fallbackRequests: 0 }
  const sid = await host.createSession(`bench plugin ${s.key} ${i}`)
  r.sessionID = sid
  const t0 = Date.now()
  await host.prompt(sid, "hello", `fake/${failingModel}`)
  try {
    const ev = await host.waitForEvent((e) => isAnswer(host, sid, e), timeoutMs, `answer in ${sid}`)
    r.answered = true
    r.answerModel = infoOf(ev)?.modelID
    r.promptToAnswerMs = ev.t - t0
  } catch (err) {
    r.problem = (err as Error).message
  }
  // Let the session settle before the next run starts (so runs do not overlap).
  await host.waitForIdle(sid, 60_000).catch((err) => (r.problem ??= `did not settle: ${(err as Error).message}`))
  const firstFail = requestsOf(fake, failingModel)[0]
  const firstBackup = requestsOf(fake, BACKUP_MODEL, sid).find((q) => q.t >= t0)
  if (firstFail && firstBackup) r.failureToFallbackMs = firstBackup.t - firstFail.t
  if (!r.answered) {
    const err = [...host.events].reverse().find((e) => e.type === "session.error" && e.properties?.sessionID === sid)
    if (err) r.promptToFinalErrorMs = err.t - t0
  }
  return r
}

async function bareRuns(host: Host, s: ScenarioDef, runs: number, timeoutMs: number): Promise<RunResult[]> {
  const started = await Promise.all(
    Array.from({ length: runs }, async (_, k) => {
      const i = k + 1
      const failingModel = modelFor(s, "bare", i)
      const sid = await host.createSession(`bench bare ${s.key} ${i}`)
      return { i, failingModel, sid }
    }),
  )
  // Prompt them back to back, then wait for all of them.
  const t0s = new Map<string, number>()
  for (const x of started) {
    t0s.set(x.sid, Date.now())
    await host.prompt(x.sid, "hello", `fake/${x.failingModel}`)
  }
  return Promise.all(
    started.map(async ({ i, failingModel, sid }) => {
      const r: RunResult = { setup: "bare", scenario: s.key, run: i, sessionID: sid, failingModel, answered: false, failingRequests: 0, fallbackRequests: 0 }
      const t0 = t0s.get(sid)!
      try {
        await host.waitForIdle(sid, timeoutMs)
      } catch (err) {
        r.problem = (err as Error).message
      }
      const answer = host.events.find((e) => isAnswer(host, sid, e))
      if (answer) {
        r.answered = true
        r.answerModel = infoOf(answer)?.modelID
        r.promptToAnswerMs = answer.t - t0
      }
      const err = [...host.events].reverse().find((e) => e.type === "session.error" && e.properties?.sessionID === sid)
      if (err && !r.answered) r.promptToFinalErrorMs = err.t - t0
      return r
    }),
  )
}

export async function benchRecovery(o: { runs?: number; deadline?: number; log?: (line: string) => void; only?: ScenarioKey[] } = {}): Promise<RecoveryResult> {
  const runs = o.runs ?? 5
  const deadline = o.deadline ?? Date.now() + 8 * 60_000
  const log = o.log ?? (() => {})
  const scenarios = SCENARIOS.filter((s) => !o.only || o.only.includes(s.key))
  const t0 = Date.now()
  const fake = await startFakeProvider()
  const models = [BACKUP_MODEL, "ok-model"]
  for (const s of scenarios) for (let i = 1; i <= runs; i++) models.push(modelFor(s, "plugin", i), modelFor(s, "bare", i))
  const env: Record<string, string> = process.env.BENCH_TRACE ? {} : { ORF_TRACE_FILE: "" }
  const results: RunResult[] = []
  let pluginHost: Host | undefined
  let bareHost: Host | undefined
  const hostStartMs = { plugin: NaN, bare: NaN }
  try {
    let t = Date.now()
    pluginHost = await startHost({ provider: fake, models, files: { "config/opencode/runtime-fallback.jsonc": PLUGIN_CONFIG }, env, label: "bench-plugin" })
    hostStartMs.plugin = Date.now() - t
    t = Date.now()
    bareHost = await startHost({ provider: fake, plugins: [], models, env, label: "bench-bare" })
    hostStartMs.bare = Date.now() - t
    await warmUp(pluginHost)
    await warmUp(bareHost)
    log(`  hosts up (plugin ${hostStartMs.plugin} ms, bare ${hostStartMs.bare} ms), warmed up`)

    for (const s of scenarios) {
      for (let i = 1; i <= runs; i++) {
        if (Date.now() > deadline) {
          results.push({ setup: "plugin", scenario: s.key, run: i, failingModel: modelFor(s, "plugin", i), answered: false, failingRequests: 0, fallbackRequests: 0, problem: "skipped: time budget spent" })
          continue
        }
        const r = await pluginRun(pluginHost, fake, s, i, 120_000)
        results.push(r)
        log(`  plugin ${s.key} #${i}: ${r.answered ? `answered by ${r.answerModel} in ${r.promptToAnswerMs} ms` : `no answer (${r.problem ?? "error"})`}`)
      }
      if (Date.now() > deadline) {
        for (let i = 1; i <= runs; i++)
          results.push({ setup: "bare", scenario: s.key, run: i, failingModel: modelFor(s, "bare", i), answered: false, failingRequests: 0, fallbackRequests: 0, problem: "skipped: time budget spent" })
        continue
      }
      const tb = Date.now()
      const bare = await bareRuns(bareHost, s, runs, 240_000)
      results.push(...bare)
      log(`  bare ${s.key}: ${runs} concurrent sessions settled in ${Date.now() - tb} ms; answered ${bare.filter((r) => r.answered).length}/${runs}`)
    }
  } finally {
    await pluginHost?.stop().catch(() => {})
    await bareHost?.stop().catch(() => {})
    // Counts after both hosts stopped: nothing can reach the provider any more.
    for (const r of results) fillCounts(fake, r)
    await fake.close().catch(() => {})
  }
  return { runs, results, hostStartMs, ms: Date.now() - t0 }
}

if (import.meta.main) {
  const only = process.argv.slice(2) as ScenarioKey[]
  const r = await benchRecovery({ runs: Number(process.env.BENCH_RUNS ?? 2), only: only.length ? only : undefined, log: console.log })
  console.table(r.results.map(({ sessionID, ...x }) => x))
  console.log(`${r.ms} ms`)
}
