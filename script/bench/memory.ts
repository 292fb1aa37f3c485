// (c) Memory: the heap after creating and deleting 10,000 sessions that each saw a failure, against the heap
// before, both after a forced full GC. Each session goes through the hooks as in the host: chat.message, a
// failure (half a 402 with the host's whole end of run, half a host retry status past the plugin's retry
// limit, which it aborts), the fallback's own user message and run, its completed answer, idle (the plugin
// gives the session its model back), session.deleted. Sessions run in batches; the manual clock moves on.
import { benchPlugin, type BenchPlugin } from "./plugin.ts"
import { flushMicrotasks } from "../../test/support/fake-host.ts"

export type MemoryResult = {
  sessions: number
  batch: number
  baselineBytes: number
  afterBytes: number
  deltaBytes: number
  peakTracked: number
  dispatches: number
  aborts: number
  answeredOnBackup: number
  after: { runtimeSessions: number; runtimeTimers: number; clockTimers: number; gate: ReturnType<BenchPlugin["gate"]["stats"]> }
  ms: number
}

function heapBytes(): number {
  for (let i = 0; i < 3; i++) Bun.gc(true)
  return process.memoryUsage().heapUsed
}

const ev = (type: string, properties: Record<string, unknown>) => ({ event: { id: `evt_${Math.random().toString(36).slice(2)}`, type, properties } })

async function churn(p: BenchPlugin, prefix: string, count: number, batch: number, stats: { peak: number; answered: number }) {
  const { hooks, clock } = p
  const idle = async (sid: string) => {
    await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "idle" } }))
    await hooks.event!(ev("session.idle", { sessionID: sid }))
  }
  const row = (sid: string, id: string, parentID: string, modelID: string, extra: Record<string, unknown> = {}) =>
    ev("message.updated", { sessionID: sid, info: { id, sessionID: sid, role: "assistant", parentID, providerID: "fake", modelID, time: { created: clock.now() }, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0, ...extra } })
  for (let start = 0; start < count; start += batch) {
    const ids = Array.from({ length: Math.min(batch, count - start) }, (_, i) => `ses_${prefix}${start + i}`)
    for (const [i, sid] of ids.entries()) {
      const msgID = `msg_${sid}_u`
      await hooks["chat.message"]!(
        { sessionID: sid, model: { providerID: "fake", modelID: "credits-model" } },
        {
          message: { id: msgID, role: "user", sessionID: sid, agent: "build", model: { providerID: "fake", modelID: "credits-model" }, time: { created: clock.now() } },
          parts: [{ id: `prt_${sid}_1`, type: "text", text: "hello", messageID: msgID, sessionID: sid }],
        },
      )
      await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "busy" } }))
      await hooks.event!(row(sid, `msg_${sid}_f`, msgID, "credits-model"))
      if (i % 2 === 0) {
        const error = { name: "APIError", data: { message: "Insufficient credits. Add more using https://example.invalid/credits", statusCode: 402, isRetryable: false, responseBody: JSON.stringify({ error: { message: "Insufficient credits. Add more using https://example.invalid/credits", code: 402 } }) } }
        // The host's end of a failed run: session.error and an idle, then the errored row, then the idle after it.
        await hooks.event!(ev("session.error", { sessionID: sid, error }))
        await idle(sid)
        await hooks.event!(row(sid, `msg_${sid}_f`, msgID, "credits-model", { time: { created: clock.now(), completed: clock.now() }, error }))
        await idle(sid)
      } else {
        // A host retry past the plugin's limit: it aborts; the abort returns and the fallback goes out.
        await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "retry", attempt: 3, message: "Rate limit reached for requests per min (RPM). Please try again in 1s.", next: clock.now() + 1_000 } }))
      }
    }
    await flushMicrotasks()
    stats.peak = Math.max(stats.peak, p.runtime.inspect().sessions)
    // The host runs each fallback: an empty user message, a run, the fallback model's answer, idle.
    for (const sid of ids) {
      const r = `msg_${sid}_r`
      const a = `msg_${sid}_a`
      await hooks["chat.message"]!({ sessionID: sid, model: { providerID: "fake", modelID: "backup-model" } }, { message: { id: r, role: "user", sessionID: sid, agent: "build", model: { providerID: "fake", modelID: "backup-model" }, time: { created: clock.now() } }, parts: [] })
      await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "busy" } }))
      await hooks.event!(row(sid, a, r, "backup-model"))
      await hooks.event!(ev("message.part.updated", { sessionID: sid, part: { id: `prt_${sid}_s`, type: "step-start", messageID: a, sessionID: sid } }))
      await hooks.event!(row(sid, a, r, "backup-model", { finish: "stop", time: { created: clock.now(), completed: clock.now() }, tokens: { input: 11, output: 7, reasoning: 0, cache: { read: 0, write: 0 } } }))
      const turn = p.runtime.inspect().session(sid)?.turn
      if (turn?.phase.name === "settled" && turn.phase.outcome === "answered" && turn.attempt.model.modelID === "backup-model") stats.answered++
      await idle(sid)
    }
    await flushMicrotasks()
    clock.advance(1_000)
    for (const sid of ids) await hooks.event!(ev("session.deleted", { sessionID: sid, info: { id: sid } }))
    await flushMicrotasks()
  }
  // Let every gate hold and dedupe window run out.
  clock.advance(120_000)
  await flushMicrotasks()
}

export async function benchMemory(o: { sessions?: number; batch?: number } = {}): Promise<MemoryResult> {
  const sessions = o.sessions ?? 10_000
  const batch = o.batch ?? 100
  const t0 = Date.now()
  const p = benchPlugin({ cooldown: { baseMs: 0 } })
  const stats = { peak: 0, answered: 0 }
  // Warm-up on the same instance (JIT, lazily built tables, the logger's once-keys), then the baseline.
  await churn(p, "warm", 500, batch, stats)
  const dispatchesBefore = p.counts.replays
  const abortsBefore = p.fake.counts.abort
  const answeredBefore = stats.answered
  const baselineBytes = heapBytes()
  await churn(p, "s", sessions, batch, stats)
  const afterBytes = heapBytes()
  return {
    sessions,
    batch,
    baselineBytes,
    afterBytes,
    deltaBytes: afterBytes - baselineBytes,
    peakTracked: stats.peak,
    dispatches: p.counts.replays - dispatchesBefore,
    aborts: p.fake.counts.abort - abortsBefore,
    answeredOnBackup: stats.answered - answeredBefore,
    after: { runtimeSessions: p.runtime.inspect().sessions, runtimeTimers: p.runtime.inspect().timers, clockTimers: p.clock.pending(), gate: p.gate.stats() },
    ms: Date.now() - t0,
  }
}

if (import.meta.main) console.log(await benchMemory())
