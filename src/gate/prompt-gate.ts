// The prompt-async gate: the one owner of internal prompts. Every `session.prompt` / `session.promptAsync`
// call of the plugin goes through `dispatch()` (host-call.ts is the only caller; an audit test enforces it).
//
// Invariants, and the function that enforces each:
//  1. At most one reservation per session; it is taken synchronously inside dispatch(), before any await,
//     and before the host is called: `beginAttempt()` sets `state.reservation` and only then calls `startHostCall()`.
//  2. A host call starts only for a free session (no reservation, not host-busy): `dispatch()` and `drain()`
//     reach `beginAttempt()` only when `isFree(state)`; `onSessionBusy()`/`onSessionIdle()` set/clear `busy`.
//  3. After every attempt that reached the host (success, `{ error }` result, throw, rejection, timeout) the
//     reservation is kept for `holdMs`: `endAttempt()` turns it into the "hold" phase with a `holdMs` timer; only
//     `release()` (matching owner), `onSessionDeleted()` and `dispose()` end it early.
//  4. A host call that never settles fails closed: `beginAttempt()` arms a `dispatchTimeoutMs` timer whose
//     `endAttempt()` settles `failed { ambiguous: true }` and starts the hold; late results are ignored there.
//  5. No reservation blocks forever: while a reservation is the session's it always has one live timer
//     (dispatch timeout in flight, then hold), and `endReservation()` frees the session when the hold ends.
//  6. FIFO: `enqueue()` only appends and `drain()` only takes the head; the queue drains on host signals
//     (`onSessionIdle()`), hold expiry (`endReservation()`) and `release()`, never by polling.
//  7. Queued duplicates coalesce: `dispatch()` returns `duplicate { of: "queued" }` at once (no entry added, the
//     queued request keeps its own outcome) when a queued entry has the same dedupe key.
//  8. The same prompt within `dedupeWindowMs` after a successful send returns `duplicate { of: "recent" }`
//     without a host call: `rememberSent()` on success (also a late one), checked by `dispatch()` and again by
//     `drain()` (a copy queued behind its in-flight original resolves `duplicate` if the original succeeded).
//  9. Text parts are sent with `synthetic: true`, other parts unchanged, caller objects untouched: `buildPromptBody()`.
// 10. `cancelQueuedInternalPrompts()` removes queued entries only, never the in-flight reservation; a
//     `sourcePrefix` not ending in ":" throws TypeError: `ownerMatcher()` / `assertSourcePrefix()`.
// 11. Every dispatch() promise settles exactly once: immediate outcomes (reserved, duplicate, invalid, queue full,
//     disposed) resolve at once in `dispatch()`; a queued or in-flight entry is settled by `endAttempt()`
//     (result or timeout), `drain()` (duplicate), `cancelQueuedInternalPrompts()` or `teardown()` (from
//     `onSessionDeleted()` / `dispose()`: queued → cancelled, in flight → `failed { ambiguous: true }`);
//     `settle()` is idempotent.
// 12. Bad input never throws out of dispatch/lifecycle calls: `normalizeRequest()` validates (→ `failed`,
//     `dispatchAttempted: false`, one log line), `guard()` wraps lifecycle calls, `startHostCall()` catches host
//     throws. Only programmer errors throw: bad options (constructor) and bad owner selectors (TypeError).
// 13. Bounded memory: `maybeDrop()` deletes a session's state once it has no reservation, is not busy, has no
//     queue and no live dedupe entries; `scheduleRecentPrune()` expires dedupe entries on a timer; the queue is
//     capped by `maxQueuePerSession` and the dedupe memory by MAX_RECENT_PER_SESSION.
// 14. After onSessionDeleted()/dispose() no host call is made for that state: `teardown()` empties it and every
//     timer/late-result path checks `sessions.get(id) === state` / `state.reservation === reservation`.
import { systemClock } from "../host/clock.ts"
import { PromptGateError } from "./errors.ts"
import { startHostCall } from "./host-call.ts"
import { normalizeRequest, type NormalizedRequest } from "./normalize-request.ts"
import {
  createSessionState,
  isEmpty,
  isFree,
  isRecent,
  pruneRecent,
  rememberRecent,
  settle,
  snapshot,
  type Entry,
  type Reservation,
  type SessionState,
} from "./session-state.ts"
import { ownerMatcher } from "./source.ts"
import type { DispatchOutcome, GateLogLevel, GateStats, PromptGate, PromptGateOptions } from "./types.ts"

function duration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`prompt gate: ${name} must be a finite number >= 0, got ${String(value)}`)
  }
  return value
}

const failed = (error: unknown, dispatchAttempted: boolean, ambiguous: boolean): DispatchOutcome => ({
  status: "failed",
  error,
  dispatchAttempted,
  ambiguous,
})
const done = (outcome: DispatchOutcome): Promise<DispatchOutcome> => Promise.resolve(outcome)

export function createPromptGate(options: PromptGateOptions): PromptGate {
  if (typeof options?.client !== "object" || options.client === null) {
    throw new TypeError("prompt gate: options.client is required")
  }
  const client = options.client
  const clock = options.clock ?? systemClock
  const holdMs = duration(options.holdMs, 2000, "holdMs")
  const dispatchTimeoutMs = duration(options.dispatchTimeoutMs, 30_000, "dispatchTimeoutMs")
  const dedupeWindowMs = duration(options.dedupeWindowMs, 15_000, "dedupeWindowMs")
  const maxQueue = Math.max(1, Math.floor(duration(options.maxQueuePerSession, 64, "maxQueuePerSession")))
  const sessions = new Map<string, SessionState>()
  let disposed = false

  function log(level: GateLogLevel, message: string, extra?: Record<string, unknown>): void {
    try {
      options.log?.(level, message, extra)
    } catch {
      // a broken logger must not break the gate
    }
  }

  function guard<T>(name: string, fallback: T, fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      log("error", `prompt gate: ${name} failed`, { error: String(error) })
      return fallback
    }
  }

  function validID(sessionID: unknown, where: string): sessionID is string {
    if (typeof sessionID === "string" && sessionID !== "") return true
    log("warn", `prompt gate: ${where} ignored an invalid sessionID`, { sessionID: String(sessionID) })
    return false
  }

  const isCurrent = (state: SessionState) => !disposed && sessions.get(state.id) === state

  function maybeDrop(state: SessionState): void {
    if (sessions.get(state.id) !== state || !isEmpty(state)) return
    clock.clearTimeout(state.recentTimer)
    state.recentTimer = undefined
    sessions.delete(state.id)
  }

  function scheduleRecentPrune(state: SessionState): void {
    if (state.recentTimer !== undefined) return
    const first = state.recent.values().next()
    if (first.done) return
    state.recentTimer = clock.setTimeout(() => {
      state.recentTimer = undefined
      if (!isCurrent(state)) return
      pruneRecent(state, clock.now())
      scheduleRecentPrune(state)
      maybeDrop(state)
    }, first.value - clock.now())
  }

  function rememberSent(state: SessionState, key: string): void {
    if (!isCurrent(state)) return
    rememberRecent(state, key, clock.now() + dedupeWindowMs)
    scheduleRecentPrune(state)
  }

  function newEntry(request: NormalizedRequest): { entry: Entry; promise: Promise<DispatchOutcome> } {
    let resolve: (outcome: DispatchOutcome) => void = () => {}
    const promise = new Promise<DispatchOutcome>((r) => {
      resolve = r
    })
    return { entry: { request, settled: false, resolve }, promise }
  }

  function beginAttempt(state: SessionState, entry: Entry): void {
    const request = entry.request
    const reservation: Reservation = {
      source: request.source,
      key: request.key,
      phase: "in-flight",
      entry,
      timer: undefined,
      releaseWhenSettled: false,
    }
    state.reservation = reservation
    reservation.timer = clock.setTimeout(() => {
      const error = new PromptGateError("timeout", `host prompt call did not settle within ${dispatchTimeoutMs} ms`)
      endAttempt(state, reservation, failed(error, true, true))
    }, dispatchTimeoutMs)
    const start = startHostCall(client, request)
    if (start.kind === "immediate") return endAttempt(state, reservation, start.outcome)
    start.pending
      .then((outcome) => endAttempt(state, reservation, outcome))
      .catch((error: unknown) => log("error", "prompt gate: settling a host call failed", { error: String(error) }))
  }

  function endAttempt(state: SessionState, reservation: Reservation, outcome: DispatchOutcome): void {
    const entry = reservation.entry
    if (entry === undefined) {
      // Late result after a timeout, delete or dispose: the caller already has its outcome.
      log("debug", "prompt gate: late host result ignored", { sessionID: state.id, status: outcome.status })
      if (outcome.status === "dispatched") rememberSent(state, reservation.key)
      return
    }
    reservation.entry = undefined
    clock.clearTimeout(reservation.timer)
    reservation.timer = undefined
    settle(entry, outcome)
    if (outcome.status === "dispatched") rememberSent(state, reservation.key)
    if (state.reservation !== reservation) return
    const reachedHost = outcome.status !== "failed" || outcome.dispatchAttempted
    if (reservation.releaseWhenSettled || !reachedHost) return endReservation(state, reservation)
    reservation.phase = "hold"
    reservation.timer = clock.setTimeout(() => endReservation(state, reservation), holdMs)
  }

  function endReservation(state: SessionState, reservation: Reservation): void {
    if (state.reservation !== reservation) return
    clock.clearTimeout(reservation.timer)
    reservation.timer = undefined
    state.reservation = undefined
    drain(state)
    maybeDrop(state)
  }

  function drain(state: SessionState): void {
    if (!isCurrent(state)) return
    while (isFree(state)) {
      const entry = state.queue.shift()
      if (entry === undefined) break
      pruneRecent(state, clock.now())
      if (isRecent(state, entry.request.key, clock.now())) {
        settle(entry, { status: "duplicate", of: "recent" })
        continue
      }
      beginAttempt(state, entry)
    }
  }

  function enqueue(state: SessionState, request: NormalizedRequest): Promise<DispatchOutcome> {
    const { entry, promise } = newEntry(request)
    state.queue.push(entry)
    const position = state.queue.length
    try {
      request.onQueued?.(position)
    } catch (error) {
      log("warn", "prompt gate: onQueued callback threw", { source: request.source, error: String(error) })
    }
    return promise
  }

  function dispatchNow(input: unknown): Promise<DispatchOutcome> {
    if (disposed) return done({ status: "cancelled", reason: "disposed" })
    const checked = normalizeRequest(input)
    if (!checked.ok) {
      log("warn", `prompt gate: rejected internal prompt: ${checked.problem}`)
      return done(failed(new PromptGateError("invalid-request", checked.problem), false, false))
    }
    const request = checked.request
    let state = sessions.get(request.sessionID)
    if (state) {
      drain(state) // a free session never keeps a waiting queue; this makes it so before looking
      pruneRecent(state, clock.now())
      if (isRecent(state, request.key, clock.now())) return done({ status: "duplicate", of: "recent" })
      if (state.queue.some((e) => e.request.key === request.key)) return done({ status: "duplicate", of: "queued" })
      if (!isFree(state)) {
        if (request.whenBusy === "skip") return done({ status: "reserved", by: state.reservation?.source ?? "host" })
        if (state.queue.length >= maxQueue) {
          log("warn", "prompt gate: queue full", { sessionID: state.id, source: request.source })
          return done(failed(new PromptGateError("queue-full", `more than ${maxQueue} queued prompts`), false, false))
        }
        return enqueue(state, request)
      }
    } else {
      state = createSessionState(request.sessionID)
      sessions.set(state.id, state)
    }
    const { entry, promise } = newEntry(request)
    beginAttempt(state, entry)
    return promise
  }

  function teardown(state: SessionState, reason: "deleted" | "disposed"): void {
    clock.clearTimeout(state.recentTimer)
    state.recentTimer = undefined
    state.recent.clear()
    const reservation = state.reservation
    state.reservation = undefined
    if (reservation) {
      clock.clearTimeout(reservation.timer)
      reservation.timer = undefined
      const entry = reservation.entry
      reservation.entry = undefined
      const code = reason === "deleted" ? "session-deleted" : "disposed"
      if (entry) settle(entry, failed(new PromptGateError(code, `prompt gate: ${reason} while the host call was in flight`), true, true))
    }
    const queued = state.queue
    state.queue = []
    for (const entry of queued) settle(entry, { status: "cancelled", reason })
  }

  return {
    dispatch(request) {
      try {
        return dispatchNow(request)
      } catch (error) {
        log("error", "prompt gate: dispatch failed unexpectedly", { error: String(error) })
        return done(failed(error, false, false))
      }
    },

    cancelQueuedInternalPrompts(sessionID, filter) {
      const matches = ownerMatcher(filter, true)
      return guard("cancelQueuedInternalPrompts", 0, () => {
        if (!validID(sessionID, "cancelQueuedInternalPrompts")) return 0
        const state = sessions.get(sessionID)
        if (!state) return 0
        const removed = state.queue.filter((e) => matches(e.request.source))
        if (removed.length === 0) return 0
        state.queue = state.queue.filter((e) => !matches(e.request.source))
        for (const entry of removed) settle(entry, { status: "cancelled", reason: "cancelled" })
        maybeDrop(state)
        return removed.length
      })
    },

    release(sessionID, owner) {
      const matches = ownerMatcher(owner, false)
      return guard("release", false, () => {
        if (!validID(sessionID, "release")) return false
        const state = sessions.get(sessionID)
        const reservation = state?.reservation
        if (!state || !reservation || !matches(reservation.source)) return false
        if (reservation.phase === "in-flight") reservation.releaseWhenSettled = true
        else endReservation(state, reservation)
        return true
      })
    },

    onSessionBusy(sessionID) {
      guard("onSessionBusy", undefined, () => {
        if (disposed || !validID(sessionID, "onSessionBusy")) return
        let state = sessions.get(sessionID)
        if (!state) sessions.set(sessionID, (state = createSessionState(sessionID)))
        state.busy = true
      })
    },

    onSessionIdle(sessionID) {
      guard("onSessionIdle", undefined, () => {
        if (disposed || !validID(sessionID, "onSessionIdle")) return
        const state = sessions.get(sessionID)
        if (!state) return
        state.busy = false
        drain(state)
        maybeDrop(state)
      })
    },

    onSessionDeleted(sessionID) {
      guard("onSessionDeleted", undefined, () => {
        if (disposed || !validID(sessionID, "onSessionDeleted")) return
        const state = sessions.get(sessionID)
        if (!state) return
        sessions.delete(sessionID)
        teardown(state, "deleted")
      })
    },

    dispose() {
      guard("dispose", undefined, () => {
        if (disposed) return
        disposed = true
        const states = [...sessions.values()]
        sessions.clear()
        for (const state of states) teardown(state, "disposed")
      })
    },

    inspect(sessionID) {
      return snapshot(sessions.get(sessionID))
    },

    stats(): GateStats {
      const stats: GateStats = { sessions: sessions.size, queued: 0, reservations: 0, inFlight: 0, recentKeys: 0, disposed }
      for (const state of sessions.values()) {
        stats.queued += state.queue.length
        stats.recentKeys += state.recent.size
        if (state.reservation) stats.reservations++
        if (state.reservation?.phase === "in-flight") stats.inFlight++
      }
      return stats
    },
  }
}
