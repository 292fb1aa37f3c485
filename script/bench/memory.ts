// (c) Memory: the heap after creating and deleting 10,000 sessions that each saw a failure, against the heap
// before, both after a forced full GC. Each session goes through the hooks as in the host: chat.message, a
// failure (half a 402 session.error, half a host retry status past the plugin's retry limit), the idle signal
// that lets the prompt gate send the fallback, the fake client's answers, the fallback model's completed
// answer, idle, session.deleted. Sessions run in overlapping batches; the manual clock moves 1 s per step.
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
      if (i % 2 === 0) {
        const body = JSON.stringify({ error: { message: "Insufficient credits. Add more using https://example.invalid/credits", code: 402 } })
        await hooks.event!(
          ev("session.error", {
            sessionID: sid,
            error: { name: "APIError", data: { message: "Insufficient credits. Add more using https://example.invalid/credits", statusCode: 402, isRetryable: false, responseBody: body } },
          }),
        )
      } else {
        await hooks.event!(
          ev("session.status", {
            sessionID: sid,
            status: { type: "retry", attempt: 3, message: "Rate limit reached for requests per min (RPM). Please try again in 1s.", next: clock.now() + 1_000 },
          }),
        )
      }
    }
    clock.advance(1_000)
    // The host goes idle (after the error, or after the plugin's abort): the gate sends the queued fallback.
    for (const sid of ids) await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "idle" } }))
    await flushMicrotasks()
    stats.peak = Math.max(stats.peak, p.runtime.inspect().sessions)
    // The fallback model answers.
    for (const sid of ids) {
      const a = `msg_${sid}_a`
      await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "busy" } }))
      await hooks.event!(ev("message.part.updated", { sessionID: sid, part: { id: `prt_${sid}_a`, type: "text", text: "Hello from backup.", messageID: a, sessionID: sid } }))
      await hooks.event!(
        ev("message.updated", {
          sessionID: sid,
          info: { id: a, sessionID: sid, role: "assistant", providerID: "fake", modelID: "backup-model", finish: "stop", time: { created: clock.now(), completed: clock.now() }, tokens: { input: 11, output: 7, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0 },
        }),
      )
      if (p.runtime.inspect().session(sid)?.turn?.outcome === "answered") stats.answered++
      await hooks.event!(ev("session.status", { sessionID: sid, status: { type: "idle" } }))
      await hooks.event!(ev("session.idle", { sessionID: sid }))
    }
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
  const dispatchesBefore = p.fake.counts.promptAsync
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
    dispatches: p.fake.counts.promptAsync - dispatchesBefore,
    aborts: p.fake.counts.abort - abortsBefore,
    answeredOnBackup: stats.answered - answeredBefore,
    after: { runtimeSessions: p.runtime.inspect().sessions, runtimeTimers: p.runtime.inspect().timers, clockTimers: p.clock.pending(), gate: p.gate.stats() },
    ms: Date.now() - t0,
  }
}

if (import.meta.main) console.log(await benchMemory())
