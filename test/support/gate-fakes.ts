// Test-only helpers for the gate's tests: a scriptable fake host client, a microtask flush and an outcome
// tracker. No real time: everything runs on `createManualClock`.
import { createManualClock, type Clock, type ManualClock } from "../../src/host/clock.ts"
import type { PromptArgs, PromptClient, SdkResult } from "../../src/host/client.ts"
import { createPromptGate } from "../../src/gate/prompt-gate.ts"
import type { DispatchOutcome, GateLogLevel, InternalPromptRequest, PromptGate, PromptGateOptions } from "../../src/gate/types.ts"

/** ok: resolves `{ data }`; error: resolves `{ error }`; throw: throws synchronously; reject: rejects; pending: the test settles it (or never: a hang). */
export type HostBehavior = "ok" | "error" | "throw" | "reject" | "pending"

export type HostCall = {
  index: number
  method: "prompt" | "promptAsync"
  args: PromptArgs
  at: number
  behavior: HostBehavior
  resolve(result?: SdkResult): void
  reject(error: unknown): void
}

export type FakeHost = {
  client: PromptClient
  calls: HostCall[]
  /** Behaviour of the next calls (a function decides per call). */
  behavior: HostBehavior | ((call: { method: HostCall["method"]; args: PromptArgs }) => HostBehavior)
  /** Called with every recorded call, before it throws / resolves. */
  onCall?: (call: HostCall) => void
}

export function createFakeHost(clock: Clock, behavior: FakeHost["behavior"] = "ok"): FakeHost {
  const host: FakeHost = { client: undefined as unknown as PromptClient, calls: [], behavior }
  const call = (method: HostCall["method"], args: PromptArgs): Promise<SdkResult> => {
    const chosen = typeof host.behavior === "function" ? host.behavior({ method, args }) : host.behavior
    let resolve: (r: SdkResult) => void = () => {}
    let reject: (e: unknown) => void = () => {}
    const promise = new Promise<SdkResult>((res, rej) => {
      resolve = res
      reject = rej
    })
    const record: HostCall = { index: host.calls.length, method, args, at: clock.now(), behavior: chosen, resolve, reject }
    host.calls.push(record)
    host.onCall?.(record)
    if (chosen === "throw") throw new Error(`fake host: ${method} threw`)
    if (chosen === "ok") resolve({ data: { ok: true } })
    if (chosen === "error") resolve({ error: { name: "FakeHostError", data: { message: "refused" } }, response: { status: 400 } })
    if (chosen === "reject") reject(new Error(`fake host: ${method} connection reset`))
    return promise
  }
  host.client = {
    session: {
      prompt: (args) => call("prompt", args),
      promptAsync: (args) => call("promptAsync", args),
    },
  }
  return host
}

/** Lets pending promise callbacks run (no timers, no real time). */
export async function flush(rounds = 25): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

export type Tracked = { outcome: DispatchOutcome | undefined; promise: Promise<DispatchOutcome> }

/** Records a dispatch outcome when it arrives, so tests can assert "still pending". */
export function track(promise: Promise<DispatchOutcome>): Tracked {
  const tracked: Tracked = { outcome: undefined, promise }
  promise.then((o) => {
    tracked.outcome = o
  })
  return tracked
}

export type LogLine = { level: GateLogLevel; message: string; extra: Record<string, unknown> | undefined }

export type GateFixture = { clock: ManualClock; host: FakeHost; gate: PromptGate; logs: LogLine[] }

export function setupGate(
  overrides: Partial<Omit<PromptGateOptions, "client" | "clock" | "log">> & { behavior?: FakeHost["behavior"] } = {},
): GateFixture {
  const { behavior, ...options } = overrides
  const clock = createManualClock(0)
  const host = createFakeHost(clock, behavior ?? "ok")
  const logs: LogLine[] = []
  const gate = createPromptGate({ client: host.client, clock, log: (level, message, extra) => logs.push({ level, message, extra }), ...options })
  return { clock, host, gate, logs }
}

export const HOLD = 2000
export const TIMEOUT = 30_000
export const WINDOW = 15_000

export function req(overrides: Partial<InternalPromptRequest> = {}): InternalPromptRequest {
  return { sessionID: "ses_a", source: "runtime-fallback:turn1", parts: [{ type: "text", text: "continue" }], ...overrides }
}

export const text = (t: string) => [{ type: "text" as const, text: t }]
