// The thin imperative shell around the pure core: it turns host events and hook calls into machine inputs
// (through payload/ and failure/), and runs the machine's effects against the host (through the gate for
// every prompt). Nothing here decides; fallback/session.ts does. Every entry point is total.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { classifyFailure } from "../failure/classify.ts"
import type { ClassifyOptions, Failure } from "../failure/types.ts"
import type { PromptGate } from "../gate/types.ts"
import { normaliseEvent, type SessionEvent } from "../payload/event.ts"
import { isMeaningfulCompletion, normalisePart, type MessageRecord } from "../payload/message.ts"
import { describeModel, modelRef, sameModel, type ModelChoice } from "../payload/model.ts"
import type { ModelHealth } from "../fallback/health.ts"
import { initialState, reasonText, transition, type Ctx, type Effect, type Input, type SessionState, type Tried, type TurnRequest } from "../fallback/session.ts"
import { formatWait } from "../failure/classify.ts"
import type { Clock, TimerHandle } from "../host/clock.ts"
import { partUpdater, type HostClient } from "../host/client.ts"
import type { Logger } from "../host/logger.ts"
import { createDelegation, type ChildStatus } from "../subagent/delegation.ts"
import { preRoute } from "./pre-route.ts"
import { dispatchBody, lastRealTurn, replayableParts } from "./replay.ts"
import { runModeMessage } from "./run-mode.ts"
import { errorText, traceExtra } from "./trace-record.ts"

export const SOURCE_PREFIX = "runtime-fallback:"

/** How long a queued dispatch may wait for the host's idle signal before the runtime asks the host. */
export const IDLE_WATCHDOG_MS = 10_000

const MAX_TRACKED = 2_000
const MAX_FAILED_IDS = 64
const MAX_INTERNAL_IDS = 16

export type HostMode = "serve" | "run"

type Tracked = {
  m: SessionState
  parentID?: string
  /** assistant messages of the current attempt: id → last seen state */
  attempt: Map<string, { errored: boolean; finish?: string; completed: boolean; model?: ModelChoice }>
  /** assistant messages of failed attempts: kept out of the next model's request */
  failed: Set<string>
  userPersisted: boolean
  /** message ids our own replays reuse: their chat.message is ours */
  internalIDs: Set<string>
  timers: Map<string, TimerHandle>
  /** inputs that arrived while an untracked session is being adopted */
  backlog?: Input[]
  /** run mode: the next chat.params of this session fails the turn fast with this message */
  failFast?: string
  noticed: Set<string>
  /** when the current turn started (epoch ms) */
  turnStartedAt?: number
}

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
}

export type Runtime = {
  event(input: unknown): void
  chatMessage(input: unknown, output: unknown): void
  chatParams(input: unknown, output: unknown): void
  transformMessages(input: unknown, output: unknown): Promise<void>
  dispose(): void
  /** read-only view for tests, fuzzing and benchmarks */
  inspect(): { sessions: number; timers: number; handled: number; listeners: number; session(id: string): { phase: string; turn?: SessionState["turn"]; failed: number } | undefined }
}

export function createRuntime(d: RuntimeDeps): Runtime {
  const sessions = new Map<string, Tracked>()
  const random = d.random ?? Math.random
  const classifyOptions: ClassifyOptions = { quotaRetryAfterMs: d.config.classify.quotaRetryAfterMs, rules: d.config.classify.rules }
  const query = d.directory ? { directory: d.directory } : undefined
  let disposed = false
  /** sessions whose current turn had a failure the plugin handled (a parent may be waiting on them) */
  const handled = new Set<string>()
  /** per-session listeners (the subagent watcher) */
  const listeners = new Map<string, Set<(ev: SessionEvent) => void>>()
  const delegation = createDelegation({
    client: d.client,
    clock: d.clock,
    logger: d.logger,
    timeoutMs: d.config.subagents.resultTimeoutMs,
    directory: d.directory,
    updatePart: partUpdater(d.rawClient ?? d.client),
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

  function childStatus(sessionID: string): ChildStatus | undefined {
    const t = sessions.get(sessionID)
    const turn = t?.m.turn
    if (!t || !turn || turn.tried.length === 0) return undefined
    const phase = t.m.phase
    return {
      recovering: phase === "switching" || phase === "backoff" || (phase === "running" && turn.dispatches > 0),
      outcome: turn.outcome,
      tried: turn.tried.map((x) => ({ model: x.model, code: x.code, statusCode: x.statusCode })),
      since: t.turnStartedAt,
    }
  }

  const classify = (input: unknown): Failure => classifyFailure(input, { ...classifyOptions, now: d.clock.now() })

  const ctx = (): Ctx => ({
    now: d.clock.now(),
    config: d.config,
    cooling: (m) => d.health.cooling(m, d.clock.now()),
    random,
  })

  function track(sessionID: string): Tracked {
    let t = sessions.get(sessionID)
    if (!t) {
      if (sessions.size >= MAX_TRACKED) evict()
      t = { m: initialState(sessionID), attempt: new Map(), failed: new Set(), userPersisted: false, internalIDs: new Set(), timers: new Map(), noticed: new Set() }
      sessions.set(sessionID, t)
    }
    return t
  }

  /** Drops the oldest sessions that have nothing in flight. */
  function evict() {
    for (const [id, t] of sessions) {
      if (sessions.size < MAX_TRACKED * 0.9) break
      if (t.m.phase === "settled" && t.timers.size === 0) sessions.delete(id)
    }
  }

  function feed(sessionID: string, input: Input) {
    const t = sessions.get(sessionID)
    if (!t || disposed) return
    if (t.backlog) {
      t.backlog.push(input)
      return
    }
    const before = t.m
    const { state, effects } = transition(before, input, ctx())
    t.m = state
    if (input.type === "user-turn") t.turnStartedAt = d.clock.now()
    if (state.turn && state.turn.tried.length > 0) handled.add(sessionID)
    else handled.delete(sessionID)
    if (d.logger.tracing) d.logger.trace({ session: sessionID, input: input.type, phase: `${before.phase}->${state.phase}`, effects: effects.map((e) => e.type), ...traceExtra(input) })
    if (effects.length) run(sessionID, t, before, effects)
  }

  function run(sessionID: string, t: Tracked, before: SessionState, effects: Effect[]) {
    for (const e of effects) {
      try {
        switch (e.type) {
          case "abort":
            // Under `opencode run` an abort ends the run with no output at all; leave the host's error visible.
            if (d.mode !== "run") abort(sessionID)
            break
          case "dispatch":
            markFailedAttempt(t)
            if (d.mode !== "run") dispatch(sessionID, t, e)
            break
          case "cancel-queued":
            d.gate.cancelQueuedInternalPrompts(sessionID, { sourcePrefix: SOURCE_PREFIX })
            break
          case "toast":
            d.logger.toast(e.variant, e.message, { session: sessionID })
            break
          case "log":
            d.logger.log(e.level, e.message, { session: sessionID, ...e.extra })
            break
          case "set-timer":
            setTimer(sessionID, t, e.name, e.ms, () => feed(sessionID, { type: "timer", name: e.name }))
            break
          case "clear-timer":
            clearTimer(t, e.name)
            break
          case "cooldown": {
            const entry = d.health.recordFailure(e.model, e.failure, d.clock.now())
            if (entry) d.logger.log("info", `${describeModel(e.model)} cools down for ${formatWait(entry.until - d.clock.now())} (${reasonText(entry.code)})`, { session: sessionID })
            break
          }
          case "healthy":
            if (d.health.entries().length) d.health.recordSuccess(e.model)
            break
        }
      } catch (err) {
        d.logger.errorOnce(`effect:${e.type}`, `effect ${e.type} failed`, err)
      }
    }
    if (d.mode === "run" && effects.some((e) => e.type === "abort" || e.type === "dispatch")) runModeFailFast(sessionID, t)
    if (t.m.phase === "settled" && before.phase !== "settled") {
      t.attempt.clear()
      if (t.m.turn?.outcome === "exhausted" || t.m.turn?.outcome === "cancelled") clearTimer(t, "watchdog")
    }
  }

  /** The assistant rows of the attempt we leave: errored or aborted ones stay out of later requests. */
  function markFailedAttempt(t: Tracked) {
    for (const [id, a] of t.attempt) if (!(a.completed && !a.errored && a.finish === "tool-calls")) t.failed.add(id)
    t.attempt.clear()
    if (t.failed.size > MAX_FAILED_IDS) for (const id of [...t.failed].slice(0, t.failed.size - MAX_FAILED_IDS)) t.failed.delete(id)
  }

  function abort(sessionID: string) {
    const p = d.client.session.abort({ path: { id: sessionID }, ...(query ? { query } : {}) })
    Promise.resolve(p).catch((err) => d.logger.errorOnce("abort", `abort of ${sessionID} failed`, err))
  }

  function dispatch(sessionID: string, t: Tracked, e: Extract<Effect, { type: "dispatch" }>) {
    const turnID = e.turnID
    /** After an async gap: is this still the session's record, turn and pending switch? */
    const stillCurrent = () => !disposed && sessions.get(sessionID) === t && t.m.turn?.id === turnID && t.m.phase === "switching" && t.m.turn.dispatches === e.seq
    const send = (request: TurnRequest | undefined) => {
      if (!stillCurrent()) return
      const body = dispatchBody(e.kind, e.turnID, request, t.userPersisted, e.agent)
      if (!body) {
        feed(sessionID, { type: "dispatch-result", turnID, status: "failed", ambiguous: false, error: "the user's turn could not be rebuilt" })
        return
      }
      if (body.messageID) {
        t.internalIDs.add(body.messageID)
        if (t.internalIDs.size > MAX_INTERNAL_IDS) t.internalIDs.delete(t.internalIDs.values().next().value!)
      }
      d.gate
        .dispatch({
          sessionID,
          source: `${SOURCE_PREFIX}${turnID}`,
          parts: body.parts,
          model: { providerID: e.model.providerID, modelID: e.model.modelID },
          agent: body.agent,
          variant: e.model.variant ?? request?.variant,
          messageID: body.messageID,
          mode: "async",
          whenBusy: "queue",
          dedupeKey: `${turnID}#${e.seq}`,
          onQueued: () => setTimer(sessionID, t, "watchdog", IDLE_WATCHDOG_MS, () => idleWatchdog(sessionID)),
        })
        .then((outcome) => {
          clearTimer(t, "watchdog")
          const error = outcome.status === "failed" ? errorText(outcome.error) : undefined
          const ambiguous = outcome.status === "failed" ? outcome.ambiguous : undefined
          d.logger.trace({ session: sessionID, dispatch: outcome.status, model: describeModel(e.model), kind: e.kind })
          feed(sessionID, { type: "dispatch-result", turnID, status: outcome.status, ambiguous, error })
        })
        .catch((err) => d.logger.errorOnce("dispatch", "dispatch failed", err))
    }
    if (e.kind === "continue" || (e.request && (e.request.messageID || e.request.parts.length))) send(e.request)
    else rebuildTurn(sessionID).then((found) => send(found?.request), (err) => {
      d.logger.errorOnce("rebuild", "could not read the session to rebuild the turn", err)
      send(undefined)
    })
  }

  async function rebuildTurn(sessionID: string) {
    return lastRealTurn(await d.client.session.messages({ path: { id: sessionID }, ...(query ? { query } : {}) }))
  }

  function idleWatchdog(sessionID: string) {
    // The queue drains on the host's idle event; if that event was missed, ask the host once.
    const status = d.client.session.status?.({ ...(query ? { query } : {}) })
    Promise.resolve(status)
      .then((r) => {
        const map = (r && typeof r === "object" && "data" in r ? (r as { data?: unknown }).data : undefined) as Record<string, { type?: string }> | undefined
        const s = map?.[sessionID]
        if (!s || s.type === "idle") d.gate.onSessionIdle(sessionID)
      })
      .catch((err) => d.logger.errorOnce("status", "session.status failed", err))
  }

  /** Under `opencode run` the turn fails fast at the host's next retry instead (runtime/run-mode.ts). */
  function runModeFailFast(sessionID: string, t: Tracked) {
    const turn = t.m.turn
    if (!turn) return
    const last = turn.tried[turn.tried.length - 1]
    const cooling = last ? d.health.cooling(last.model, d.clock.now()) : undefined
    t.failFast = runModeMessage(last, turn.pending, cooling ? cooling.until - d.clock.now() : undefined)
    d.logger.log("warn", `opencode run: ${t.failFast}`, { session: sessionID })
  }

  function setTimer(sessionID: string, t: Tracked, name: string, ms: number, fn: () => void) {
    clearTimer(t, name)
    t.timers.set(
      name,
      d.clock.setTimeout(() => {
        t.timers.delete(name)
        if (disposed || sessions.get(sessionID) !== t) return
        try {
          fn()
        } catch (err) {
          d.logger.errorOnce(`timer:${name}`, "timer failed", err)
        }
      }, ms),
    )
  }

  function clearTimer(t: Tracked, name: string) {
    const h = t.timers.get(name)
    if (h) d.clock.clearTimeout(h)
    t.timers.delete(name)
  }

  function adopt(sessionID: string, first: Input) {
    // A failure in a session whose turn we did not see start (the plugin loaded mid-turn): rebuild the turn
    // from the host's history, then replay what arrived meanwhile.
    const t = track(sessionID)
    t.backlog = [first]
    rebuildTurn(sessionID)
      .then((found) => {
        const backlog = t.backlog ?? []
        t.backlog = undefined
        // The session was deleted (or its record replaced) meanwhile: this history belongs to nobody now.
        if (disposed || sessions.get(sessionID) !== t) return
        // A real user turn arrived meanwhile: the failure we adopted for is stale; keep only what followed it.
        const takeover = backlog.findIndex((i) => i.type === "user-turn")
        if (takeover >= 0) {
          for (const i of backlog.slice(takeover)) feed(sessionID, i)
          return
        }
        if (!found?.model) return
        t.userPersisted = true
        feed(sessionID, { type: "user-turn", request: found.request, model: found.model, agent: found.request.agent })
        for (const i of backlog) feed(sessionID, i)
      })
      .catch((err) => {
        t.backlog = undefined
        d.logger.errorOnce("adopt", "could not read the session history", err)
      })
  }

  function onEvent(ev: SessionEvent) {
    switch (ev.kind) {
      case "busy":
        d.gate.onSessionBusy(ev.sessionID)
        return
      case "idle": {
        d.gate.onSessionIdle(ev.sessionID)
        const t = sessions.get(ev.sessionID)
        if (t) feed(ev.sessionID, { type: "idle" })
        return
      }
      case "retry": {
        d.gate.onSessionBusy(ev.sessionID)
        const input: Input = { type: "retry-status", attempt: ev.attempt, next: ev.next, failure: classify(ev.status) }
        if (sessions.get(ev.sessionID)?.m.turn) feed(ev.sessionID, input)
        else if (input.failure.action !== "stop") adopt(ev.sessionID, input)
        return
      }
      case "error": {
        if (!ev.sessionID) return
        const input: Input = { type: "failure", failure: classify(ev.error), source: "session.error" }
        if (sessions.get(ev.sessionID)?.m.turn) feed(ev.sessionID, input)
        else if (input.failure.action !== "stop") adopt(ev.sessionID, input)
        return
      }
      case "message":
        return onMessage(ev.sessionID, ev.message)
      case "part": {
        const t = sessions.get(ev.sessionID)
        if (!t) return
        const p = ev.part
        if (p.type === "tool" && p.messageID && t.attempt.has(p.messageID) && p.toolStatus && p.toolStatus !== "pending") feed(ev.sessionID, { type: "tool-activity" })
        return
      }
      case "session": {
        if (ev.change === "deleted") {
          d.gate.onSessionDeleted(ev.sessionID)
          const t = sessions.get(ev.sessionID)
          if (t) {
            feed(ev.sessionID, { type: "deleted" })
            for (const h of t.timers.values()) d.clock.clearTimeout(h)
            sessions.delete(ev.sessionID)
          }
          handled.delete(ev.sessionID)
        } else if (ev.parentID) {
          const t = sessions.get(ev.sessionID)
          if (t) t.parentID = ev.parentID
        }
        return
      }
    }
  }

  function onMessage(sessionID: string, m: MessageRecord) {
    const t = sessions.get(sessionID)
    if (!t || !t.m.turn) return
    const turn = t.m.turn
    if (m.role === "user") {
      if (m.id && m.id === turn.request?.messageID) t.userPersisted = true
      return
    }
    if (m.role !== "assistant") return
    const attemptModel = t.m.phase === "switching" ? turn.pending : turn.current
    if (m.id && (!m.model || sameModel(m.model, turn.current) || (attemptModel && sameModel(m.model, attemptModel))) && !t.failed.has(m.id)) {
      t.attempt.set(m.id, { errored: m.error !== undefined, finish: m.finish, completed: m.completed !== undefined, model: m.model })
    }
    if (m.error !== undefined) {
      feed(sessionID, { type: "failure", failure: classify(m.error), model: m.model, source: "message" })
      return
    }
    if (m.completed !== undefined || m.finish) {
      // A step that finished with tool calls is progress, not the answer: the loop goes on.
      if (m.finish === "tool-calls") return
      feed(sessionID, { type: "completed", meaningful: isMeaningfulCompletion(m), model: m.model, hasError: false })
    }
  }

  return {
    event(input) {
      if (disposed) return
      try {
        const ev = normaliseEvent(input)
        if (!ev) return
        if (d.logger.tracing) d.logger.trace({ event: ev.kind, session: ev.sessionID })
        onEvent(ev)
        if (listeners.size && ev.sessionID) for (const l of listeners.get(ev.sessionID) ?? []) l(ev)
      } catch (err) {
        d.logger.errorOnce("event", "event hook failed", err)
      }
    },

    chatMessage(input, output) {
      if (disposed) return
      try {
        const i = (input ?? {}) as { sessionID?: unknown; agent?: unknown; model?: unknown; messageID?: unknown; variant?: unknown }
        const o = (output ?? {}) as { message?: Record<string, unknown>; parts?: unknown[] }
        const sessionID = typeof i.sessionID === "string" ? i.sessionID : undefined
        if (!sessionID || !o.message || typeof o.message !== "object") return
        const parts = Array.isArray(o.parts) ? o.parts : []
        const t = track(sessionID)
        const messageID = typeof o.message.id === "string" ? o.message.id : typeof i.messageID === "string" ? i.messageID : undefined
        // Our own dispatch: a replay reuses a known message id; a continue carries our marker.
        if ((messageID && t.internalIDs.has(messageID)) || parts.some((p) => normalisePart(p)?.internal)) return
        const msgModel = o.message.model as Record<string, unknown> | undefined
        const model = modelRef(msgModel) ?? modelRef(i.model)
        const variant = (typeof i.variant === "string" ? i.variant : undefined) ?? (typeof msgModel?.variant === "string" ? msgModel.variant : undefined)
        const agent = typeof o.message.agent === "string" ? o.message.agent : typeof i.agent === "string" ? i.agent : undefined
        const request: TurnRequest = { messageID, parts: replayableParts(parts), agent, variant }
        t.userPersisted = false
        t.failFast = undefined
        if (!model) return feed(sessionID, { type: "user-turn", request, agent })
        const primary: ModelChoice = variant ? { ...model, variant } : model
        const routed = route(sessionID, t, primary, agent)
        if (routed && msgModel && typeof msgModel === "object") {
          // Mutate in place (the host ignores a replaced object) and keep the variant.
          msgModel.providerID = routed.to.providerID
          msgModel.modelID = routed.to.modelID
          if (routed.to.variant) msgModel.variant = routed.to.variant
        }
        feed(sessionID, { type: "user-turn", request, model: primary, agent, current: routed?.to, skipped: routed?.skipped })
      } catch (err) {
        d.logger.errorOnce("chat.message", "chat.message hook failed", err)
      }
    },

    chatParams(input) {
      if (disposed) return
      const sessionID = (input as { sessionID?: unknown } | undefined)?.sessionID
      if (typeof sessionID !== "string") return
      const t = sessions.get(sessionID)
      if (d.logger.tracing) d.logger.trace({ hook: "chat.params", session: sessionID, failFast: !!t?.failFast })
      if (!t?.failFast) return
      const message = t.failFast
      t.failFast = undefined
      // Deliberate: under `opencode run` a throw here ends the turn now with this message, instead of the
      // host retrying an exhausted model for minutes. Only set in run mode.
      throw new Error(message)
    },

    async transformMessages(_input, output) {
      if (disposed) return
      try {
        const msgs = (output as { messages?: unknown } | undefined)?.messages
        if (!Array.isArray(msgs) || msgs.length === 0) return
        const first = msgs[0] as { info?: { sessionID?: unknown } } | undefined
        const sessionID = first?.info?.sessionID
        const t = typeof sessionID === "string" ? sessions.get(sessionID) : undefined
        if (t && t.failed.size > 0) {
          // Failed attempts' rows (an aborted partial answer, an error row) must not reach the next model as
          // if they were real assistant turns. Splice in place: the host ignores a replaced array.
          for (let i = msgs.length - 1; i >= 0; i--) {
            const info = (msgs[i] as { info?: { id?: unknown; role?: unknown } })?.info
            if (info?.role === "assistant" && typeof info.id === "string" && t.failed.has(info.id)) msgs.splice(i, 1)
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
      for (const t of sessions.values()) for (const h of t.timers.values()) d.clock.clearTimeout(h)
      sessions.clear()
      handled.clear()
      listeners.clear()
      delegation.dispose()
      d.gate.dispose()
    },

    inspect() {
      let timers = 0
      for (const t of sessions.values()) timers += t.timers.size
      return {
        sessions: sessions.size,
        timers,
        handled: handled.size,
        listeners: listeners.size,
        session(id) {
          const t = sessions.get(id)
          return t ? { phase: t.m.phase, turn: t.m.turn, failed: t.failed.size } : undefined
        },
      }
    },
  }

  /** chat.message: a turn about to be sent to a cooling model moves to the next healthy one first. */
  function route(sessionID: string, t: Tracked, primary: ModelChoice, agent: string | undefined): { to: ModelChoice; skipped: Tried[] } | undefined {
    const now = d.clock.now()
    const r = preRoute(d.health, d.config.chains, primary, agent, now)
    if (r.kind === "healthy") return undefined
    if (r.kind === "all-cooling") {
      d.logger.log("warn", `every model in the chain of ${describeModel(primary)} is cooling down; sending to it anyway`, { session: sessionID })
      return undefined
    }
    const key = `${describeModel(primary)}>${describeModel(r.to)}`
    if (!t.noticed.has(key) && d.config.notify.toasts) {
      t.noticed.add(key)
      d.logger.toast("info", `${describeModel(primary)} is cooling down (${reasonText(r.cooling.code)}, back in ${formatWait(r.cooling.until - now)}) · using ${describeModel(r.to)}`, { session: sessionID })
    }
    d.logger.log("info", `pre-routed a new turn from ${describeModel(primary)} to ${describeModel(r.to)}`, { session: sessionID })
    return { to: r.to, skipped: r.skipped }
  }
}
