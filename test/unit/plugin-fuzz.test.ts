// Whole-plugin fuzzing: hooks + runtime + prompt gate, built by the real createInstance (serve mode) with a fake
// host client and a manual clock. Three seeded fast-check properties, 100,000 cases in all (25k + 15k + 60k):
//   1. junk      arbitrary values, arbitrary JSON and plausible-but-wrong shapes through every hook;
//   2. replay    the recorded real streams of test/fixtures/*.jsonl (event records through `event`, chat.message
//                records through `chat.message`, chat.params and messages.transform records through theirs),
//                a few records mutated (test/support/arbitraries.ts `mutate`), the clock following the recording;
//   3. scenario  plausible sessions: user turns, host retry statuses, errors (the dev corpus in both forms),
//                completions, tool activity, idles, deletions, on a few shared session ids.
// The fake client counts every call and answers each one ok, `{ error }`, with a synchronous throw, a
// rejection, never (hang), or later (settled at a random step). The clock moves between steps.
//
// Checked after every case:
//   - no hook throws or rejects, except chat.params stopping a deferred first message with an AbortError (its
//     other throw, fail-fast, is only for `opencode run`; this is serve mode);
//   - no unhandled promise rejection (a process listener is installed; note that `bun test` itself takes
//     unhandled rejections first and fails the running test, which the canary test below proves);
//   - after every session is deleted and the clock has run on, the state is empty: runtime.inspect() sessions
//     and timers, the gate's sessions, queue, reservations, in-flight calls and dedupe keys, pending timers;
//   - no internal prompt (prompt/promptAsync), and no abort, for a session that never received a failure
//     signal (session.error, message.updated with info.error, a retry status, a retry/error part).
//   - no internal prompt for a deleted session, and never more than limits.maxDispatchesPerTurn internal prompts
//     for a session since its last user message.
// FUZZ_SEED=<n> and FUZZ_SCALE=<x> (case counts multiplier) reproduce or widen a run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import fc from "fast-check"
import { configSchema, type RuntimeFallbackConfig } from "../../src/config/schema.ts"
import { createModelHealth, type HealthStore } from "../../src/fallback/health.ts"
import { applyOp, cloneState, emptyState, type HealthState } from "../../src/fallback/health-state.ts"
import { createManualClock, type ManualClock } from "../../src/host/clock.ts"
import { anyJson, anyValue, mutate } from "../support/arbitraries.ts"
import { apiErrorForm, bareStringForm, loadCorpus } from "../support/corpus.ts"
import { createFakeHostClient, createPluginUnderTest, flushMicrotasks, seededRandom, type Behavior, type FakeCall, type FakeHostClient, type Method, type PluginUnderTest } from "../support/fake-host.ts"
import { loadRecording, recordingNames, type Recorded } from "../support/fixtures.ts"

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_121)
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
/** Each property's own time limit grows with the scale (a deep run at 10× takes minutes). */
const TIMEOUT_MS = 120_000 * Math.max(1, SCALE)
const RUNS = { junk: Math.round(25_000 * SCALE), replay: Math.round(15_000 * SCALE), scenario: Math.round(60_000 * SCALE) }

const SIDS = ["ses_a", "ses_b", "ses_c"]
/** Sessions of a second OpenCode process of the same user: its own plugin, the same model health store. */
const PEER_SIDS = ["ses_x", "ses_y"]
const MODELS = [
  { providerID: "fake", modelID: "quota-model" },
  { providerID: "fake", modelID: "credits-model" },
  { providerID: "fake", modelID: "transient-model" },
  { providerID: "fake", modelID: "backup-model" },
  { providerID: "fake", modelID: "ok-model" },
  { providerID: "other", modelID: "x/y" },
]
const EVENT_TYPES = [
  "session.status",
  "session.idle",
  "session.error",
  "message.updated",
  "message.part.updated",
  "message.part.delta",
  "session.created",
  "session.updated",
  "session.deleted",
  "plugin.added",
  "tui.toast.show",
]

// ---- the world of one case -----------------------------------------------------------------------------

type World = {
  clock: ManualClock
  fake: FakeHostClient
  plugin: PluginUnderTest
  /** the second process: PEER_SIDS go to it */
  peer: PluginUnderTest
  peerFake: FakeHostClient
  rand: () => number
  /** sessions that received a failure signal (an internal prompt or abort for any other is a bug) */
  failed: Set<string>
  /** sessions with a model request the stall watch follows: when the latest began */
  watchedAt: Map<string, number>
  /** every session id the plugin may have keyed state on */
  seen: Set<string>
  /** deleted, and not revived since by a chat.message or a failure signal */
  deletedNow: Set<string>
  problems: string[]
  /** internal prompts sent for a session after its deletion */
  afterDelete: string[]
  /** internal prompts per session since its last user message or deletion (a turn sends at most maxDispatchesPerTurn) */
  turnPrompts: Map<string, number>
  limit: number
  overLimit: string[]
  /** the host behaves from now on (the end of the case) */
  final: boolean
}

const baseConfig = {
  chains: {
    default: ["fake/backup-model", { model: "fake/ok-model", variant: "high" }],
    models: { "fake/quota-model": ["fake/credits-model", "fake/backup-model"] },
    agents: { helper: ["fake/transient-model", "fake/backup-model"] },
  },
}

const configArb: fc.Arbitrary<RuntimeFallbackConfig> = fc
  .record({
    maxHostAttempts: fc.integer({ min: 0, max: 3 }),
    maxHostWaitMs: fc.constantFrom(0, 5_000, 30_000),
    backoffInitialMs: fc.constantFrom(0, 500, 2_000),
    backoffMaxAttempts: fc.integer({ min: 0, max: 3 }),
    maxDispatchesPerTurn: fc.integer({ min: 1, max: 6 }),
    toasts: fc.boolean(),
    rules: fc.constantFrom([], [{ match: "overloaded", code: "quota_exhausted" as const }], [{ match: "(", regex: true, code: "auth" as const }]),
    baseMs: fc.constantFrom(0, 60_000, 900_000),
    paymentScope: fc.constantFrom("model" as const, "provider" as const),
  })
  .map((c) => {
    const config = configSchema.parse({
      ...baseConfig,
      retry: { maxHostAttempts: c.maxHostAttempts, maxHostWaitMs: c.maxHostWaitMs, backoffInitialMs: c.backoffInitialMs, backoffMaxAttempts: c.backoffMaxAttempts },
      limits: { maxDispatchesPerTurn: c.maxDispatchesPerTurn },
      notify: { toasts: c.toasts },
      cooldown: { baseMs: c.baseMs, scope: { payment_required: c.paymentScope } },
    })
    // Rules go in after validation: the config refuses an invalid pattern at load, the runtime must still survive one.
    const rules: RuntimeFallbackConfig["classify"]["rules"] = (c.rules as ReadonlyArray<{ match: string; regex?: boolean; code: "auth" | "quota_exhausted" }>).map((r) => ({ regex: false, ...r }))
    return { ...config, classify: { ...config.classify, rules } }
  })

const DEFAULT_CONFIG = configSchema.parse(baseConfig)

function pickBehavior(rand: () => number, method: Method): Behavior {
  const x = rand()
  if (method === "log" || method === "showToast") return x < 0.9 ? "ok" : x < 0.95 ? "throw" : "reject"
  return x < 0.55 ? "ok" : x < 0.65 ? "error" : x < 0.73 ? "throw" : x < 0.81 ? "reject" : x < 0.87 ? "hang" : "late"
}

/** What `session.messages` answers: a plausible history, an empty one or junk. */
function historyFor(sid: string, rand: () => number): unknown {
  const x = rand()
  if (x < 0.15) return []
  if (x < 0.25) return { nope: true }
  const model = MODELS[Math.floor(rand() * MODELS.length)]!
  const user = {
    info: { id: "msg_u1", sessionID: sid, role: "user", agent: rand() < 0.5 ? "build" : "helper", model, time: { created: 1 } },
    parts: [{ id: "prt_u1", type: "text", text: "hello", messageID: "msg_u1", sessionID: sid }],
  }
  const assistant = {
    info: { id: "msg_a1", sessionID: sid, role: "assistant", providerID: model.providerID, modelID: model.modelID, time: { created: 2, completed: 3 }, error: { name: "APIError", data: { message: "quota", statusCode: 429 } } },
    parts: [],
  }
  return x < 0.6 ? [user, assistant] : x < 0.8 ? [user] : [assistant]
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0
function get(o: unknown, k: string): unknown {
  if (!o || typeof o !== "object") return undefined
  try {
    return (o as Record<string, unknown>)[k]
  } catch {
    return undefined
  }
}

let currentCase = ""
/** Steps driven through the plugin in this run (hook calls and world steps), for the report. */
let steps_ = 0

/** A model health store shared by the two processes of a case, standing in for the state file. */
function sharedMemoryStore() {
  let shared: HealthState = emptyState()
  let version = 0
  return (): HealthStore => {
    let seen = -1
    return {
      poll() {
        if (seen === version) return undefined
        seen = version
        return cloneState(shared)
      },
      push(op) {
        applyOp(shared, op)
        version++
      },
    }
  }
}

/** The shortest silence the stall watch acts on under this config. */
function minStallMs(config: RuntimeFallbackConfig): number {
  const s = config.stall
  const all = [s.firstTokenMs, s.idleMs, s.reasoningFirstTokenMs, s.reasoningIdleMs, ...Object.values(s.models).flatMap((o) => [o.firstTokenMs, o.idleMs]), ...Object.values(s.agents).flatMap((o) => [o.firstTokenMs, o.idleMs])]
  return Math.min(...all.filter((v): v is number => typeof v === "number" && v > 0))
}

function makeWorld(seed: number, config: RuntimeFallbackConfig, start = 1_700_000_000_000): World {
  const clock = createManualClock(start)
  const rand = seededRandom(seed)
  const w = {} as World
  const onCall = (c: FakeCall) => {
    if (c.method !== "prompt" && c.method !== "promptAsync" && c.method !== "abort") return
    // The noReply prompt that gives a session its model back sends nothing to a model: it follows a rescue or
    // a pre-routed turn, which needs no failure signal in this session.
    if ((c.args as { body?: { noReply?: unknown } } | undefined)?.body?.noReply === true) return
    const sid = c.sessionID
    // A stall is a failure signal of its own: a request (chat.params) with no token for the stall limit. No
    // abort may come sooner than the smallest limit after the session's latest request began.
    const since = sid ? w.watchedAt.get(sid) : undefined
    if (sid && !w.failed.has(sid) && c.method === "abort" && since !== undefined && clock.now() - since >= minStallMs(config)) w.failed.add(sid)
    if (!sid || !w.failed.has(sid)) w.problems.push(`${c.method} for session ${JSON.stringify(sid)}, which never received a failure signal`)
    if (sid && c.method !== "abort" && w.deletedNow.has(sid)) w.afterDelete.push(`${c.method} for deleted session ${sid}`)
    if (sid && c.method !== "abort") {
      const n = (w.turnPrompts.get(sid) ?? 0) + 1
      w.turnPrompts.set(sid, n)
      if (n > w.limit) w.overLimit.push(`${n} internal prompts for ${sid} in one turn (limit ${w.limit})`)
    }
  }
  const fakeFor = () => {
    const fake = createFakeHostClient({ clock, keepCalls: "none", label: () => currentCase, decide: (method) => (w.final ? "ok" : pickBehavior(rand, method)) })
    fake.messagesFor = (sid) => historyFor(sid, rand)
    fake.statusMap = () => (rand() < 0.5 ? {} : { [SIDS[Math.floor(rand() * SIDS.length)]!]: { type: rand() < 0.5 ? "busy" : "idle" } })
    fake.onCall = onCall
    return fake
  }
  // In memory: nothing is written to the home directory. Both processes share one store, as they share the file.
  const store = sharedMemoryStore()
  const fake = fakeFor()
  const peerFake = fakeFor()
  const plugin = createPluginUnderTest({ client: fake.client, clock, config, health: createModelHealth(config.cooldown, { store: store(), breaker: config.breaker, node: "A" }), random: rand, mode: "serve" })
  const peer = createPluginUnderTest({ client: peerFake.client, clock, config, health: createModelHealth(config.cooldown, { store: store(), breaker: config.breaker, node: "B" }), random: rand, mode: "serve" })
  Object.assign(w, { clock, fake, plugin, peer, peerFake, rand, failed: new Set(), watchedAt: new Map(), seen: new Set(), deletedNow: new Set(), problems: [], afterDelete: [], turnPrompts: new Map(), limit: config.limits.maxDispatchesPerTurn, overLimit: [], final: false })
  return w
}

/** The session an input is about, wherever the host puts it. */
function sessionOf(input: unknown): unknown {
  const ev = typeof get(input, "type") === "string" ? input : get(input, "event")
  const p = get(ev, "properties")
  return get(p, "sessionID") ?? get(get(p, "info"), "sessionID") ?? get(get(p, "part"), "sessionID") ?? get(input, "sessionID")
}

/** The process a session lives in. */
const pluginOf = (w: World, input: unknown) => (PEER_SIDS.includes(sessionOf(input) as string) ? w.peer : w.plugin)

// ---- the oracle: what an input means, read independently of the plugin's own parsing -----------------------

function observeEvent(w: World, input: unknown) {
  const candidates = [input, get(input, "event")]
  // The plugin reads the input itself when it has a string `type`, else `input.event`.
  const used = typeof get(input, "type") === "string" ? input : get(input, "event")
  for (const ev of candidates) {
    const type = get(ev, "type")
    const p = get(ev, "properties")
    if (typeof type !== "string" || !p || typeof p !== "object") continue
    const info = get(p, "info")
    const part = get(p, "part")
    const ids = [get(p, "sessionID"), get(info, "sessionID"), get(info, "id"), get(part, "sessionID")].filter(nonEmpty)
    for (const id of ids) w.seen.add(id)
    const failure =
      type === "session.error" ||
      (type === "session.status" && get(get(p, "status"), "type") === "retry") ||
      (type === "message.updated" && get(info, "error") !== undefined) ||
      (type === "message.part.updated" && (get(part, "type") === "retry" || get(part, "type") === "error"))
    if (failure)
      for (const id of ids) {
        w.failed.add(id)
        w.deletedNow.delete(id)
      }
    if (type === "session.deleted" && ev === used) {
      const s = nonEmpty(get(p, "sessionID")) ? (get(p, "sessionID") as string) : nonEmpty(get(info, "id")) ? (get(info, "id") as string) : undefined
      if (s) {
        w.deletedNow.add(s)
        w.turnPrompts.delete(s)
      }
    }
  }
}

function observeChat(w: World, input: unknown) {
  const sid = get(input, "sessionID")
  if (!nonEmpty(sid)) return
  w.seen.add(sid)
  w.deletedNow.delete(sid)
  w.turnPrompts.delete(sid)
}

// ---- calling the hooks -------------------------------------------------------------------------------------

type HookName = "event" | "chat.message" | "chat.params" | "experimental.chat.messages.transform" | "config"

function call(w: World, name: HookName, input: unknown, output?: unknown) {
  if (name === "event") observeEvent(w, input)
  if (name === "chat.message") observeChat(w, input)
  // A request the plugin watches for stalls belongs to a session that the end of the case deletes too.
  if (name === "chat.params" && nonEmpty(get(input, "sessionID"))) {
    w.seen.add(get(input, "sessionID") as string)
    w.watchedAt.set(get(input, "sessionID") as string, w.clock.now())
  }
  const hook = pluginOf(w, input).hooks[name] as ((i: unknown, o?: unknown) => unknown) | undefined
  if (!hook) {
    w.problems.push(`hook ${name} missing`)
    return
  }
  let result: unknown
  try {
    result = name === "event" || name === "config" ? hook(input) : hook(input, output)
  } catch (err) {
    w.problems.push(`hook ${name} threw synchronously: ${String(err)}`)
    return
  }
  if (result && typeof (result as Promise<unknown>).then === "function")
    (result as Promise<unknown>).then(undefined, (err: unknown) => {
      if (name === "chat.params" && err instanceof DOMException && err.name === "AbortError") return // deliberate: a deferred first message
      w.problems.push(`hook ${name} rejected: ${err instanceof Error ? err.message : String(err)}`)
    })
}

const clone = <T>(v: T): T => {
  try {
    return structuredClone(v)
  } catch {
    return v
  }
}

/** `jump`: the wall clock steps (an NTP correction, a laptop waking up): back or forward, timers stay where they were. */
type WorldStep = { kind: "advance"; ms: number } | { kind: "flush" } | { kind: "settle-late" } | { kind: "jump"; ms: number }

async function worldStep(w: World, s: WorldStep) {
  if (s.kind === "advance") w.clock.advance(s.ms)
  else if (s.kind === "jump") w.clock.set(w.clock.now() + s.ms)
  else if (s.kind === "flush") await flushMicrotasks(5)
  else {
    w.fake.settleLate()
    w.peerFake.settleLate()
  }
}

/** Settles late calls and runs the clock on until nothing is pending (hung calls stay hung), at most 8 rounds. */
async function settle(w: World) {
  for (let i = 0; i < 8; i++) {
    w.fake.settleLate()
    w.peerFake.settleLate()
    await flushMicrotasks()
    if (w.fake.lateCount() === 0 && w.peerFake.lateCount() === 0 && w.clock.pending() === 0) return
    w.clock.advance(45_000)
    await flushMicrotasks()
  }
}

/** Ends a case: the host behaves, every session is deleted (before or after the pending calls settle), time runs on. */
async function finish(w: World, deleteFirst: boolean) {
  await flushMicrotasks()
  w.final = true
  if (!deleteFirst) await settle(w)
  for (const id of [...w.seen]) call(w, "event", { event: { type: "session.deleted", properties: { sessionID: id, info: { id } } } })
  await settle(w)
  // Unhandled rejections surface after the microtask queue drains: give them a macrotask now and then.
  if (++finished % 32 === 0) await new Promise<void>((r) => setImmediate(r))
}
let finished = 0

function boundedProblems(w: World): string[] {
  const out: string[] = []
  for (const [name, p] of [["", w.plugin], ["the second process: ", w.peer]] as const) {
    const r = p.runtime.inspect()
    const g = p.gate.stats()
    if (r.sessions !== 0 || r.timers !== 0 || r.watched !== 0) out.push(`${name}runtime keeps ${r.sessions} sessions / ${r.timers} timers / ${r.watched} stall watches after every session was deleted`)
    if (g.sessions || g.queued || g.reservations || g.inFlight || g.recentKeys) out.push(`${name}gate keeps state after every session was deleted: ${JSON.stringify(g)}`)
  }
  if (w.clock.pending() !== 0) out.push(`${w.clock.pending()} timers still pending on the clock`)
  return out
}

function verdict(w: World): string[] {
  return [...w.problems, ...boundedProblems(w), ...unhandled.splice(0).map((e) => `unhandled rejection: ${e}`)]
}

// ---- process-level guards ------------------------------------------------------------------------------------

const unhandled: string[] = []
const onUnhandled = (reason: unknown) => unhandled.push(`${currentCase}: ${reason instanceof Error ? reason.message : String(reason)}`)
const realConsoleError = console.error
let consoleErrors = 0

beforeAll(() => {
  process.on("unhandledRejection", onUnhandled)
  // The logger reports a failing host log/toast call once per instance on stderr; 100,000 instances would flood it.
  console.error = () => {
    consoleErrors++
  }
})
afterAll(() => {
  process.off("unhandledRejection", onUnhandled)
  console.error = realConsoleError
})

const params = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: false, verbose: 1 as const })

let totalCases = 0
const report = (name: string, runs: number, ms: number) => {
  totalCases += runs
  console.log(`plugin fuzz: ${name}: ${runs.toLocaleString("en-US")} cases in ${(ms / 1000).toFixed(1)} s (seed ${SEED})`)
}

// ---- 1. junk through every hook ------------------------------------------------------------------------------

const sidArb = fc.oneof(fc.constantFrom(...SIDS), anyValue)
const junkEventInput: fc.Arbitrary<unknown> = fc.oneof(
  anyValue,
  anyValue.map((event) => ({ event })),
  fc.record({ type: fc.constantFrom(...EVENT_TYPES), properties: anyValue }).map((event) => ({ event })),
  fc
    .record(
      {
        type: fc.constantFrom(...EVENT_TYPES),
        properties: fc.record(
          { sessionID: sidArb, status: fc.oneof(anyValue, fc.record({ type: fc.constantFrom("busy", "idle", "retry"), attempt: anyValue, next: anyValue, message: anyValue })), info: anyValue, part: anyValue, error: anyValue },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ["type"] },
    )
    .chain((event) => fc.constantFrom({ event }, event as unknown)),
)

type JunkStep = { kind: "hook"; name: HookName; input: unknown; output?: unknown } | WorldStep

const worldStepArb: fc.Arbitrary<WorldStep> = fc.oneof(
  fc.integer({ min: 0, max: 120_000 }).map((ms) => ({ kind: "advance" as const, ms })),
  fc.integer({ min: -3_600_000, max: 3_600_000 }).map((ms) => ({ kind: "jump" as const, ms })),
  fc.constant({ kind: "flush" as const }),
  fc.constant({ kind: "settle-late" as const }),
)

const junkStep: fc.Arbitrary<JunkStep> = fc.oneof(
  { weight: 5, arbitrary: junkEventInput.map((input) => ({ kind: "hook" as const, name: "event" as const, input })) },
  { weight: 1, arbitrary: fc.tuple(anyValue, anyValue).map(([input, output]) => ({ kind: "hook" as const, name: "chat.message" as const, input, output })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.record({ sessionID: sidArb, model: fc.oneof(fc.constantFrom(...MODELS), anyValue), agent: anyValue, messageID: anyValue, variant: anyValue }, { requiredKeys: [] }),
        fc.record({ message: fc.oneof(anyValue, fc.record({ id: anyValue, model: anyValue, agent: anyValue }, { requiredKeys: [] })), parts: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })) }, { requiredKeys: [] }),
      )
      .map(([input, output]) => ({ kind: "hook" as const, name: "chat.message" as const, input, output })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(anyValue, fc.record({ sessionID: sidArb })), anyValue).map(([input, output]) => ({ kind: "hook" as const, name: "chat.params" as const, input, output })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(anyValue, fc.oneof(anyValue, fc.record({ messages: fc.array(fc.oneof(anyValue, fc.record({ info: fc.record({ id: anyValue, role: anyValue, sessionID: sidArb }, { requiredKeys: [] }), parts: anyValue })), { maxLength: 4 }) })))
      .map(([input, output]) => ({ kind: "hook" as const, name: "experimental.chat.messages.transform" as const, input, output })),
  },
  {
    // The host's merged config (once at start-up in the host; any time here): agents' chains, declared models, plugins.
    weight: 1,
    arbitrary: fc
      .oneof(
        anyValue,
        fc.record(
          {
            agent: fc.oneof(anyValue, fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(anyValue, fc.record({ fallback_models: fc.oneof(anyValue, fc.array(fc.oneof(anyValue, fc.constantFrom("p/a", "q/b", "r/c")), { maxLength: 4 })) }, { requiredKeys: [] })), { maxKeys: 4 })),
            provider: anyValue,
            plugin: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })),
          },
          { requiredKeys: [] },
        ),
      )
      .map((input) => ({ kind: "hook" as const, name: "config" as const, input })),
  },
  { weight: 2, arbitrary: worldStepArb },
)

async function runJunk(seed: number, config: RuntimeFallbackConfig, steps: JunkStep[], deleteFirst: boolean): Promise<string[]> {
  const w = makeWorld(seed, config)
  for (const s of steps) {
    steps_ += 1
    if (s.kind === "hook") call(w, s.name, s.name === "event" ? s.input : clone(s.input), clone(s.output))
    else await worldStep(w, s)
  }
  await finish(w, deleteFirst)
  return verdict(w)
}

// ---- 2. mutated real recordings ------------------------------------------------------------------------------

type Fixture = { name: string; records: Recorded[]; mutations: Map<number, fc.Arbitrary<unknown>> }

function loadFixtures(): Fixture[] {
  return recordingNames()
    .sort()
    .map((name) => {
      let deltas = 0
      // Long streams keep their first 30 deltas: the rest take the same early exit and only cost time here.
      const records = loadRecording(name).filter((r) => r.kind !== "event" || r.data?.type !== "message.part.delta" || ++deltas <= 30)
      return { name, records, mutations: new Map() }
    })
}

function mutationOf(f: Fixture, index: number): fc.Arbitrary<unknown> {
  let m = f.mutations.get(index)
  if (!m) f.mutations.set(index, (m = mutate(f.records[index]!.data)))
  return m
}

/** A recorded record, as the host hands it to the plugin. */
function replayRecord(w: World, kind: string, data: any) {
  switch (kind) {
    case "event":
      return call(w, "event", { event: data })
    case "chat.message":
      return call(w, "chat.message", get(data, "input"), get(data, "output"))
    case "chat.params": {
      const d = data as Record<string, unknown> | undefined
      return call(w, "chat.params", { sessionID: get(d, "sessionID"), agent: get(d, "agent"), model: { id: get(d, "model"), providerID: get(d, "providerID") } }, { options: {} })
    }
    case "messages.transform": {
      // The recorder keeps a summary ({id, role, parts}); rebuild the host's {info, parts} shape from it.
      const msgs = get(data, "messages")
      const sid = [...w.seen][0]
      const list = Array.isArray(msgs) ? msgs.map((m) => ({ info: { id: get(m, "id"), role: get(m, "role"), sessionID: sid }, parts: get(m, "parts") ?? [] })) : msgs
      return call(w, "experimental.chat.messages.transform", {}, { messages: list })
    }
    default:
      return
  }
}

async function runReplay(f: Fixture, seed: number, config: RuntimeFallbackConfig, mutations: Array<[number, unknown]>, deleteFirst: boolean): Promise<string[]> {
  const first = f.records[0]?.t ?? 1_700_000_000_000
  const w = makeWorld(seed, config, first)
  const mutated = new Map(mutations)
  for (let i = 0; i < f.records.length; i++) {
    const r = f.records[i]!
    steps_ += 1
    if (Number.isFinite(r.t) && r.t > w.clock.now()) w.clock.advance(r.t - w.clock.now())
    // chat.message outputs are mutated in place by the plugin (as the host expects): give it a copy.
    replayRecord(w, r.kind, mutated.has(i) ? mutated.get(i) : r.kind === "chat.message" ? clone(r.data) : r.data)
    const x = w.rand()
    if (x < 0.1) await flushMicrotasks(3)
    else if (x < 0.14) w.fake.settleLate()
    else if (x < 0.17) w.clock.advance(Math.floor(w.rand() * 40_000))
  }
  await finish(w, deleteFirst)
  return verdict(w)
}

// ---- 3. plausible sessions -----------------------------------------------------------------------------------

const corpus = loadCorpus()
const corpusErrors: unknown[] = [...corpus.map(apiErrorForm), ...corpus.map(bareStringForm)]
const corpusMessages: string[] = corpus.map(bareStringForm)

const errorArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...corpusErrors) },
  { weight: 1, arbitrary: fc.constant({ name: "MessageAbortedError", data: { message: "Aborted" } }) },
  { weight: 1, arbitrary: fc.constant({ name: "UnknownError", data: { message: '{"message":"Insufficient credits (mid-stream)","code":402}' } }) },
  { weight: 1, arbitrary: anyJson },
)
const sid = fc.constantFrom(...SIDS, ...PEER_SIDS)
const model = fc.constantFrom(...MODELS)
const msgID = fc.constantFrom("msg_u1", "msg_u2", "msg_a1", "msg_a2", "msg_a3")
/** user messages an assistant row may answer: the user's, or ones our own prompts created (unknown to the plugin until their chat.message) */
const parentID = fc.constantFrom("msg_u1", "msg_u2", "msg_u3", "msg_r1")

type ScenarioStep =
  | { kind: "chat"; sid: string; model?: (typeof MODELS)[number]; id?: string; parts: number; variant?: string; agent?: string }
  | { kind: "error"; sid: string; error: unknown }
  | { kind: "retry"; sid: string; attempt: number; next?: number; message: string }
  | { kind: "part-error"; sid: string; type: "retry" | "error"; error: unknown; attempt: number }
  | { kind: "msg-error"; sid: string; model?: (typeof MODELS)[number]; id: string; parent?: string; error: unknown }
  | { kind: "msg-done"; sid: string; model?: (typeof MODELS)[number]; id: string; parent?: string; text: boolean; finish?: string; tokens: number }
  | { kind: "step"; sid: string; id: string }
  | { kind: "tool"; sid: string; id: string; status: string }
  | { kind: "status"; sid: string; type: "busy" | "idle" }
  | { kind: "idle"; sid: string }
  | { kind: "deleted"; sid: string }
  | { kind: "created"; sid: string; parentID?: string }
  | { kind: "transform"; sid: string; ids: string[] }
  | { kind: "params"; sid: string }
  | WorldStep

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })

const scenarioStep: fc.Arbitrary<ScenarioStep> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("chat" as const), sid, model: opt(model), id: opt(msgID), parts: fc.integer({ min: 0, max: 3 }), variant: opt(fc.constantFrom("high", "low")), agent: opt(fc.constantFrom("build", "helper")) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("error" as const), sid, error: errorArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("retry" as const), sid, attempt: fc.integer({ min: 0, max: 8 }), next: opt(fc.integer({ min: -5_000, max: 200_000 })), message: fc.constantFrom(...corpusMessages) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("part-error" as const), sid, type: fc.constantFrom("retry" as const, "error" as const), error: errorArb, attempt: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("msg-error" as const), sid, model: opt(model), id: msgID, parent: opt(parentID), error: errorArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("msg-done" as const), sid, model: opt(model), id: msgID, parent: opt(parentID), text: fc.boolean(), finish: opt(fc.constantFrom("stop", "tool-calls", "length")), tokens: fc.constantFrom(0, 18) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("step" as const), sid, id: msgID }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tool" as const), sid, id: msgID, status: fc.constantFrom("pending", "running", "completed", "error") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("status" as const), sid, type: fc.constantFrom("busy" as const, "idle" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("idle" as const), sid }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleted" as const), sid }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("created" as const), sid, parentID: opt(sid) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("transform" as const), sid, ids: fc.array(msgID, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("params" as const), sid }) },
  { weight: 4, arbitrary: worldStepArb },
)

const ev = (type: string, properties: Record<string, unknown>) => ({ event: { id: `evt_${type}`, type, properties } })

function scenarioInput(w: World, s: Exclude<ScenarioStep, WorldStep>) {
  const now = w.clock.now()
  switch (s.kind) {
    case "chat": {
      const parts = [
        { id: "prt_1", type: "text", text: "hello", messageID: s.id, sessionID: s.sid },
        { id: "prt_2", type: "file", mime: "text/plain", url: "file:///tmp/a.txt", filename: "a.txt" },
        { id: "prt_3", type: "text", text: "internal", synthetic: true, metadata: { runtimeFallback: { kind: "continue" } } },
      ].slice(0, s.parts)
      const message = { id: s.id, role: "user", sessionID: s.sid, agent: s.agent, time: { created: now }, ...(s.model ? { model: { ...s.model, ...(s.variant ? { variant: s.variant } : {}) } } : {}) }
      return call(w, "chat.message", { sessionID: s.sid, agent: s.agent, model: s.model, messageID: s.id, variant: s.variant }, { message, parts })
    }
    case "error":
      return call(w, "event", ev("session.error", { sessionID: s.sid, error: s.error }))
    case "retry":
      return call(w, "event", ev("session.status", { sessionID: s.sid, status: { type: "retry", attempt: s.attempt, message: s.message, ...(s.next !== undefined ? { next: now + s.next } : {}) } }))
    case "part-error":
      return call(w, "event", ev("message.part.updated", { sessionID: s.sid, part: { id: "prt_e", type: s.type, sessionID: s.sid, messageID: "msg_a1", attempt: s.attempt, error: s.error } }))
    case "msg-error":
      return call(w, "event", ev("message.updated", { sessionID: s.sid, info: { id: s.id, sessionID: s.sid, role: "assistant", parentID: s.parent, ...(s.model ?? {}), time: { created: now, completed: now }, error: s.error } }))
    case "msg-done": {
      if (s.text) call(w, "event", ev("message.part.updated", { sessionID: s.sid, part: { id: `prt_${s.id}`, type: "text", text: "Hello.", messageID: s.id, sessionID: s.sid } }))
      const tokens = { input: s.tokens, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }
      return call(w, "event", ev("message.updated", { sessionID: s.sid, info: { id: s.id, sessionID: s.sid, role: "assistant", parentID: s.parent, ...(s.model ?? {}), finish: s.finish, time: { created: now, completed: now }, tokens, cost: 0 } }))
    }
    case "step":
      return call(w, "event", ev("message.part.updated", { sessionID: s.sid, part: { id: `prt_s${s.id}`, type: "step-start", messageID: s.id, sessionID: s.sid } }))
    case "tool":
      return call(w, "event", ev("message.part.updated", { sessionID: s.sid, part: { id: "prt_t", type: "tool", tool: "bash", callID: "c1", messageID: s.id, sessionID: s.sid, state: { status: s.status, input: {} } } }))
    case "status":
      return call(w, "event", ev("session.status", { sessionID: s.sid, status: { type: s.type } }))
    case "idle":
      return call(w, "event", ev("session.idle", { sessionID: s.sid }))
    case "deleted":
      return call(w, "event", ev("session.deleted", { sessionID: s.sid, info: { id: s.sid } }))
    case "created":
      return call(w, "event", ev("session.created", { sessionID: s.sid, info: { id: s.sid, ...(s.parentID ? { parentID: s.parentID } : {}) } }))
    case "transform":
      return call(w, "experimental.chat.messages.transform", {}, { messages: s.ids.map((id) => ({ info: { id, sessionID: s.sid, role: id.startsWith("msg_a") ? "assistant" : "user" }, parts: [] })) })
    case "params":
      return call(w, "chat.params", { sessionID: s.sid, agent: "build", model: { id: "quota-model", providerID: "fake" } }, { options: {} })
  }
}

async function runScenario(seed: number, config: RuntimeFallbackConfig, steps: ScenarioStep[], deleteFirst: boolean): Promise<{ problems: string[]; afterDelete: string[]; overLimit: string[]; prompts: number }> {
  const w = makeWorld(seed, config)
  for (const s of steps) {
    steps_ += 1
    if (s.kind === "advance" || s.kind === "flush" || s.kind === "settle-late" || s.kind === "jump") await worldStep(w, s)
    else scenarioInput(w, s)
  }
  await finish(w, deleteFirst)
  return { problems: verdict(w), afterDelete: w.afterDelete, overLimit: w.overLimit, prompts: w.fake.counts.promptAsync + w.fake.counts.prompt }
}

// ---- the tests -----------------------------------------------------------------------------------------------

describe("whole-plugin fuzzing (serve mode, fake host, manual clock)", () => {
  // Guards the guard: bun's runner takes unhandled rejections before any process listener and fails the
  // running test, so a rejection the plugin leaves unhandled fails the property test it happened in.
  test.failing("canary: a deliberate unhandled rejection is caught", async () => {
    void (async () => {
      throw new Error("canary rejection (expected)")
    })()
    await new Promise<void>((r) => setImmediate(r))
  })

  test(`junk: arbitrary values and wrong shapes through every hook (${RUNS.junk} cases)`, async () => {
    const t = Date.now()
    await fc.assert(
      fc.asyncProperty(fc.integer(), configArb, fc.array(junkStep, { minLength: 1, maxLength: 6 }), fc.boolean(), async (seed, config, steps, deleteFirst) => {
        currentCase = `junk seed=${seed}`
        const problems = await runJunk(seed, config, steps, deleteFirst)
        if (problems.length) throw new Error(problems.slice(0, 5).join("\n"))
      }),
      params(RUNS.junk),
    )
    report("junk", RUNS.junk, Date.now() - t)
  }, TIMEOUT_MS)

  const fixtures = loadFixtures()
  test(`replay: mutated real recordings of ${fixtures.length} fixtures (${RUNS.replay} cases)`, async () => {
    expect(fixtures.length).toBeGreaterThan(3)
    const t = Date.now()
    const caseArb = fc.nat({ max: fixtures.length - 1 }).chain((fi) =>
      fc.tuple(
        fc.constant(fi),
        fc.array(
          fc.nat({ max: fixtures[fi]!.records.length - 1 }).chain((ri) => mutationOf(fixtures[fi]!, ri).map((v) => [ri, v] as [number, unknown])),
          { maxLength: 3 },
        ),
      ),
    )
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer(), fc.oneof(fc.constant(DEFAULT_CONFIG), configArb), fc.boolean(), async ([fi, mutations], seed, config, deleteFirst) => {
        currentCase = `replay ${fixtures[fi]!.name} seed=${seed}`
        const problems = await runReplay(fixtures[fi]!, seed, config, mutations, deleteFirst)
        if (problems.length) throw new Error(`${fixtures[fi]!.name}: ${problems.slice(0, 5).join("\n")}`)
      }),
      params(RUNS.replay),
    )
    report("replay", RUNS.replay, Date.now() - t)
  }, TIMEOUT_MS)

  test(`scenario: plausible sessions on shared ids (${RUNS.scenario} cases)`, async () => {
    const t = Date.now()
    let prompts = 0
    let afterDelete = 0
    let overLimit = 0
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.oneof(fc.constant(DEFAULT_CONFIG), configArb), fc.array(scenarioStep, { minLength: 1, maxLength: 30 }), fc.boolean(), async (seed, config, steps, deleteFirst) => {
        currentCase = `scenario seed=${seed}`
        const r = await runScenario(seed, config, steps, deleteFirst)
        prompts += r.prompts
        afterDelete += r.afterDelete.length
        overLimit += r.overLimit.length
        if (r.afterDelete.length || r.overLimit.length) throw new Error([...r.afterDelete, ...r.overLimit].slice(0, 5).join("; "))
        if (r.problems.length) throw new Error(r.problems.slice(0, 5).join("\n"))
      }),
      params(RUNS.scenario),
    )
    // The generator must reach the interesting paths: fallbacks are actually dispatched.
    expect(prompts).toBeGreaterThan(RUNS.scenario / 10)
    report("scenario", RUNS.scenario, Date.now() - t)
    console.log(
      `plugin fuzz: scenario: ${prompts.toLocaleString("en-US")} internal prompts sent; ${afterDelete} after their session was deleted, ${overLimit} beyond limits.maxDispatchesPerTurn since the last user message`,
    )
  }, TIMEOUT_MS)

  // A session deleted while its failed run was ending: the host still writes the errored row afterwards. That
  // late row must not revive the session and send a fallback to a session that no longer exists.
  test("a deleted session's late errored row does not revive it", async () => {
    const clock = createManualClock()
    const fake = createFakeHostClient({ clock })
    const { hooks, runtime } = createPluginUnderTest({ client: fake.client, clock, config: DEFAULT_CONFIG, health: createModelHealth(DEFAULT_CONFIG.cooldown), mode: "serve" })
    const credits = { name: "APIError", data: { message: "Insufficient credits", statusCode: 402, isRetryable: false } }
    await hooks["chat.message"]!({ sessionID: "ses_1", model: { providerID: "fake", modelID: "credits-model" } }, { message: { id: "msg_u1", role: "user" }, parts: [{ id: "p1", type: "text", text: "hello" }] })
    await hooks.event!({ event: { type: "session.error", properties: { sessionID: "ses_1", error: credits } } })
    await hooks.event!({ event: { type: "session.deleted", properties: { sessionID: "ses_1", info: { id: "ses_1" } } } })
    const row = { id: "msg_a1", sessionID: "ses_1", role: "assistant", parentID: "msg_u1", providerID: "fake", modelID: "credits-model", time: { created: 1, completed: 2 }, error: credits }
    await hooks.event!({ event: { type: "message.updated", properties: { sessionID: "ses_1", info: row } } })
    await hooks.event!({ event: { type: "session.status", properties: { sessionID: "ses_1", status: { type: "idle" } } } })
    clock.advance(10_000)
    await flushMicrotasks()
    expect(fake.counts.promptAsync + fake.counts.prompt).toBe(0)
    expect(runtime.inspect().sessions).toBe(0)
  })

  // A re-dispatch that lands before the failed run has ended is stored and never run by the host: the plugin
  // must not send it at the idle published with session.error, only after the errored row and the idle after it.
  test("no re-dispatch at the idle that comes with session.error; one at the idle after the errored row", async () => {
    const clock = createManualClock()
    const fake = createFakeHostClient({ clock })
    // fake/credits-model and fake/backup-model share a provider: a 402 cools only its model here
    const config = configSchema.parse({ ...baseConfig, cooldown: { scope: { payment_required: "model" } } })
    const { hooks } = createPluginUnderTest({ client: fake.client, clock, config, health: createModelHealth(config.cooldown), mode: "serve" })
    const credits = { name: "APIError", data: { message: "Insufficient credits", statusCode: 402, isRetryable: false } }
    const idle = async () => {
      await hooks.event!({ event: { type: "session.status", properties: { sessionID: "ses_1", status: { type: "idle" } } } })
      await hooks.event!({ event: { type: "session.idle", properties: { sessionID: "ses_1" } } })
      await flushMicrotasks()
    }
    await hooks["chat.message"]!({ sessionID: "ses_1", model: { providerID: "fake", modelID: "credits-model" } }, { message: { id: "msg_u1", role: "user" }, parts: [{ id: "p1", type: "text", text: "hello" }] })
    await hooks.event!({ event: { type: "session.error", properties: { sessionID: "ses_1", error: credits } } })
    await idle()
    expect(fake.counts.promptAsync).toBe(0)
    const row = { id: "msg_a1", sessionID: "ses_1", role: "assistant", parentID: "msg_u1", providerID: "fake", modelID: "credits-model", time: { created: 1, completed: 2 }, error: credits }
    await hooks.event!({ event: { type: "message.updated", properties: { sessionID: "ses_1", info: row } } })
    expect(fake.counts.promptAsync).toBe(0)
    await idle()
    expect(fake.counts.promptAsync).toBe(1)
  })

  test("no unhandled rejection reached the process listener; totals", () => {
    expect(unhandled).toEqual([])
    console.log(`plugin fuzz: ${totalCases.toLocaleString("en-US")} cases, ${steps_.toLocaleString("en-US")} steps in total (seed ${SEED}, scale ${SCALE}); ${consoleErrors} logger stderr reports swallowed`)
  })
})
