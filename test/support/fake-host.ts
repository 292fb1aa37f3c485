// A fake host client for whole-plugin tests and benchmarks: every method the plugin may call (session.prompt,
// promptAsync, abort, messages, status, tui.showToast, app.log), each call counted and recorded, each answer
// chosen per call: ok, an SDK `{ error }` result, a synchronous throw, a rejection, a hang (never settles) or a
// late answer (settled when the test calls `settleLate()`). No real time.
//
// `createPluginUnderTest` builds the plugin with the real `createInstance` and hands back its prompt gate too.
import type { RuntimeFallbackConfig } from "../../src/config/schema.ts"
import { createInstance } from "../../src/plugin/create.ts"
import type { ModelHealth } from "../../src/fallback/health.ts"
import type { PromptGate } from "../../src/gate/types.ts"
import type { Clock } from "../../src/host/clock.ts"
import type { HostClient, SdkResult } from "../../src/host/client.ts"
import type { Logger } from "../../src/host/logger.ts"
import type { HostMode, Runtime } from "../../src/runtime/runtime.ts"
export { seededRandom } from "./prng.ts"

export type Behavior = "ok" | "error" | "throw" | "reject" | "hang" | "late"
export type Method = "prompt" | "promptAsync" | "abort" | "messages" | "status" | "showToast" | "log"

export type FakeCall = { seq: number; method: Method; sessionID?: string; args: unknown; behavior: Behavior; at: number }

export type FakeHostClient = {
  client: HostClient
  /** Calls per method. */
  counts: Record<Method, number>
  /** Every call, in order (only `prompt`/`promptAsync`/`abort`/`messages`/`status` are kept when `keepCalls` is "session"). */
  calls: FakeCall[]
  /** Chooses the behaviour of each call (default: always "ok"). */
  decide: (method: Method, sessionID: string | undefined) => Behavior
  /** What `session.messages` returns for a session (default: an empty list). */
  messagesFor: (sessionID: string) => unknown
  /** What `session.status` returns (default: {} = every session idle). */
  statusMap: () => Record<string, unknown>
  /** Called synchronously for every call, before it answers. */
  onCall?: (call: FakeCall) => void
  /** Number of calls answered "late" and not settled yet. */
  lateCount(): number
  /** Settles every late call (in order); returns how many. Hung calls stay unsettled. */
  settleLate(): number
}

const METHODS: Method[] = ["prompt", "promptAsync", "abort", "messages", "status", "showToast", "log"]

export function createFakeHostClient(
  opts: {
    clock?: Pick<Clock, "now">
    decide?: FakeHostClient["decide"]
    keepCalls?: "all" | "session" | "none"
    /** Added to the messages of thrown and rejected errors (e.g. the fuzz case), so a stray one can be traced. */
    label?: () => string
  } = {},
): FakeHostClient {
  const late: Array<() => void> = []
  const keep = opts.keepCalls ?? "session"
  const tag = () => (opts.label ? ` [${opts.label()}]` : "")
  let seq = 0
  const fake: FakeHostClient = {
    client: undefined as unknown as HostClient,
    counts: Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>,
    calls: [],
    decide: opts.decide ?? (() => "ok"),
    messagesFor: () => [],
    statusMap: () => ({}),
    lateCount: () => late.length,
    settleLate() {
      const n = late.length
      for (const settle of late.splice(0, n)) settle()
      return n
    },
  }

  const okResult = (method: Method, sessionID: string | undefined): SdkResult => {
    switch (method) {
      case "prompt":
      case "promptAsync":
        return { data: undefined, response: { status: 204 } }
      case "messages":
        return { data: fake.messagesFor(sessionID ?? "") as unknown, response: { status: 200 } }
      case "status":
        return { data: fake.statusMap(), response: { status: 200 } }
      default:
        return { data: true, response: { status: 200 } }
    }
  }

  const call = (method: Method, args: unknown): Promise<SdkResult> => {
    const sessionID = (args as { path?: { id?: unknown } } | undefined)?.path?.id
    const sid = typeof sessionID === "string" ? sessionID : undefined
    fake.counts[method]++
    const behavior = fake.decide(method, sid)
    const record: FakeCall = { seq: ++seq, method, sessionID: sid, args, behavior, at: opts.clock?.now() ?? 0 }
    if (keep === "all" || (keep === "session" && method !== "log" && method !== "showToast")) fake.calls.push(record)
    fake.onCall?.(record)
    switch (behavior) {
      case "ok":
        return Promise.resolve(okResult(method, sid))
      case "error":
        return Promise.resolve({ error: { name: "FakeHostError", data: { message: `fake host refused ${method}` } }, response: { status: 400 } })
      case "throw":
        throw new Error(`fake host: ${method} threw${tag()}`)
      case "reject":
        return Promise.reject(new Error(`fake host: ${method} connection reset${tag()}`))
      case "hang":
        return new Promise<SdkResult>(() => {})
      case "late":
        return new Promise<SdkResult>((resolve) => late.push(() => resolve(okResult(method, sid))))
    }
  }

  fake.client = {
    session: {
      prompt: (args) => call("prompt", args),
      promptAsync: (args) => call("promptAsync", args),
      abort: (args) => call("abort", args) as Promise<SdkResult<boolean>>,
      messages: (args) => call("messages", args),
      status: (args) => call("status", args),
    },
    tui: { showToast: (args) => call("showToast", args) as Promise<SdkResult<boolean>> },
    app: { log: (args) => call("log", args) as Promise<SdkResult<boolean>> },
  }
  return fake
}

// ---- the plugin under test, with its gate --------------------------------------------------------------

/** The hooks as the host calls them, typed loosely: tests and benchmarks feed them anything. */
export type LooseHooks = {
  event?: (input: unknown) => Promise<void>
  "chat.message"?: (input: unknown, output: unknown) => Promise<void>
  "chat.params"?: (input: unknown, output: unknown) => Promise<void>
  "experimental.chat.messages.transform"?: (input: unknown, output: unknown) => Promise<void>
  config?: (input: unknown) => Promise<void>
  dispose?: () => Promise<void>
}

export type PluginUnderTest = { hooks: LooseHooks; runtime: Runtime; gate: PromptGate }

export function createPluginUnderTest(o: {
  client: HostClient
  clock: Clock
  config: RuntimeFallbackConfig
  health: ModelHealth
  random?: () => number
  mode?: HostMode
  logger?: Logger
  directory?: string
}): PluginUnderTest {
  const instance = createInstance({ client: o.client as never, directory: o.directory ?? "/tmp/orf-fake-project" }, undefined, {
    clock: o.clock,
    config: o.config,
    health: o.health,
    random: o.random,
    mode: o.mode ?? "serve",
    env: {},
    ...(o.logger ? { logger: o.logger } : {}),
  })
  if (!instance.runtime || !instance.gate) throw new Error(`createInstance returned no runtime: ${instance.error ?? "disabled"}`)
  return { hooks: instance.hooks as unknown as LooseHooks, runtime: instance.runtime, gate: instance.gate }
}

/** Lets pending promise callbacks run (no timers, no real time). */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

