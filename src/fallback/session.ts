// The per-session state machine: one pure transition `(state, input, ctx) → {state, effects}`. Every rule
// lives here once; the runtime only feeds inputs (normalised host events and hook calls) and executes the
// effects (abort, dispatch through the gate, cancel queued prompts, toasts, logs, timers, model health).
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { formatWait } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import { describeModel, sameModel, type ModelChoice, type ModelRef } from "../payload/model.ts"
import type { PromptPart } from "../host/client.ts"
import { backoffDelay } from "./backoff.ts"
import { candidateOrder, choiceKey } from "./chain.ts"
import { COOLING_CODES, type HealthEntry } from "./health.ts"

/** What a replay needs: the user's parts (text and files), agent, variant and the message id. */
export type TurnRequest = { messageID?: string; parts: PromptPart[]; agent?: string; variant?: string }

export type Tried = { model: ModelChoice; code: Failure["code"]; message: string; statusCode?: number }

export type Phase =
  | "running" // a turn runs on `current`; we watch it
  | "switching" // we decided to move; an abort and/or a dispatch are under way
  | "backoff" // waiting for our own same-model retry
  | "settled" // answered, exhausted, stopped or cancelled: nothing more will happen for this turn

export type Turn = {
  id: string
  request?: TurnRequest
  agent?: string
  primary: ModelChoice
  current: ModelChoice
  tried: Tried[]
  dispatches: number
  ownRetries: number
  /** highest host retry attempt seen for the current attempt */
  hostAttempts: number
  /** tools ran in the current attempt: replaying could repeat side effects */
  toolsRan: boolean
  /** we sent an abort and its echo (MessageAbortedError or an empty completion) is still to come */
  abortPending: boolean
  /** the next attempt's model while a dispatch is with the gate */
  pending?: ModelChoice
  /** the model we are leaving, until the gate accepts the dispatch (drives the notice) */
  switchFrom?: ModelChoice
  lastFailure?: Failure
  outcome?: "answered" | "exhausted" | "stopped" | "cancelled" | "deleted"
}

export type SessionState = { sessionID: string; seq: number; phase: Phase; turn?: Turn }

export type DispatchKind = "replay" | "continue" | "retry"

export type Input =
  /** `current` and `skipped` are set when chat.message moved the turn off a cooling model before it was sent. */
  | { type: "user-turn"; request: TurnRequest; model?: ModelChoice; agent?: string; current?: ModelChoice; skipped?: Tried[] }
  | { type: "retry-status"; attempt: number; next?: number; failure: Failure }
  | { type: "failure"; failure: Failure; model?: ModelRef; source: "session.error" | "message" | "part" }
  | { type: "completed"; meaningful: boolean; model?: ModelRef; hasError: boolean }
  | { type: "tool-activity" }
  | { type: "dispatch-result"; turnID: string; status: "dispatched" | "duplicate" | "reserved" | "cancelled" | "failed"; ambiguous?: boolean; error?: string }
  | { type: "idle" }
  | { type: "deleted" }
  | { type: "timer"; name: "backoff" }

export type Effect =
  | { type: "abort" }
  | { type: "dispatch"; turnID: string; seq: number; kind: DispatchKind; model: ModelChoice; agent?: string; request?: TurnRequest }
  | { type: "cancel-queued" }
  | { type: "toast"; variant: "info" | "warning" | "error" | "success"; message: string }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string; extra?: Record<string, unknown> }
  | { type: "set-timer"; name: "backoff"; ms: number }
  | { type: "clear-timer"; name: "backoff" }
  | { type: "cooldown"; model: ModelRef; failure: Failure }
  | { type: "healthy"; model: ModelRef }

export type Ctx = {
  now: number
  config: RuntimeFallbackConfig
  /** the cooling entry for a model, if any */
  cooling(model: ModelRef): HealthEntry | undefined
  random(): number
}

export type Step = { state: SessionState; effects: Effect[] }

export function initialState(sessionID: string): SessionState {
  return { sessionID, seq: 0, phase: "settled" }
}

const REASON: Record<Failure["code"], string> = {
  rate_limited: "rate limited",
  overloaded: "overloaded",
  server_error: "server error",
  timeout: "timed out",
  network: "network error",
  quota_exhausted: "quota exhausted",
  payment_required: "out of credits",
  model_missing: "model unavailable",
  auth: "auth failed",
  context_overflow: "context overflow",
  content_filter: "content filtered",
  invalid_request: "invalid request",
  aborted: "aborted",
  unknown: "failed",
}

export function reasonText(code: Failure["code"]): string {
  return REASON[code]
}

export function transition(state: SessionState, input: Input, ctx: Ctx): Step {
  const effects: Effect[] = []
  const s: SessionState = { ...state, turn: state.turn ? { ...state.turn, tried: [...state.turn.tried] } : undefined }
  const turn = s.turn
  const live = !!turn && s.phase !== "settled"

  switch (input.type) {
    case "user-turn": {
      // A real user message: whatever was pending for the previous turn is stale now.
      if (live && (s.phase === "switching" || s.phase === "backoff")) {
        effects.push({ type: "cancel-queued" }, { type: "clear-timer", name: "backoff" }, log("info", "user took over; pending internal prompts cancelled", turn))
      }
      const model = input.model ?? turn?.primary
      if (!model) {
        s.phase = "settled"
        s.turn = undefined
        return { state: s, effects }
      }
      s.seq += 1
      s.turn = {
        id: input.request.messageID ?? `t${s.seq}`,
        request: input.request,
        agent: input.agent,
        primary: model,
        current: input.current ?? model,
        tried: input.skipped ? [...input.skipped] : [],
        dispatches: 0,
        ownRetries: 0,
        hostAttempts: 0,
        toolsRan: false,
        abortPending: false,
      }
      s.phase = "running"
      return { state: s, effects }
    }

    case "retry-status": {
      if (!live || !turn || s.phase !== "running") return { state: s, effects }
      turn.hostAttempts = Math.max(turn.hostAttempts, input.attempt)
      const f = input.failure
      if (f.action === "fallback") return moveOn(s, turn, f, true, ctx, effects, "the first retry signal says this model cannot serve now")
      if (f.action === "retry") {
        const r = ctx.config.retry
        const wait = input.next !== undefined ? input.next - ctx.now : undefined
        if (input.attempt > r.maxHostAttempts)
          return moveOn(s, turn, f, true, ctx, effects, `the host made ${input.attempt} attempts (more than ${r.maxHostAttempts})`)
        if (wait !== undefined && wait > r.maxHostWaitMs)
          return moveOn(s, turn, f, true, ctx, effects, `the host's next try is ${formatWait(wait)} away (more than ${formatWait(r.maxHostWaitMs)})`)
        effects.push(log("debug", `host retry ${input.attempt} on ${describeModel(turn.current)} (${f.code}); staying`, turn))
      }
      return { state: s, effects }
    }

    case "failure": {
      if (!turn) return { state: s, effects }
      const f = input.failure
      if (input.model) promoteIfPending(s, turn, input.model)
      // A stale error from a model we already left (the old attempt's message.updated, our abort's echo).
      if (input.model && !sameModel(input.model, turn.current) && !(turn.pending && sameModel(input.model, turn.pending))) {
        if (f.code === "aborted" && turn.abortPending) turn.abortPending = false
        return { state: s, effects }
      }
      if (f.code === "aborted") {
        if (turn.abortPending) {
          turn.abortPending = false // the echo of our own abort
          return { state: s, effects }
        }
        if (!live) return { state: s, effects }
        return cancel(s, turn, effects, "the user aborted the turn")
      }
      if (!live || s.phase !== "running") return { state: s, effects }
      turn.lastFailure = f
      if (f.action === "stop") {
        s.phase = "settled"
        turn.outcome = "stopped"
        effects.push(log("info", `${reasonText(f.code)} on ${describeModel(turn.current)}: neither a retry nor another model helps (${f.rule})`, turn))
        return { state: s, effects }
      }
      if (f.action === "fallback") return moveOn(s, turn, f, false, ctx, effects, "this model cannot serve now")
      // action retry: the host gave up after its own retries, or never retried this kind of error.
      if (turn.hostAttempts > 0) return moveOn(s, turn, f, false, ctx, effects, `the host gave up after ${turn.hostAttempts} retries`)
      const r = ctx.config.retry
      if (turn.ownRetries >= r.backoffMaxAttempts) return moveOn(s, turn, f, false, ctx, effects, `${turn.ownRetries} own retries did not help`)
      if (turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn) return exhausted(s, turn, false, effects, ctx)
      const delay = backoffDelay({ initialMs: r.backoffInitialMs, maxMs: r.backoffMaxMs, jitter: r.jitter }, turn.ownRetries + 1, ctx.random, f.retryAfterMs)
      s.phase = "backoff"
      effects.push({ type: "set-timer", name: "backoff", ms: delay }, log("info", `${reasonText(f.code)} on ${describeModel(turn.current)}; own retry ${turn.ownRetries + 1}/${r.backoffMaxAttempts} in ${formatWait(delay)}`, turn))
      return { state: s, effects }
    }

    case "timer": {
      if (!turn || s.phase !== "backoff") return { state: s, effects }
      turn.ownRetries += 1
      return dispatchTo(s, turn, turn.current, "retry", false, effects)
    }

    case "tool-activity": {
      if (turn && s.phase === "running") turn.toolsRan = true
      return { state: s, effects }
    }

    case "completed": {
      if (!turn || input.hasError) return { state: s, effects }
      if (input.model && input.meaningful) promoteIfPending(s, turn, input.model)
      if (input.model && !sameModel(input.model, turn.current)) {
        // The empty completion the host writes for our aborted attempt.
        if (!input.meaningful && turn.abortPending) turn.abortPending = false
        return { state: s, effects }
      }
      if (input.meaningful) {
        if (!live) return { state: s, effects }
        s.phase = "settled"
        turn.outcome = "answered"
        effects.push({ type: "cancel-queued" }, { type: "clear-timer", name: "backoff" }, { type: "healthy", model: turn.current })
        if (turn.dispatches > 0)
          effects.push(log("info", `recovered: ${describeModel(turn.current)} answered after ${turn.tried.map((t) => `${describeModel(t.model)} (${reasonText(t.code)})`).join(", ")}`, turn))
        return { state: s, effects }
      }
      if (turn.abortPending) {
        turn.abortPending = false
        return { state: s, effects }
      }
      // An empty completion we did not cause while the host was waiting to retry: the user aborted.
      if (live && s.phase === "running" && turn.hostAttempts > 0) return cancel(s, turn, effects, "the user aborted during the host's retry wait")
      return { state: s, effects }
    }

    case "dispatch-result": {
      if (!turn || input.turnID !== turn.id || s.phase === "settled") return { state: s, effects }
      const from = turn.switchFrom
      turn.switchFrom = undefined
      if (input.status === "dispatched" || input.status === "duplicate") {
        if (s.phase === "switching" && turn.pending) promoteIfPending(s, turn, turn.pending)
        // Notices only once the gate accepted the dispatch.
        if (input.status === "dispatched" && from && !sameModel(from, turn.current) && ctx.config.notify.toasts)
          effects.push({ type: "toast", variant: "warning", message: switchNotice(turn, from, turn.current, ctx) })
        return { state: s, effects }
      }
      if (s.phase !== "switching") return { state: s, effects }
      const next = turn.pending
      if (input.status === "cancelled" || input.status === "reserved") {
        s.phase = "settled"
        turn.outcome = "cancelled"
        return { state: s, effects }
      }
      // failed: an ambiguous failure may still have reached the host; do not send again blindly.
      if (input.ambiguous) {
        turn.current = next ?? turn.current
        turn.pending = undefined
        s.phase = "running"
        effects.push(log("warn", `dispatch to ${describeModel(next)} may not have reached the host: ${input.error ?? "unknown"}`, turn))
        return { state: s, effects }
      }
      if (next) turn.tried.push({ model: next, code: "invalid_request", message: `the host refused the prompt: ${input.error ?? "unknown error"}` })
      turn.pending = undefined
      s.phase = "running"
      const f: Failure = { code: "invalid_request", action: "fallback", retryable: true, message: input.error ?? "dispatch failed", rule: "dispatch", reason: "the host refused the prompt" }
      return moveOn(s, turn, f, false, ctx, effects, "the host refused the prompt", next ?? turn.current)
    }

    case "idle": {
      return { state: s, effects }
    }

    case "deleted": {
      if (turn && live) {
        turn.outcome = "deleted"
        effects.push({ type: "cancel-queued" }, { type: "clear-timer", name: "backoff" })
      }
      s.phase = "settled"
      return { state: s, effects }
    }
  }
}

/**
 * Activity of the model we are switching to means the host took the dispatch, even if the gate's answer is
 * still on its way: adopt it so the new attempt's signals are not dropped as stale.
 */
function promoteIfPending(s: SessionState, turn: Turn, model: ModelRef) {
  if (s.phase !== "switching" || !turn.pending || !sameModel(model, turn.pending)) return
  turn.current = turn.pending
  turn.pending = undefined
  turn.hostAttempts = 0
  turn.toolsRan = false
  s.phase = "running"
}

/** Leave the current model: record why, cool it down if it cannot serve, pick the next one or give up. */
function moveOn(s: SessionState, turn: Turn, f: Failure, hostBusy: boolean, ctx: Ctx, effects: Effect[], why: string, refused?: ModelChoice): Step {
  turn.lastFailure = f
  if (!refused) {
    turn.tried.push({ model: turn.current, code: f.code, message: f.message, statusCode: f.statusCode })
    if (COOLING_CODES.has(f.code)) effects.push({ type: "cooldown", model: turn.current, failure: f })
  }
  effects.push(log("info", `${reasonText(f.code)} on ${describeModel(refused ?? turn.current)}: ${why} (${f.rule})`, turn))
  const next = nextModel(turn, ctx, f)
  if (!next || turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn) return exhausted(s, turn, hostBusy, effects, ctx)
  return dispatchTo(s, turn, next, turn.toolsRan ? "continue" : "replay", hostBusy, effects)
}

function dispatchTo(s: SessionState, turn: Turn, model: ModelChoice, kind: DispatchKind, hostBusy: boolean, effects: Effect[]): Step {
  if (hostBusy) {
    effects.push({ type: "abort" })
    turn.abortPending = true
  }
  turn.dispatches += 1
  turn.switchFrom = turn.current
  turn.pending = model
  s.phase = "switching"
  effects.push({ type: "dispatch", turnID: turn.id, seq: turn.dispatches, kind, model, agent: turn.agent, request: turn.request })
  return { state: s, effects }
}

function nextModel(turn: Turn, ctx: Ctx, f: Failure): ModelChoice | undefined {
  const triedKeys = new Set(turn.tried.map((t) => choiceKey(t.model)))
  const triedModels = turn.tried.map((t) => t.model)
  const order = candidateOrder(ctx.config.chains, turn.agent, turn.primary)
  // A model-level failure rules out every variant of that model; a variant is not a fresh quota.
  const excluded = (m: ModelChoice) => triedKeys.has(choiceKey(m)) || (COOLING_CODES.has(f.code) && triedModels.some((t) => sameModel(t, m)))
  return order.find((m) => !excluded(m) && !sameModel(m, turn.current) && !ctx.cooling(m))
}

function exhausted(s: SessionState, turn: Turn, hostBusy: boolean, effects: Effect[], ctx: Ctx): Step {
  if (hostBusy) {
    effects.push({ type: "abort" })
    turn.abortPending = true
  }
  s.phase = "settled"
  turn.outcome = "exhausted"
  effects.push({ type: "cancel-queued" }, { type: "clear-timer", name: "backoff" })
  const list = turn.tried.map((t) => `${describeModel(t.model)} (${reasonText(t.code)}${t.statusCode ? " " + t.statusCode : ""})`).join(", ")
  const bound = turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn ? ` after ${turn.dispatches} re-dispatches (the limit)` : ""
  const hint = candidateOrder(ctx.config.chains, turn.agent, turn.primary).length <= 1 ? " No fallback chain is configured for this model or agent." : ""
  const message = `No model could answer${bound}. Tried: ${list}.${hint}`
  effects.push(log("warn", message, turn, { tried: turn.tried.map((t) => ({ model: describeModel(t.model), code: t.code })) }))
  if (ctx.config.notify.toasts) effects.push({ type: "toast", variant: "error", message })
  return { state: s, effects }
}

function cancel(s: SessionState, turn: Turn, effects: Effect[], why: string): Step {
  s.phase = "settled"
  turn.outcome = "cancelled"
  effects.push({ type: "cancel-queued" }, { type: "clear-timer", name: "backoff" }, log("info", `${why}; no fallback`, turn))
  return { state: s, effects }
}

function switchNotice(turn: Turn, from: ModelChoice, to: ModelChoice, ctx: Ctx): string {
  const last = [...turn.tried].reverse().find((t) => sameModel(t.model, from))
  const reason = last ? reasonText(last.code) : "failed"
  const cool = ctx.cooling(from)
  const back = cool ? ` · ${describeModel(from)} back in ${formatWait(cool.until - ctx.now)}` : ""
  return `${reason} on ${describeModel(from)} · switched to ${describeModel(to)}${back}`
}

function log(level: "debug" | "info" | "warn" | "error", message: string, turn?: Turn, extra?: Record<string, unknown>): Effect {
  return { type: "log", level, message, extra: { turn: turn?.id, ...extra } }
}
