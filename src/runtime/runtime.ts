// The thin imperative shell around the pure core. Host events and hook calls come in through the event
// adapter (events.ts), become inputs of the per-session state machine (fallback/session.ts), and its effects
// run in one place (effects.ts); the session registry (registry.ts) holds the state. Every entry point is
// total: it catches, logs once and carries on.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { classifyFailure } from "../failure/classify.ts"
import type { ClassifyOptions, Failure } from "../failure/types.ts"
import type { ModelHealth } from "../fallback/health.ts"
import { isLive, transition, type Ctx, type Input, type Turn } from "../fallback/session.ts"
import type { PromptGate } from "../gate/types.ts"
import type { Clock } from "../host/clock.ts"
import { messageDeleter, partUpdater, type HostClient } from "../host/client.ts"
import type { HostFacts } from "../host/facts.ts"
import type { Logger } from "../host/logger.ts"
import { normaliseEvent, type SessionEvent } from "../payload/event.ts"
import { describeModel } from "../payload/model.ts"
import { createDelegation, type ChildStatus } from "../subagent/delegation.ts"
import { createEffectRunner, type HostMode } from "./effects.ts"
import { createEventAdapter } from "./events.ts"
import { createNoticeLog, type NoticeLog } from "./notice-log.ts"
import { createRegistry, needsOf, type Tracked } from "./registry.ts"
import { STATUS_COMMAND, statusCommand } from "./status.ts"
import { createCatalogue, type Catalogue, type ProvidersClient } from "./catalogue.ts"
import type { Chains } from "../fallback/chain.ts"
import { agentChainsFromConfig } from "../config/agent-chains.ts"
import type { ConfigIssue } from "../config/load.ts"
import { traceExtra } from "./trace-record.ts"
import { createStallWatch } from "../stall/watch.ts"
import { stallLimits } from "../stall/config.ts"
import { streamSignal, UNWATCHED_AGENTS } from "../stall/signals.ts"

export { SOURCE_PREFIX, IDLE_WATCHDOG_MS, type HostMode } from "./effects.ts"

export type RuntimeDeps = {
  client: HostClient
  /** the untraced client, for transport-level calls (part updates) */
  rawClient?: unknown
  directory?: string
  config: RuntimeFallbackConfig
  clock: Clock
  random?: () => number
  logger: Logger
  health: ModelHealth
  gate: PromptGate
  mode?: HostMode
  /** What the running host does (host/facts.ts): the shell asks these, never the version. */
  facts?: Pick<HostFacts, "subagentFailed" | "subagentAborted">
  /** The host's model metadata (tests); default: read from the host (runtime/catalogue.ts). */
  catalogue?: Catalogue
}

export type SessionView = { phase: string; turn?: Turn; turns: Turn[]; failed: number }

export type Runtime = {
  event(input: unknown): void
  chatMessage(input: unknown, output: unknown): void
  chatParams(input: unknown, output: unknown): void
  /** the hot path: one streamed token of a session (message.part.delta) */
  streamDelta(sessionID: unknown): void
  /** command.execute.before: the `/fallback` command's text becomes the status (runtime/status.ts). */
  commandBefore(input: unknown, output: unknown): void
  transformMessages(input: unknown, output: unknown): Promise<void>
  /**
   * The host's merged config (the `config` hook, once at start-up): chains written on agents, the models the
   * user declared, and the start of the model metadata fetch. Returns the problems with agents' chains.
   */
  hostConfig(config: unknown): ConfigIssue[]
  /** model metadata (for tests and doctor-like views) */
  catalogue: Catalogue
  dispose(): void
  notices: NoticeLog
  /** read-only view for tests, fuzzing, benchmarks and the status command */
  inspect(): { sessions: number; timers: number; handled: number; listeners: number; watched: number; session(id: string): SessionView | undefined }
}

export function createRuntime(deps: RuntimeDeps): Runtime {
  // This instance's own copy of the chains: the `config` hook adds the ones written on agents.
  const chains: Chains = { ...deps.config.chains }
  const d: RuntimeDeps = { ...deps, config: { ...deps.config, chains } }
  const registry = createRegistry(d.clock)
  const notices = createNoticeLog()
  const random = d.random ?? Math.random
  const classifyOptions: ClassifyOptions = { quotaRetryAfterMs: d.config.classify.quotaRetryAfterMs, rules: d.config.classify.rules }
  let disposed = false
  /** sessions whose latest turn had a failure the plugin handled (a parent may be waiting on them) */
  const handled = new Set<string>()
  /** per-session listeners (the subagent watcher) */
  const listeners = new Map<string, Set<(ev: SessionEvent) => void>>()

  const classify = (input: unknown): Failure => classifyFailure(input, { ...classifyOptions, now: d.clock.now() })
  const catalogue: Catalogue = d.catalogue ?? createCatalogue({ client: d.client as ProvidersClient, clock: d.clock, logger: d.logger, directory: d.directory })
  const ctx = (t: Tracked): Ctx => ({
    now: d.clock.now(),
    config: d.config,
    cooling: (m) => d.health.cooling(m, d.clock.now()),
    peek: (m) => d.health.peek(m, d.clock.now()),
    random,
    capabilities: catalogue.caps,
    needs: needsOf(t.facts),
  })

  // Stall rescue: the request in flight is watched from its chat.params to its end (stall/watch.ts).
  const stall = createStallWatch({
    clock: d.clock,
    onStall(sessionID, info) {
      if (disposed) return
      try {
        d.logger.log("info", `${info.window === "first-token" ? "no first token" : "the stream went silent"} after ${Math.round(info.waitedMs / 1000)}s on ${describeModel(info.model)}`, { session: sessionID })
        feed(sessionID, { type: "stalled", window: info.window, waitedMs: info.waitedMs, limitMs: info.limitMs })
      } catch (err) {
        d.logger.errorOnce("stall", "stall rescue failed", err)
      }
    },
  })

  function feed(sessionID: string, input: Input) {
    const t = registry.get(sessionID)
    if (!t || disposed) return
    const before = t.m
    // Model metadata is fetched at start-up; one that failed is tried again when a failure needs it.
    if (input.type === "session-error" || input.type === "retry-status" || (input.type === "assistant" && input.failure)) catalogue.load()
    const { state, effects } = transition(before, input, ctx(t))
    t.m = state
    const latest = state.turns[state.turns.length - 1]
    if (latest && (latest.tried.length > 0 || latest.stalls > 0)) handled.add(sessionID)
    else handled.delete(sessionID)
    if (d.logger.tracing) {
      const skipped = latest?.skipped && latest.skipped !== before.turns.find((x) => x.id === latest.id)?.skipped ? { skipped: latest.skipped.map((x) => ({ model: describeModel(x.model), why: x.why.kind })) } : {}
      d.logger.trace({ session: sessionID, input: input.type, phase: latest ? latest.phase.name : "none", turn: latest?.id, effects: effects.map((e) => e.type), ...traceExtra(input), ...skipped })
    }
    if (effects.length) runner.run(t, effects)
  }

  const runner = createEffectRunner({
    client: d.client,
    gate: d.gate,
    logger: d.logger,
    health: d.health,
    clock: d.clock,
    config: d.config,
    mode: d.mode ?? "serve",
    directory: d.directory,
    updatePart: partUpdater(d.rawClient ?? d.client),
    deleteMessage: messageDeleter(d.rawClient ?? d.client),
    notices,
    registry,
    isDisposed: () => disposed,
    feed,
  })

  const adapter = createEventAdapter({
    registry,
    gate: d.gate,
    health: d.health,
    config: d.config,
    clock: d.clock,
    logger: d.logger,
    classify,
    feed,
    notify: (sessionID, notice) => runner.run(registry.track(sessionID), [{ type: "notice", notice }]),
    capabilities: catalogue.caps,
    deferFirstRoute: (d.mode ?? "serve") !== "run",
  })

  const delegation = createDelegation({
    client: d.client,
    clock: d.clock,
    logger: d.logger,
    timeoutMs: d.config.subagents.resultTimeoutMs,
    directory: d.directory,
    updatePart: partUpdater(d.rawClient ?? d.client),
    emptyResultMayBeFailure: d.facts ? d.facts.subagentFailed === "completed:empty" || d.facts.subagentAborted === "completed:empty" : false,
    childStatus,
    subscribe(sessionID, listener) {
      let set = listeners.get(sessionID)
      if (!set) listeners.set(sessionID, (set = new Set()))
      set.add(listener)
      return () => {
        set!.delete(listener)
        if (set!.size === 0) listeners.delete(sessionID)
      }
    },
  })

  /** A model request is about to be sent (chat.params): its first-token window starts. */
  function watchRequest(sessionID: string, input: unknown) {
    try {
      const i = input as { agent?: unknown; model?: { id?: unknown; providerID?: unknown; capabilities?: { reasoning?: unknown }; reasoning?: unknown } }
      const agent = typeof i.agent === "string" ? i.agent : undefined
      if (agent && UNWATCHED_AGENTS.has(agent)) return
      const model = typeof i.model?.id === "string" && typeof i.model.providerID === "string" ? { providerID: i.model.providerID, modelID: i.model.id } : undefined
      const reasoning = i.model?.capabilities?.reasoning === true || i.model?.reasoning === true
      stall.request(sessionID, stallLimits(d.config.stall, model, agent, reasoning), model, agent)
    } catch (err) {
      d.logger.errorOnce("stall", "stall watch failed", err)
    }
  }

  function childStatus(sessionID: string): ChildStatus | undefined {
    const t = registry.get(sessionID)
    const turn = t?.m.turns[t.m.turns.length - 1]
    if (!turn || (turn.tried.length === 0 && turn.stalls === 0)) return undefined
    const p = turn.phase
    return {
      recovering: p.name === "ending" || p.name === "verifying" || p.name === "backoff" || (p.name === "running" && turn.dispatches > 0),
      outcome: p.name === "settled" ? settledOutcome(p.outcome) : undefined,
      tried: turn.tried.map((x) => ({ model: x.model, code: x.code, statusCode: x.statusCode })),
      since: turn.createdAt,
    }
  }

  return {
    notices,
    catalogue,
    hostConfig(config) {
      if (disposed) return []
      try {
        const found = agentChainsFromConfig(config)
        chains.fromAgents = found.chains
        const n = Object.keys(found.chains).length
        if (n) d.logger.log("info", `fallback chains written on agents: ${Object.entries(found.chains).map(([a, l]) => `${a} (${l.length})`).join(", ")}`)
        catalogue.fromConfig(config)
        catalogue.load()
        return found.issues
      } catch (err) {
        d.logger.errorOnce("config", "config hook failed", err)
        return []
      }
    },
    event(input) {
      if (disposed) return
      try {
        const signal = streamSignal((input as { event?: unknown } | undefined)?.event)
        if (signal) stall[signal.kind](signal.sessionID)
        const ev = normaliseEvent(input)
        if (!ev) return
        if (d.logger.tracing) d.logger.trace({ event: ev.kind, session: ev.sessionID })
        adapter.onEvent(ev)
        if (listeners.size && ev.sessionID) for (const l of listeners.get(ev.sessionID) ?? []) l(ev)
      } catch (err) {
        d.logger.errorOnce("event", "event hook failed", err)
      }
    },

    chatMessage(input, output) {
      if (disposed) return
      try {
        adapter.chatMessage(input, output)
      } catch (err) {
        d.logger.errorOnce("chat.message", "chat.message hook failed", err)
      }
    },

    // Per streamed token: the watch's map lookup alone (an unknown or non-string id finds nothing; dispose empties it).
    streamDelta: (sessionID) => stall.activity(sessionID as string),

    chatParams(input) {
      if (disposed) return
      const sessionID = (input as { sessionID?: unknown } | undefined)?.sessionID
      if (typeof sessionID !== "string") return
      const t = registry.get(sessionID)
      // Only a tracked session's request can be rescued (the core acts on tracked sessions alone): an unknown
      // one gets no watch, which would otherwise live on until its timer fired.
      if (t) watchRequest(sessionID, input)
      if (d.logger.tracing) d.logger.trace({ hook: "chat.params", session: sessionID, failFast: !!t?.failFast, routeAbort: !!t?.routeAbort })
      const { agent, message: userMessage } = input as { agent?: unknown; message?: { id?: unknown } }
      const forMessage = typeof userMessage?.id === "string" ? userMessage.id === t?.routeAbort : true
      if (t?.routeAbort && forMessage && !(typeof agent === "string" && UNWATCHED_AGENTS.has(agent))) {
        const messageID = t.routeAbort
        t.routeAbort = undefined
        try {
          feed(sessionID, { type: "route-stopped", id: messageID })
        } catch (err) {
          d.logger.errorOnce("route-stopped", "recording a stopped request failed", err)
        }
        // Words of the host's retry pattern in this text ("overloaded", "rate limit", 5xx digits, … also in
        // model ids) make the host retry the request instead of ending it (measured, 1.18.33): keep it neutral.
        const text = "runtime fallback: this turn moves to the next model of its chain before sending"
        // Deliberate: the host ends a request whose chat.params throws an AbortError as aborted (a
        // MessageAbortedError, no error toast), before anything is sent; the core then replays the turn.
        throw new DOMException(text, "AbortError")
      }
      if (!t?.failFast) return
      const message = t.failFast
      t.failFast = undefined
      // Deliberate: under `opencode run` a throw here ends the turn now with this message, instead of the
      // host retrying an exhausted model for minutes. Only set in run mode.
      throw new Error(message)
    },

    commandBefore(input, output) {
      if (disposed) return
      try {
        const i = (input ?? {}) as { command?: unknown; sessionID?: unknown; arguments?: unknown }
        if (i.command !== STATUS_COMMAND || typeof i.sessionID !== "string") return
        const parts = (output as { parts?: unknown } | undefined)?.parts
        const text = Array.isArray(parts) ? (parts.find((p) => (p as { type?: unknown })?.type === "text") as { text?: unknown } | undefined) : undefined
        if (!text) return
        text.text = statusCommand({
          sessionID: i.sessionID,
          args: typeof i.arguments === "string" ? i.arguments : "",
          turns: registry.get(i.sessionID)?.m.turns ?? [],
          health: d.health,
          config: d.config,
          notices,
          now: d.clock.now(),
        })
      } catch (err) {
        d.logger.errorOnce("command", "command.execute.before hook failed", err)
      }
    },

    async transformMessages(_input, output) {
      if (disposed) return
      try {
        const msgs = (output as { messages?: unknown } | undefined)?.messages
        if (!Array.isArray(msgs) || msgs.length === 0) return
        const first = msgs[0] as { info?: { sessionID?: unknown } } | undefined
        const sessionID = first?.info?.sessionID
        const t = typeof sessionID === "string" ? registry.get(sessionID) : undefined
        const failed = t ? new Set(t.m.turns.flatMap((x) => x.failedRows)) : undefined
        if (failed && failed.size > 0) {
          // Failed attempts' rows (an aborted partial answer, an error row) must not reach the next model as
          // if they were real assistant turns. Splice in place: the host ignores a replaced array.
          for (let i = msgs.length - 1; i >= 0; i--) {
            const info = (msgs[i] as { info?: { id?: unknown; role?: unknown } })?.info
            if (info?.role === "assistant" && typeof info.id === "string" && failed.has(info.id)) msgs.splice(i, 1)
          }
        }
        // A parent whose delegated child failed gets the child's fallback answer instead (subagent/delegation.ts).
        if (handled.size > 0 || delegation.active()) await delegation.transform(msgs, handled.size > 0, typeof sessionID === "string" ? sessionID : undefined)
      } catch (err) {
        d.logger.errorOnce("transform", "messages.transform hook failed", err)
      }
    },

    dispose() {
      disposed = true
      stall.dispose()
      registry.clear()
      handled.clear()
      listeners.clear()
      delegation.dispose()
      d.gate.dispose()
    },

    inspect() {
      let timers = 0
      for (const t of registry.values()) timers += t.timers.size
      return {
        sessions: registry.size,
        timers,
        handled: handled.size,
        listeners: listeners.size,
        watched: stall.size(),
        session(id) {
          const t = registry.get(id)
          if (!t) return undefined
          const turn = t.m.turns[t.m.turns.length - 1]
          return { phase: turn ? turn.phase.name : "none", turn, turns: t.m.turns, failed: t.m.turns.reduce((n, x) => n + x.failedRows.length, 0) }
        },
      }
    },
  }
}

function settledOutcome(o: string): ChildStatus["outcome"] {
  return o === "answered" || o === "exhausted" || o === "stopped" || o === "deleted" ? o : "cancelled"
}

export { isLive }
