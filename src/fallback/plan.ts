// What a failure means for a turn: stay on the model (the host's retries, or our own backoff), move to the
// next model of the chain, or give up. Pure: reads the turn, the config and model health, returns a plan and
// the effects that go with the decision (cooldown, log). Executing the plan waits for the host's run to end
// (session.ts).
import { formatWait } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import { describeModel, sameModel, type ModelChoice } from "../payload/model.ts"
import { reasonText } from "../notices/text.ts"
import type { Notice } from "../notices/types.ts"
import { backoffDelay } from "./backoff.ts"
import { unfit, type Skip, type TurnNeeds } from "./capability.ts"
import { candidateOrder, choiceKey } from "./chain.ts"
import { COOLING_CODES, scopeOf } from "./health.ts"
import type { Ctx, Effect, Plan, Turn } from "./turn.ts"

export function log(level: "debug" | "info" | "warn" | "error", message: string, turn?: Turn, extra?: Record<string, unknown>): Effect {
  return { type: "log", level, message, extra: { turn: turn?.id, ...extra } }
}

const TRANSIENT = new Set<Failure["code"]>(["overloaded", "server_error", "timeout", "network", "rate_limited"])

/** A transient failure is worth telling model health about (the shared breaker counts them). */
export function transientEffect(turn: Turn, f: Failure): Effect[] {
  return TRANSIENT.has(f.code) && f.action === "retry" ? [{ type: "transient", model: turn.attempt.model, failure: f, startedAt: turn.attempt.startedAt }] : []
}

/** Leave the current model: record why, cool it down if it cannot serve, and pick the next one or give up. */
export function moveOn(turn: Turn, f: Failure, ctx: Ctx, effects: Effect[], why: string): Plan {
  turn.lastFailure = f
  turn.tried.push({ model: turn.attempt.model, code: f.code, message: f.message, statusCode: f.statusCode })
  if (COOLING_CODES.has(f.code)) effects.push({ type: "cooldown", model: turn.attempt.model, failure: f })
  effects.push(log("info", `${reasonText(f.code)} on ${describeModel(turn.attempt.model)}: ${why} (${f.rule})`, turn))
  const plan = nextPlan(turn, ctx, f)
  if (turn.skipped?.length) effects.push(log("info", `passed over ${turn.skipped.map(skipText).join(", ")}`, turn, { skipped: turn.skipped.map((s) => ({ model: describeModel(s.model), why: s.why.kind })) }))
  return plan
}

/** "fake/small (context 100000 > 59904 tokens)" for logs; the user's wording is in notices/text.ts. */
function skipText(s: Skip): string {
  const w = s.why
  const why = w.kind === "context" ? `context ${w.tokens} > ${w.limit} tokens` : w.kind === "attachments" ? `no ${w.missing.join("/")} input` : "no tool calling"
  return `${describeModel(s.model)} (${why})`
}

/**
 * The next model to try, or exhausted when none is left or the per-turn bound is reached. Entries that cannot
 * take the turn (capability.ts) are passed over and recorded on the turn (`skipped`) for the notice.
 */
export function nextPlan(turn: Turn, ctx: Ctx, f: Failure | undefined): Plan {
  if (turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn) return { kind: "exhausted" }
  const { next, skipped } = nextModel(turn, ctx, f)
  turn.skipped = skipped.length ? skipped : undefined
  if (!next) return { kind: "exhausted" }
  return { kind: "move", to: next, dispatch: turn.attempt.toolsRan ? "continue" : "replay" }
}

/** What the turn needs from its next model: the session's facts, and tools when this attempt ran some. */
export function turnNeeds(turn: Turn, ctx: Ctx): TurnNeeds | undefined {
  if (!ctx.needs && !turn.attempt.toolsRan) return ctx.needs
  return { ...ctx.needs, tools: !!ctx.needs?.tools || turn.attempt.toolsRan }
}

/** A decided move whose model can no longer take it (it started cooling, or it does not fit the turn). */
export function moveIsStale(turn: Turn, plan: Plan, ctx: Ctx): boolean {
  if (plan.kind !== "move") return false
  // A breaker entry may be the probe this turn was admitted as: that one stands.
  const cooled = ctx.peek(plan.to)
  if (cooled && cooled.source !== "breaker") return true
  return !!unfit(ctx.capabilities?.(plan.to), turnNeeds(turn, ctx))
}

function nextModel(turn: Turn, ctx: Ctx, f: Failure | undefined): { next?: ModelChoice; skipped: Skip[] } {
  const triedKeys = new Set(turn.tried.map((t) => choiceKey(t.model)))
  const cooling = !!f && COOLING_CODES.has(f.code)
  // An account-wide failure (credits, a refused key) rules out the failed model's whole provider at once: its
  // cooldown is only recorded once this decision's effects run.
  const account = cooling && scopeOf(ctx.config.cooldown, f.code) === "provider" ? turn.attempt.model.providerID : undefined
  const order = candidateOrder(ctx.config.chains, turn.agent, turn.primary)
  // A model-level failure rules out every variant of that model; a variant is not a fresh quota.
  const excludedByModel = (m: ModelChoice) => triedKeys.has(choiceKey(m)) || (cooling && turn.tried.some((t) => sameModel(t.model, m)))
  const excluded = (m: ModelChoice) => excludedByModel(m) || m.providerID === account
  const needs = turnNeeds(turn, ctx)
  const skipped: Skip[] = []
  for (const m of order) {
    if (excluded(m) || sameModel(m, turn.attempt.model)) continue
    // Before health: a model that cannot take the turn must not be admitted as a breaker's probe either.
    const why = unfit(ctx.capabilities?.(m), needs)
    if (why) {
      if (!skipped.some((s) => sameModel(s.model, m))) skipped.push({ model: m, why })
      continue
    }
    if (!ctx.cooling(m)) return { next: m, skipped }
  }
  return { next: lastResort(turn, ctx, order, excludedByModel, needs), skipped }
}

/**
 * When nothing healthy is left, the models of a provider whose account is cooling (credits, a refused key) are
 * tried in chain order before giving up: an account-wide cooldown is a guess from one model's failure (free
 * models, plans that cover some models), and a failed request is cheaper than a lost turn. Each costs one
 * dispatch, so `limits.maxDispatchesPerTurn` bounds the walk; a model that failed itself is never among them.
 */
function lastResort(turn: Turn, ctx: Ctx, order: ModelChoice[], excluded: (m: ModelChoice) => boolean, needs: TurnNeeds | undefined): ModelChoice | undefined {
  const accountFailed = (providerID: string) => turn.tried.some((t) => t.model.providerID === providerID && COOLING_CODES.has(t.code) && scopeOf(ctx.config.cooldown, t.code) === "provider")
  for (const m of order) {
    if (excluded(m) || sameModel(m, turn.attempt.model) || unfit(ctx.capabilities?.(m), needs)) continue
    const c = ctx.peek(m)
    if (c ? c.scope === "provider" && c.source !== "breaker" : accountFailed(m.providerID)) return m
  }
  return undefined
}

/** Our own same-model retry for a transient error the host did not retry; or move on when retries are spent. */
export function retryOrMove(turn: Turn, f: Failure, ctx: Ctx, effects: Effect[]): Plan {
  const r = ctx.config.retry
  if (turn.attempt.hostAttempts > 0) return moveOn(turn, f, ctx, effects, `the host gave up after ${turn.attempt.hostAttempts} retries`)
  if (turn.ownRetries >= r.backoffMaxAttempts) return moveOn(turn, f, ctx, effects, `${turn.ownRetries} own retries did not help`)
  turn.lastFailure = f
  if (turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn) {
    turn.tried.push({ model: turn.attempt.model, code: f.code, message: f.message, statusCode: f.statusCode })
    return { kind: "exhausted" }
  }
  const delayMs = backoffDelay({ initialMs: r.backoffInitialMs, maxMs: r.backoffMaxMs, jitter: r.jitter }, turn.ownRetries + 1, ctx.random, f.retryAfterMs)
  effects.push(log("info", `${reasonText(f.code)} on ${describeModel(turn.attempt.model)}; own retry ${turn.ownRetries + 1}/${r.backoffMaxAttempts} in ${formatWait(delayMs)}`, turn))
  return { kind: "retry", delayMs }
}

export function exhaustedNotice(turn: Turn, ctx: Ctx): Notice {
  const bound = turn.dispatches >= ctx.config.limits.maxDispatchesPerTurn ? turn.dispatches : undefined
  const noChain = candidateOrder(ctx.config.chains, turn.agent, turn.primary).length <= 1
  const skipped = bound === undefined && turn.skipped?.length ? { skipped: turn.skipped } : {}
  return { type: "exhausted", tried: turn.tried.map((t) => ({ model: t.model, code: t.code, statusCode: t.statusCode })), bound, noChain, ...skipped }
}

export function switchNotice(turn: Turn, from: ModelChoice, to: ModelChoice, ctx: Ctx): Notice {
  const last = [...turn.tried].reverse().find((t) => sameModel(t.model, from))
  const cool = ctx.peek(from)
  const skipped = turn.skipped?.length ? { skipped: turn.skipped } : {}
  return { type: "switched", from, to, code: last?.code ?? "unknown", backInMs: cool ? Math.max(0, cool.until - ctx.now) : undefined, ...skipped }
}
