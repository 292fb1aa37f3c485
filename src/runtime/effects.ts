// The effect runner: the one place where the core's decisions touch the host. Every internal prompt goes
// through the prompt gate; results come back to the core as inputs (abort-done, dispatch-result, run-state,
// timer). Every effect is guarded: a failing host call is logged once and the session carries on.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { formatWait } from "../failure/classify.ts"
import type { ModelHealth } from "../fallback/health.ts"
import type { Effect, Input, TimerName } from "../fallback/session.ts"
import type { PromptGate } from "../gate/types.ts"
import type { Clock } from "../host/clock.ts"
import type { HostClient, MessageDeleter, PartUpdater } from "../host/client.ts"
import { ascendingID } from "../host/ids.ts"
import type { Logger } from "../host/logger.ts"
import { describeModel } from "../payload/model.ts"
import { reasonText, renderNotice } from "../notices/text.ts"
import { noticeLevel, type Notice } from "../notices/types.ts"
import type { NoticeLog } from "./notice-log.ts"
import type { Registry, Tracked } from "./registry.ts"
import { dispatchParts } from "./replay.ts"
import { runModeMessage } from "./run-mode.ts"
import { errorText } from "./trace-record.ts"

export const SOURCE_PREFIX = "runtime-fallback:"

/** How long a queued dispatch may wait for the host's idle signal before the runtime asks the host. */
export const IDLE_WATCHDOG_MS = 10_000

export type HostMode = "serve" | "run"

export type EffectDeps = {
  client: HostClient
  gate: PromptGate
  logger: Logger
  health: ModelHealth
  clock: Clock
  config: RuntimeFallbackConfig
  mode: HostMode
  directory?: string
  updatePart?: PartUpdater
  deleteMessage?: MessageDeleter
  notices: NoticeLog
  registry: Registry
  isDisposed(): boolean
  feed(sessionID: string, input: Input): void
}

export function createEffectRunner(d: EffectDeps) {
  const query = d.directory ? { directory: d.directory } : undefined
  let restoreSeq = 0

  function run(t: Tracked, effects: readonly Effect[]) {
    for (const e of effects) {
      try {
        runOne(t, e)
      } catch (err) {
        d.logger.errorOnce(`effect:${e.type}`, `effect ${e.type} failed`, err)
      }
    }
  }

  function runOne(t: Tracked, e: Effect) {
    const sid = t.id
    switch (e.type) {
      case "abort":
        if (d.mode === "run") {
          failFast(t)
          return d.feed(sid, { type: "abort-done", turnID: e.turnID, ok: true })
        }
        return abort(t, e.turnID)
      case "dispatch":
        if (d.mode === "run") {
          // `opencode run` exits at the first idle: a re-dispatch would never be seen (runtime/run-mode.ts).
          failFast(t, e.model)
          return d.feed(sid, { type: "dispatch-result", turnID: e.turnID, seq: e.seq, status: "cancelled" })
        }
        return dispatch(t, e)
      case "release":
        d.gate.release(sid, { source: `${SOURCE_PREFIX}${e.turnID}` })
        return
      case "restore-model":
        if (d.mode === "run") return d.feed(sid, { type: "restore-done", sent: false })
        return restore(t, e)
      case "cancel-queued":
        d.gate.cancelQueuedInternalPrompts(sid, { sourcePrefix: SOURCE_PREFIX })
        return
      case "notice":
        return notify(sid, e.notice)
      case "log":
        return d.logger.log(e.level, e.message, { session: sid, ...e.extra })
      case "set-timer":
        return setTimer(t, e.name, e.turnID, e.ms)
      case "clear-timer":
        return clearTimer(t, `${e.name}:${e.turnID}`)
      case "check-run":
        return checkRun(t, e.turnID, e.seq)
      case "cooldown": {
        const entry = d.health.recordFailure(e.model, e.failure, d.clock.now())
        if (entry) d.logger.log("info", `${describeModel(e.model)} cools down for ${formatWait(entry.until - d.clock.now())} (${reasonText(entry.code)})`, { session: sid })
        return
      }
      case "transient":
        d.health.recordTransient(e.model, e.failure, d.clock.now(), e.startedAt)
        return
      case "healthy":
        d.health.recordSuccess(e.model, e.startedAt)
        return
      case "history-note":
        return historyNote(sid, e.messageID, e.notice)
      case "delete-rows":
        return deleteRows(sid, e.messageIDs)
    }
  }

  function notify(sessionID: string, n: Notice) {
    const text = renderNotice(n)
    d.notices.add(sessionID, n, text, d.clock.now())
    d.logger.log(noticeLevel(n) === "error" ? "warn" : "info", text, { session: sessionID })
    if (d.config.notify.toasts) d.logger.toast(noticeLevel(n), text, { session: sessionID })
  }

  function abort(t: Tracked, turnID: string) {
    const done = (ok: boolean) => {
      // The host is idle once its abort call returns (the runner moves to Idle before interrupting).
      if (ok) d.gate.onSessionIdle(t.id)
      d.feed(t.id, { type: "abort-done", turnID, ok })
    }
    Promise.resolve(d.client.session.abort({ path: { id: t.id }, ...(query ? { query } : {}) }))
      .then((r) => done(!(r && typeof r === "object" && "error" in r && r.error)))
      .catch((err) => {
        d.logger.errorOnce("abort", `abort of ${t.id} failed`, err)
        done(false)
      })
  }

  function dispatch(t: Tracked, e: Extract<Effect, { type: "dispatch" }>) {
    const source = `${SOURCE_PREFIX}${e.turnID}`
    d.gate
      .dispatch({
        sessionID: t.id,
        source,
        parts: dispatchParts(e.kind, e.turnID),
        model: { providerID: e.model.providerID, modelID: e.model.modelID },
        agent: e.agent,
        variant: e.model.variant,
        mode: "async",
        whenBusy: "queue",
        dedupeKey: `${e.turnID}#${e.seq}`,
        onQueued: () => setRaw(t, "gate-watchdog", IDLE_WATCHDOG_MS, () => gateWatchdog(t.id)),
      })
      .then((outcome) => {
        clearTimer(t, "gate-watchdog")
        const error = outcome.status === "failed" ? errorText(outcome.error) : undefined
        const ambiguous = outcome.status === "failed" ? outcome.ambiguous : undefined
        d.logger.trace({ session: t.id, dispatch: outcome.status, model: describeModel(e.model), kind: e.kind, seq: e.seq })
        d.feed(t.id, { type: "dispatch-result", turnID: e.turnID, seq: e.seq, status: outcome.status, ambiguous, error })
      })
      .catch((err) => d.logger.errorOnce("dispatch", "dispatch failed", err))
  }

  function restore(t: Tracked, e: Extract<Effect, { type: "restore-model" }>) {
    // A stored, unanswered empty message on the user's model: the host takes it as the session's model again
    // (0 requests; measured on 1.18.33). Sent only when the session is idle with nothing in flight.
    const source = `${SOURCE_PREFIX}restore`
    d.gate
      .dispatch({ sessionID: t.id, source, parts: [], noReply: true, model: { providerID: e.model.providerID, modelID: e.model.modelID }, agent: e.agent, variant: e.model.variant, whenBusy: "queue", dedupeKey: `restore#${++restoreSeq}` })
      .then((outcome) => {
        d.logger.trace({ session: t.id, restore: outcome.status, model: describeModel(e.model) })
        d.feed(t.id, { type: "restore-done", sent: outcome.status === "dispatched" })
      })
      .catch((err) => d.logger.errorOnce("restore", "restoring the session's model failed", err))
    d.gate.release(t.id, { source })
  }

  function historyNote(sessionID: string, messageID: string, n: Notice) {
    if (!d.updatePart) return d.logger.log("debug", "no part update route on this host: the exhausted turn keeps only its error row", { session: sessionID })
    const id = ascendingID("prt", d.clock.now())
    d.updatePart({ id, sessionID, messageID, type: "text", text: renderNotice(n), metadata: { runtimeFallback: { kind: n.type } } }, d.directory)
      .then((ok) => {
        if (!ok) d.logger.log("warn", "could not write the exhausted-chain note into the history", { session: sessionID })
      })
      .catch((err) => d.logger.errorOnce("history-note", "writing the exhausted-chain note failed", err))
  }

  function deleteRows(sessionID: string, ids: readonly string[]) {
    if (!d.deleteMessage) return d.logger.log("debug", "no message delete route on this host: failed attempts stay in the history", { session: sessionID })
    for (const id of ids)
      d.deleteMessage(sessionID, id, d.directory)
        .then((ok) => {
          if (!ok) d.logger.log("debug", `could not remove the failed attempt ${id} from the history`, { session: sessionID })
        })
        .catch((err) => d.logger.errorOnce("delete-rows", "removing a failed attempt from the history failed", err))
  }

  function checkRun(t: Tracked, turnID: string, seq: number) {
    Promise.resolve(d.client.session.status?.({ ...(query ? { query } : {}) }))
      .then((r) => {
        const map = (r && typeof r === "object" && "data" in r ? (r as { data?: unknown }).data : undefined) as Record<string, { type?: string }> | undefined
        const s = map?.[t.id]
        d.feed(t.id, { type: "run-state", turnID, seq, busy: !!s && s.type !== "idle" })
      })
      .catch((err) => d.logger.errorOnce("status", "session.status failed", err))
  }

  function gateWatchdog(sessionID: string) {
    // The gate's queue drains on the host's idle event; if that event was missed, ask the host once.
    Promise.resolve(d.client.session.status?.({ ...(query ? { query } : {}) }))
      .then((r) => {
        const map = (r && typeof r === "object" && "data" in r ? (r as { data?: unknown }).data : undefined) as Record<string, { type?: string }> | undefined
        const s = map?.[sessionID]
        if (!s || s.type === "idle") d.gate.onSessionIdle(sessionID)
      })
      .catch((err) => d.logger.errorOnce("status", "session.status failed", err))
  }

  /** Under `opencode run` the turn fails fast at the host's next retry instead (runtime/run-mode.ts). */
  function failFast(t: Tracked, next?: Extract<Effect, { type: "dispatch" }>["model"]) {
    const turn = t.m.turns[t.m.turns.length - 1]
    const last = turn?.tried[turn.tried.length - 1]
    const cooling = last ? d.health.peek(last.model, d.clock.now()) : undefined
    const target = next ?? (turn?.phase.name === "ending" && turn.phase.plan.kind === "move" ? turn.phase.plan.to : undefined)
    t.failFast = runModeMessage(last, target, cooling ? cooling.until - d.clock.now() : undefined)
    d.logger.log("warn", `opencode run: ${t.failFast}`, { session: t.id })
  }

  function setTimer(t: Tracked, name: TimerName, turnID: string, ms: number) {
    setRaw(t, `${name}:${turnID}`, ms, () => d.feed(t.id, { type: "timer", name, turnID }))
  }

  function setRaw(t: Tracked, key: string, ms: number, fn: () => void) {
    clearTimer(t, key)
    t.timers.set(
      key,
      d.clock.setTimeout(() => {
        t.timers.delete(key)
        if (d.isDisposed() || d.registry.get(t.id) !== t) return
        try {
          fn()
        } catch (err) {
          d.logger.errorOnce(`timer:${key.split(":")[0]}`, "timer failed", err)
        }
      }, ms),
    )
  }

  function clearTimer(t: Tracked, key: string) {
    const h = t.timers.get(key)
    if (h) d.clock.clearTimeout(h)
    t.timers.delete(key)
  }

  return { run }
}
