// The per-session state machine: one pure transition `(state, input, ctx) → {state, effects}`. Every rule lives
// here once; the shell only feeds inputs (normalised host events and hook calls) and runs the effects.
//
// The host's run lifecycle decides *when* we may act (measured on opencode 1.18.33, reference Addendum 2b):
//  - a failure the host does not retry publishes session.error and an idle in the same millisecond, but the
//    run is still alive: the errored assistant row is written 37–416 ms later, then a second idle. A prompt
//    sent before that second idle is stored and answered 204, and never runs. So a decided move waits for
//    the errored row's final write and the idle after it ("ending", via "run-end");
//  - after our own abort the host is idle as soon as the abort call returns ("ending", via "abort");
//  - a re-dispatch counts when the new model's assistant row appears ("verifying" → "running"); if the host
//    stores our prompt and goes idle without a run, it dropped it, and it is sent again (bounded).
import { describeModel, sameModel, type ModelChoice } from "../payload/model.ts"
import { reasonText } from "../notices/text.ts"
import { exhaustedNotice, log, moveIsStale, moveOn, nextPlan, retryOrMove, switchNotice, transientEffect } from "./plan.ts"
import { LIFECYCLE, MAX_TURNS, type Attempt, type Ctx, type DispatchKind, type Effect, type Input, type Outcome, type Plan, type SessionState, type Step, type TimerName, type Turn } from "./turn.ts"
import type { Failure } from "../failure/types.ts"
import { stallFailure } from "../stall/failure.ts"

export * from "./turn.ts"

const MAX_FAILED_ROWS = 64
const TIMERS: readonly TimerName[] = ["backoff", "run-end", "verify", "quiet"]

export function initialState(sessionID: string): SessionState {
  return { sessionID, turns: [], aliases: new Map(), seq: 0, sent: 0, restoring: false, cleanup: [] }
}

export const isLive = (t: Turn) => t.phase.name !== "settled"

export function transition(state: SessionState, input: Input, ctx: Ctx): Step {
  const s = copy(state)
  const fx: Effect[] = []
  switch (input.type) {
    case "user-message":
      userMessage(s, input, ctx, fx)
      break
    case "internal-message":
      internalMessage(s, input.id)
      break
    case "route-stopped": {
      const t = turnByID(s, input.id)
      if (t?.phase.name === "ending" && t.phase.deferred) t.phase.stopped = true
      break
    }
    case "assistant":
      assistant(s, input, ctx, fx)
      break
    case "output":
      output(s, input.messageID, input.tool, fx)
      break
    case "retry-status":
      retryStatus(s, input, ctx, fx)
      break
    case "stalled":
      stalled(s, input, ctx, fx)
      break
    case "session-error": {
      const t = activeTurn(s)
      if (t) onFailure(s, t, input.failure, false, ctx, fx)
      break
    }
    case "busy":
      for (const t of s.turns) if (t.phase.name === "verifying" && t.phase.userID && !t.phase.sawBusy) {
        t.phase.sawBusy = true
        t.phase.quiet = false
        fx.push({ type: "clear-timer", name: "quiet", turnID: t.id })
      }
      break
    case "idle":
      idle(s, ctx, fx)
      break
    case "abort-done": {
      const t = turnByID(s, input.turnID)
      if (t?.phase.name === "ending" && t.phase.via === "abort") {
        if (input.ok) runEnded(s, t, ctx, fx)
        else t.phase.via = "run-end" // the abort failed: wait for the host's own end of the run
      }
      break
    }
    case "dispatch-result":
      dispatchResult(s, input, ctx, fx)
      break
    case "timer":
      timer(s, input.name, input.turnID, ctx, fx)
      break
    case "run-state": {
      const t = turnByID(s, input.turnID)
      if (t?.phase.name !== "verifying" || t.phase.seq !== input.seq) break
      if (input.busy) fx.push({ type: "set-timer", name: "verify", turnID: t.id, ms: LIFECYCLE.verifyMs })
      else dropped(s, t, ctx, fx)
      break
    }
    case "restore-done":
      if (!input.sent) s.restoring = false
      break
    case "deleted":
      for (const t of s.turns) if (isLive(t)) settle(t, "deleted", fx)
      s.drift = undefined
      break
    case "parent":
      s.parentID = input.parentID
      break
  }
  return { state: s, effects: fx }
}

// ---- inputs ---------------------------------------------------------------------------------------------

function userMessage(s: SessionState, i: Extract<Input, { type: "user-message" }>, ctx: Ctx, fx: Effect[]) {
  if (turnByID(s, i.id)) return
  // The user moved on: a same-model retry we were waiting to send is moot (the host runs the new message,
  // whose context carries the old one). A rescue the host already runs goes on, and so does one that waits
  // for its failed run to end: the new message is stored and its run answers both.
  for (const t of s.turns)
    if (t.phase.name === "backoff" || (t.phase.name === "verifying" && !t.phase.sawBusy)) {
      // Likewise for a re-dispatch the host has not started: it now runs the user's message (or, if ours is
      // already stored and runs first, the user's after it); sending ours again would only repeat the turn.
      settle(t, "superseded", fx)
      fx.push(log("info", "the user sent a new message; our pending retry is dropped", t))
    }
  // A restore still waiting in the gate is moot: this message sets the session's model itself. (One the host
  // took has shown its chat.message by now.)
  if (s.restoring) {
    fx.push({ type: "cancel-queued" })
    s.restoring = false
  }
  const model = i.model ?? s.turns[s.turns.length - 1]?.primary
  if (!model) return
  const t = newTurn(i.id, model, i.agent, ctx.now, ++s.seq)
  s.sent = 0
  if (i.routed?.deferred) {
    // Its request is stopped before it is sent (an abort the shell causes): move once that run has ended.
    t.tried = [...i.routed.skipped]
    t.announced = i.routed.to
    t.abortPending = true
    // No run-end timer yet: a cold host may take seconds before it makes the request; the run's idle ends it.
    t.phase = { name: "ending", plan: { kind: "move", to: i.routed.to, dispatch: "replay" }, via: "run-end", written: false, idleSeen: false, deferred: true }
  } else if (i.routed) {
    t.attempt.model = i.routed.to
    t.tried = [...i.routed.skipped]
    // The host stores the routed model as the session's model: give the user's choice back when idle.
    s.drift = { model, agent: i.agent }
  } else s.drift = undefined
  s.turns.push(t)
  trimTurns(s)
}

function internalMessage(s: SessionState, id: string) {
  const t = [...s.turns].reverse().find((x) => x.phase.name === "verifying" && !x.phase.userID)
  if (t && t.phase.name === "verifying") {
    t.phase.userID = id
    s.aliases.set(id, { turn: t.id, seq: ++s.seq })
    trimAliases(s)
    return
  }
  if (s.restoring) s.restoring = false
}

function assistant(s: SessionState, i: Extract<Input, { type: "assistant" }>, ctx: Ctx, fx: Effect[]) {
  s.lastAssistant = { id: i.id, parentID: i.parentID, model: i.model, agent: i.agent }
  let t = i.parentID ? turnByID(s, s.aliases.get(i.parentID)?.turn ?? i.parentID) : undefined
  if (!t) {
    // A failing turn whose start we did not see (the plugin's memory of it was evicted): adopt it from the row.
    if (!i.failure || !i.parentID || !i.model || i.failure.action === "stop") return
    t = newTurn(i.parentID, i.model, i.agent, ctx.now, ++s.seq)
    s.turns.push(t)
    trimTurns(s)
  }
  s.active = t.id
  cover(s, t, i.parentID ? (s.aliases.get(i.parentID)?.seq ?? t.seq) : t.seq, fx)
  if (t.failedRows.includes(i.id)) {
    // A row of an attempt we left: only the echo of our abort matters.
    if (i.completed && !i.meaningful && !i.failure && t.abortPending) t.abortPending = false
    if (i.failure?.code === "aborted" && t.abortPending) t.abortPending = false
    return
  }
  const a = t.attempt
  if (t.phase.name === "verifying" && !a.rows.includes(i.id)) {
    // The new model's row: the host runs our dispatch.
    if (!i.model || !sameModel(i.model, t.phase.to)) return
    confirm(s, t, i.id, i.parentID, i.created ?? ctx.now, ctx, fx)
  } else if (!a.rows.includes(i.id)) {
    if (i.model && !sameModel(i.model, a.model)) return // not this attempt's row
    a.rows.push(i.id)
    if (a.startedAt === undefined) a.startedAt = i.created ?? ctx.now
  }
  if (i.failure) return onFailure(s, t, i.failure, i.completed, ctx, fx)
  if (!i.completed) return
  if (i.finish === "tool-calls") {
    // A step that ended in tool calls is progress, not the answer: the loop goes on.
    if (!a.toolSteps.includes(i.id)) a.toolSteps.push(i.id)
    a.toolsRan = true
    return
  }
  if (i.meaningful || (a.started && !i.failure)) return answered(s, t, ctx, fx)
  if (t.abortPending) {
    t.abortPending = false
    return
  }
  // An empty completion we did not cause while the host waited to retry: the user aborted.
  if (t.phase.name === "running" && a.hostAttempts > 0) cancel(t, fx, "the user aborted during the host's retry wait")
}

/**
 * A run answers the latest user message with the whole conversation as context. User messages stored before
 * the one it answers that never got a run of their own (typed while a failed run was ending: the host stores
 * them and never runs them) are covered by it: nothing more will happen for them.
 */
function cover(s: SessionState, answering: Turn, seq: number, fx: Effect[]) {
  for (const x of s.turns) if (x !== answering && isLive(x) && x.seq < seq && x.attempt.rows.length === 0 && x.phase.name === "running") settle(x, "covered", fx)
}

function output(s: SessionState, messageID: string, tool: boolean, fx: Effect[]) {
  const t = s.turns.find((x) => x.attempt.rows.includes(messageID))
  if (!t) return
  t.attempt.started = true
  if (tool && t.phase.name === "running") t.attempt.toolsRan = true
  flushNotice(t, fx)
}

function retryStatus(s: SessionState, i: Extract<Input, { type: "retry-status" }>, ctx: Ctx, fx: Effect[]) {
  let t = activeTurn(s)
  if (!t) t = adoptFromLastAssistant(s, ctx)
  if (t?.phase.name === "ending" && t.phase.deferred && t.phase.via === "run-end" && t.abortPending) {
    // A deferred first message whose request was meant to be stopped before it was sent, yet the host sent it
    // and now retries it: stop it for real, then move as decided.
    t.phase.via = "abort"
    fx.push({ type: "abort", turnID: t.id }, { type: "set-timer", name: "run-end", turnID: t.id, ms: LIFECYCLE.runEndMs })
    return
  }
  if (!t || t.phase.name !== "running") return
  const a = t.attempt
  a.hostAttempts = Math.max(a.hostAttempts, i.attempt)
  flushNotice(t, fx) // a retry of the new model means its request was made
  const f = i.failure
  fx.push(...transientEffect(t, f))
  if (f.action === "fallback") return end(t, moveOn(t, f, ctx, fx, "the first retry signal says this model cannot serve now"), "abort", false, fx)
  if (f.action !== "retry") return
  const r = ctx.config.retry
  const wait = i.next !== undefined ? i.next - ctx.now : undefined
  if (i.attempt > r.maxHostAttempts) return end(t, moveOn(t, f, ctx, fx, `the host made ${i.attempt} attempts (more than ${r.maxHostAttempts})`), "abort", false, fx)
  if (wait !== undefined && wait > r.maxHostWaitMs) return end(t, moveOn(t, f, ctx, fx, `the host's next try is ${Math.round(wait / 1000)}s away (more than ${Math.round(r.maxHostWaitMs / 1000)}s)`), "abort", false, fx)
  // The provider's own stated wait counts too: the host ignores it when it is not a header (Gemini's "Please
  // retry in 41.2s" comes only in the text), and its earlier tries would fail until then.
  if (f.waitStated && f.retryAfterMs !== undefined && f.retryAfterMs > r.maxHostWaitMs) return end(t, moveOn(t, f, ctx, fx, `the provider asks to wait ${Math.round(f.retryAfterMs / 1000)}s (more than ${Math.round(r.maxHostWaitMs / 1000)}s)`), "abort", false, fx)
  fx.push(log("debug", `host retry ${i.attempt} on ${describeModel(a.model)} (${f.code}); staying`, t))
}

/**
 * The request went silent. Abort it, then by the same rules as a failure: move to the next model that can take
 * the turn (replayed, or continued after tool calls); the same model once more first when the config asks for
 * it, or when no other model is left.
 */
function stalled(s: SessionState, i: Extract<Input, { type: "stalled" }>, ctx: Ctx, fx: Effect[]) {
  const t = activeTurn(s)
  if (!t || t.phase.name !== "running") return
  const f = stallFailure(i.window, i.waitedMs, i.limitMs)
  flushNotice(t, fx)
  t.lastFailure = f
  t.stalls += 1
  fx.push({ type: "transient", model: t.attempt.model, failure: f, startedAt: t.attempt.startedAt })
  const first = t.stalls === 1
  const elsewhere = nextPlan(t, ctx, f).kind === "move"
  if (first && (ctx.config.stall.retrySameModel || !elsewhere) && t.dispatches < ctx.config.limits.maxDispatchesPerTurn) {
    fx.push(log("info", `${f.message} on ${describeModel(t.attempt.model)}; sending the turn to it once more (${f.rule})`, t))
    return end(t, { kind: "retry", delayMs: 0 }, "abort", false, fx)
  }
  end(t, moveOn(t, f, ctx, fx, f.message), "abort", false, fx)
}

function onFailure(s: SessionState, t: Turn, f: Failure, written: boolean, ctx: Ctx, fx: Effect[]) {
  flushNotice(t, fx)
  if (f.code === "aborted") {
    if (t.phase.name === "ending" && t.phase.deferred && !t.phase.stopped) {
      // Stopped before its request reached chat.params, where the shell stops it: the user's Escape.
      t.abortPending = false
      settle(t, "cancelled", fx)
      fx.push(log("info", "the user stopped the turn before its request was made", t))
      return
    }
    if (t.phase.name === "ending" && written) t.phase.written = true // the run that we ended has written its row
    if (t.abortPending) t.abortPending = false // the echo of our own abort
    else if (isLive(t) && t.phase.name !== "ending") cancel(t, fx, "the user aborted the turn")
    return
  }
  if (t.phase.name === "ending") {
    // The second signal of the failure we already decided on (session.error, then the errored row).
    if (written) t.phase.written = true
    return
  }
  if (t.phase.name !== "running") return
  t.lastFailure = f
  fx.push(...transientEffect(t, f))
  if (f.action === "stop") {
    settle(t, "stopped", fx)
    fx.push(log("info", `${reasonText(f.code)} on ${describeModel(t.attempt.model)}: neither a retry nor another model helps (${f.rule})`, t))
    return
  }
  const plan = f.action === "fallback" ? moveOn(t, f, ctx, fx, "this model cannot serve now") : retryOrMove(t, f, ctx, fx)
  end(t, plan, "run-end", written, fx)
}

function idle(s: SessionState, ctx: Ctx, fx: Effect[]) {
  for (const t of s.turns) {
    const p = t.phase
    if (p.name === "running" && t.attempt.rows.length === 0 && t.dispatches === 0) {
      // A user message that never got a run: stored while a failed run was ending (the host never runs it),
      // or stopped by the user before its run began. Nothing more will come for it.
      settle(t, "cancelled", fx)
      fx.push(log("info", "the host went idle without running this message", t))
    } else if (p.name === "ending" && p.deferred && !p.written && t.attempt.rows.length === 0) {
      // Our stop leaves an aborted row; an idle before any row is the user's Escape before the run began.
      t.abortPending = false
      settle(t, "cancelled", fx)
      fx.push(log("info", "the user stopped the turn before its request was made", t))
    } else if (p.name === "ending" && p.via === "run-end") {
      if (p.written) runEnded(s, t, ctx, fx)
      else if (!p.idleSeen) {
        p.idleSeen = true
        fx.push({ type: "set-timer", name: "run-end", turnID: t.id, ms: LIFECYCLE.idleWithoutWriteMs })
      }
    } else if (p.name === "verifying" && p.userID && !p.sawBusy && !p.quiet) {
      p.quiet = true
      fx.push({ type: "set-timer", name: "quiet", turnID: t.id, ms: LIFECYCLE.quietMs })
    } else if (p.name === "backoff" && ctx.now - p.since >= LIFECYCLE.backoffSettleMs) {
      // The session was already idle: the host publishes an idle now only for the user's abort (Escape).
      cancel(t, fx, "the user stopped the turn while it waited for a retry")
    }
  }
  maybeRestore(s, fx)
}

function dispatchResult(s: SessionState, i: Extract<Input, { type: "dispatch-result" }>, ctx: Ctx, fx: Effect[]) {
  const t = turnByID(s, i.turnID)
  if (!t || t.phase.name !== "verifying" || t.phase.seq !== i.seq) return
  const p = t.phase
  switch (i.status) {
    case "dispatched":
    case "duplicate":
      p.accepted = true
      return
    case "reserved":
    case "cancelled":
      settle(t, "cancelled", fx)
      return
    case "failed":
      if (i.ambiguous) {
        // It may have reached the host: keep watching rather than sending blindly again.
        p.accepted = true
        fx.push(log("warn", `dispatch to ${describeModel(p.to)} may not have reached the host: ${i.error ?? "unknown"}`, t))
        return
      }
      t.tried.push({ model: p.to, code: "invalid_request", message: `the host refused the prompt: ${i.error ?? "unknown error"}` })
      fx.push({ type: "clear-timer", name: "verify", turnID: t.id }, log("warn", `the host refused the prompt for ${describeModel(p.to)}: ${i.error ?? "unknown"}`, t))
      execute(s, t, nextPlan(t, ctx, undefined), ctx, fx)
      maybeRestore(s, fx)
  }
}

function timer(s: SessionState, name: TimerName, turnID: string, ctx: Ctx, fx: Effect[]) {
  const t = turnByID(s, turnID)
  if (!t) return
  const p = t.phase
  if (name === "run-end" && p.name === "ending") runEnded(s, t, ctx, fx)
  else if (name === "backoff" && p.name === "backoff") {
    t.ownRetries += 1
    dispatchTo(s, t, t.attempt.model, "retry", fx, ctx)
  } else if (name === "quiet" && p.name === "verifying" && p.quiet && !p.sawBusy) dropped(s, t, ctx, fx)
  else if (name === "verify" && p.name === "verifying") fx.push({ type: "check-run", turnID: t.id, seq: p.seq })
}

// ---- transitions -----------------------------------------------------------------------------------------

/** A decision is made; carry it out once the host's run has ended. */
function end(t: Turn, plan: Plan, via: "abort" | "run-end", written: boolean, fx: Effect[]) {
  t.phase = { name: "ending", plan, via, written, idleSeen: false }
  if (via === "abort") {
    t.abortPending = true
    fx.push({ type: "abort", turnID: t.id })
  }
  fx.push({ type: "set-timer", name: "run-end", turnID: t.id, ms: LIFECYCLE.runEndMs })
}

function runEnded(s: SessionState, t: Turn, ctx: Ctx, fx: Effect[]) {
  if (t.phase.name !== "ending") return
  const plan = t.phase.plan
  fx.push({ type: "clear-timer", name: "run-end", turnID: t.id })
  // The chosen model may have started cooling down (another session found it exhausted), or its metadata
  // arrived and it cannot take the turn, while we waited.
  execute(s, t, moveIsStale(t, plan, ctx) ? nextPlan(t, ctx, t.lastFailure) : plan, ctx, fx)
  maybeRestore(s, fx)
}

function execute(s: SessionState, t: Turn, plan: Plan, ctx: Ctx, fx: Effect[]): void {
  switch (plan.kind) {
    case "move":
      return dispatchTo(s, t, plan.to, plan.dispatch, fx, ctx)
    case "retry":
      t.phase = { name: "backoff", since: ctx.now }
      fx.push({ type: "set-timer", name: "backoff", turnID: t.id, ms: plan.delayMs })
      return
    case "exhausted": {
      const notice = exhaustedNotice(t, ctx)
      settle(t, "exhausted", fx)
      fx.push(log("warn", "no model could answer", t, { tried: t.tried.map((x) => ({ model: describeModel(x.model), code: x.code })) }), { type: "notice", notice })
      // The failure stays visible in the stored history: the last attempt's row names every model tried.
      const row = t.attempt.rows[t.attempt.rows.length - 1]
      if (row) fx.push({ type: "history-note", messageID: row, notice })
      return
    }
  }
}

function dispatchTo(s: SessionState, t: Turn, model: ModelChoice, kind: DispatchKind, fx: Effect[], ctx: Ctx): void {
  if (s.sent >= ctx.config.limits.maxDispatchesPerTurn) {
    t.dispatches = Math.max(t.dispatches, s.sent)
    return execute(s, t, { kind: "exhausted" }, ctx, fx)
  }
  s.sent += 1
  const a = t.attempt
  for (const id of a.rows) if (!a.toolSteps.includes(id) && !t.failedRows.includes(id)) t.failedRows.push(id)
  if (t.failedRows.length > MAX_FAILED_ROWS) t.failedRows.splice(0, t.failedRows.length - MAX_FAILED_ROWS)
  t.dispatches += 1
  t.phase = { name: "verifying", to: model, from: a.model, kind, seq: t.dispatches, accepted: false, sawBusy: false, quiet: false }
  fx.push({ type: "dispatch", turnID: t.id, seq: t.dispatches, kind, model, agent: t.agent }, { type: "set-timer", name: "verify", turnID: t.id, ms: LIFECYCLE.verifyMs })
  // The host stores a re-dispatch's model as the session's model: give the user's choice back when idle.
  const latest = latestTurn(s)
  if (latest && !sameChoice(model, latest.primary)) s.drift = { model: latest.primary, agent: latest.agent }
}

function confirm(s: SessionState, t: Turn, rowID: string, parentID: string | undefined, startedAt: number, ctx: Ctx, fx: Effect[]) {
  if (t.phase.name !== "verifying") return
  const p = t.phase
  if (parentID && !s.aliases.has(parentID) && parentID !== t.id) {
    s.aliases.set(parentID, { turn: t.id, seq: ++s.seq })
    trimAliases(s)
  }
  t.attempt = newAttempt(p.to, parentID ?? p.userID ?? t.id)
  t.attempt.rows.push(rowID)
  t.attempt.startedAt = startedAt
  t.phase = { name: "running" }
  fx.push({ type: "clear-timer", name: "verify", turnID: t.id }, { type: "clear-timer", name: "quiet", turnID: t.id }, { type: "release", turnID: t.id })
  if (!sameModel(p.from, p.to) && !(t.announced && sameModel(t.announced, p.to))) t.pendingNotice = switchNotice(t, p.from, p.to, ctx)
  t.announced = undefined
}

/** The host stored our dispatch and went idle without running it: send it again, within the bound. */
function dropped(s: SessionState, t: Turn, ctx: Ctx, fx: Effect[]) {
  if (t.phase.name !== "verifying") return
  const p = t.phase
  fx.push({ type: "clear-timer", name: "quiet", turnID: t.id }, { type: "clear-timer", name: "verify", turnID: t.id }, { type: "release", turnID: t.id })
  if (t.dispatches < ctx.config.limits.maxDispatchesPerTurn) {
    fx.push(log("warn", `the host did not run the dispatch to ${describeModel(p.to)}; sending it again`, t))
    t.phase = { name: "ending", plan: { kind: "move", to: p.to, dispatch: p.kind }, via: "run-end", written: true, idleSeen: false }
    return runEnded(s, t, ctx, fx)
  }
  settle(t, "not-started", fx)
  fx.push({ type: "notice", notice: { type: "not-started", to: p.to } }, log("warn", `the host did not run the dispatch to ${describeModel(p.to)}, and the dispatch bound is reached`, t))
  maybeRestore(s, fx) // the host is idle: it just showed that by dropping the prompt
}

function answered(s: SessionState, t: Turn, ctx: Ctx, fx: Effect[]) {
  if (!isLive(t)) return
  flushNotice(t, fx)
  settle(t, "answered", fx)
  // The failed attempts' rows (the raw error, an empty or partial answer) have nothing more to say once the
  // fallback answered: they leave the history when the session is idle. An unanswered failure stays.
  for (const id of t.failedRows) if (!s.cleanup.includes(id)) s.cleanup.push(id)
  if (s.cleanup.length > 64) s.cleanup.splice(0, s.cleanup.length - 64)
  fx.push({ type: "healthy", model: t.attempt.model, startedAt: t.attempt.startedAt ?? t.createdAt })
  if (t.dispatches > 0) fx.push(log("info", `recovered: ${describeModel(t.attempt.model)} answered after ${t.tried.map((x) => `${describeModel(x.model)} (${reasonText(x.code)})`).join(", ")}`, t))
}

function cancel(t: Turn, fx: Effect[], why: string) {
  settle(t, "cancelled", fx)
  fx.push(log("info", `${why}; no fallback`, t))
}

function settle(t: Turn, outcome: Outcome, fx: Effect[]) {
  const wasLive = isLive(t)
  t.phase = { name: "settled", outcome }
  t.pendingNotice = undefined
  if (!wasLive) return
  for (const name of TIMERS) fx.push({ type: "clear-timer", name, turnID: t.id })
  fx.push({ type: "cancel-queued" })
}

function flushNotice(t: Turn, fx: Effect[]) {
  if (!t.pendingNotice) return
  fx.push({ type: "notice", notice: t.pendingNotice })
  t.pendingNotice = undefined
}

/**
 * The session is idle with nothing in flight: remove the failed attempts of answered turns from the history,
 * and if a re-dispatch or pre-route moved its stored model, give the user's back.
 */
function maybeRestore(s: SessionState, fx: Effect[]) {
  if (s.turns.some(isLive)) return
  if (s.cleanup.length) {
    fx.push({ type: "delete-rows", messageIDs: s.cleanup })
    s.cleanup = []
  }
  if (!s.drift || s.restoring || s.parentID) return
  fx.push({ type: "restore-model", model: s.drift.model, agent: s.drift.agent })
  s.restoring = true
  s.drift = undefined
}

// ---- helpers ---------------------------------------------------------------------------------------------

function newAttempt(model: ModelChoice, userID: string): Attempt {
  return { model, userID, rows: [], toolSteps: [], hostAttempts: 0, toolsRan: false, started: false }
}

function newTurn(id: string, model: ModelChoice, agent: string | undefined, now: number, seq: number): Turn {
  return { id, seq, agent, primary: model, attempt: newAttempt(model, id), tried: [], dispatches: 0, ownRetries: 0, stalls: 0, phase: { name: "running" }, abortPending: false, failedRows: [], createdAt: now }
}

export function turnByID(s: SessionState, id: string | undefined): Turn | undefined {
  if (!id) return undefined
  for (let i = s.turns.length - 1; i >= 0; i--) if (s.turns[i]!.id === id) return s.turns[i]
  return undefined
}

function latestTurn(s: SessionState): Turn | undefined {
  return s.turns[s.turns.length - 1]
}

/** The turn the host runs now: the one its latest assistant row answers, else the latest live turn. */
function activeTurn(s: SessionState): Turn | undefined {
  const t = turnByID(s, s.active)
  if (t && isLive(t)) return t
  for (let i = s.turns.length - 1; i >= 0; i--) if (isLive(s.turns[i]!)) return s.turns[i]
  return undefined
}

function adoptFromLastAssistant(s: SessionState, ctx: Ctx): Turn | undefined {
  const last = s.lastAssistant
  if (!last?.parentID || !last.model || turnByID(s, s.aliases.get(last.parentID)?.turn ?? last.parentID)) return undefined
  const t = newTurn(last.parentID, last.model, last.agent, ctx.now, ++s.seq)
  t.attempt.rows.push(last.id)
  s.turns.push(t)
  s.active = t.id
  trimTurns(s)
  return t
}

function sameChoice(a: ModelChoice, b: ModelChoice): boolean {
  return sameModel(a, b) && (a.variant ?? "") === (b.variant ?? "")
}

function trimTurns(s: SessionState) {
  while (s.turns.length > MAX_TURNS) {
    const i = s.turns.findIndex((t) => !isLive(t))
    const [gone] = s.turns.splice(i >= 0 ? i : 0, 1)
    for (const [k, v] of s.aliases) if (v.turn === gone!.id) s.aliases.delete(k)
  }
}

function trimAliases(s: SessionState) {
  for (const k of s.aliases.keys()) {
    if (s.aliases.size <= 4 * MAX_TURNS) break
    s.aliases.delete(k)
  }
}

/** A copy the transition may mutate (turns and their attempts, phases and lists are copied; the rest is shared). */
function copy(s: SessionState): SessionState {
  return {
    ...s,
    aliases: new Map(s.aliases),
    cleanup: [...s.cleanup],
    turns: s.turns.map((t) => ({ ...t, tried: [...t.tried], failedRows: [...t.failedRows], phase: { ...t.phase }, attempt: { ...t.attempt, rows: [...t.attempt.rows], toolSteps: [...t.attempt.toolSteps] } }) as Turn),
  }
}

/** Exposed for the shell: the phase of a turn in words for traces ("running", "ending", …). */
export function phaseOf(t: Turn | undefined): string {
  return t ? t.phase.name : "none"
}
