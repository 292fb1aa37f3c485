// The session machine's test kit: models, failures, input builders and a driver that runs inputs through the
// pure transition. Shared by the session machine's test files.
import { configSchema } from "../config/schema.ts"
import type { Failure } from "../failure/types.ts"
import { modelKey, type ModelChoice, type ModelRef } from "../payload/model.ts"
import type { HealthEntry } from "./health.ts"
import { initialState, transition, turnByID, type Ctx, type Effect, type Input, type SessionState } from "./session.ts"

export const A: ModelChoice = { providerID: "p", modelID: "a" }
export const B: ModelChoice = { providerID: "q", modelID: "b" }
export const C: ModelChoice = { providerID: "r", modelID: "c" }
/** a second model of A's provider */
export const A2: ModelChoice = { providerID: "p", modelID: "a2" }
export const NOW = 1_000_000

export const fail = (code: Failure["code"], action: Failure["action"], extra: Partial<Failure> = {}): Failure => ({ code, action, retryable: action !== "stop", message: `${code} happened`, rule: `${code}.test`, reason: "test", ...extra })
export const QUOTA = fail("quota_exhausted", "fallback")
export const CREDITS = fail("payment_required", "fallback", { statusCode: 402 })
export const RATE = fail("rate_limited", "retry")
export const NET = fail("network", "retry")
export const ABORTED = fail("aborted", "stop")

export function ctx(over: { cooling?: string[]; config?: unknown; now?: number } = {}): Ctx {
  const config = configSchema.parse(over.config ?? { chains: { default: ["q/b", "r/c"] } })
  const cooling = new Set(over.cooling ?? [])
  return {
    now: over.now ?? NOW,
    config,
    cooling: (m: ModelRef): HealthEntry | undefined => (cooling.has(modelKey(m)) ? { model: modelKey(m), code: "quota_exhausted", message: "x", until: NOW + 3_600_000, strikes: 1, at: NOW } : undefined),
    peek: (m: ModelRef): HealthEntry | undefined => (cooling.has(modelKey(m)) ? { model: modelKey(m), code: "quota_exhausted", message: "x", until: NOW + 3_600_000, strikes: 1, at: NOW } : undefined),
    random: () => 0.5,
  }
}

/** Runs inputs in order, returning the final state and all effects. */
export function drive(inputs: Input[], c: Ctx | ((i: number) => Ctx) = ctx(), state: SessionState = initialState("s")) {
  const effects: Effect[] = []
  inputs.forEach((i, n) => {
    const r = transition(state, i, typeof c === "function" ? c(n) : c)
    state = r.state
    effects.push(...r.effects)
  })
  return { state, effects, types: effects.filter((e) => e.type !== "log").map((e) => e.type) }
}

export const user = (id = "u1", model: ModelChoice = A, agent?: string): Input => ({ type: "user-message", id, model, agent })
export const row = (id: string, parentID: string, model: ModelChoice, o: Partial<Extract<Input, { type: "assistant" }>> = {}): Input => ({ type: "assistant", id, parentID, model, completed: false, meaningful: false, created: NOW, ...o })
export const answer = (id: string, parentID: string, model: ModelChoice): Input => row(id, parentID, model, { completed: true, meaningful: true, finish: "stop" })
export const erroredRow = (id: string, parentID: string, model: ModelChoice, failure: Failure): Input => row(id, parentID, model, { completed: true, failure })
export const sessionError = (failure: Failure): Input => ({ type: "session-error", failure })
export const retry = (attempt: number, failure: Failure = RATE, next?: number): Input => ({ type: "retry-status", attempt, failure, next })
export const idle: Input = { type: "idle" }
export const busy: Input = { type: "busy" }
export const accepted = (turnID = "u1", seq = 1): Input => ({ type: "dispatch-result", turnID, seq, status: "dispatched" })
export const dispatches = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { type: "dispatch" }> => e.type === "dispatch")
export const notices = (effects: Effect[]) => effects.flatMap((e) => (e.type === "notice" ? [e.notice] : []))
export const phase = (s: SessionState, id = "u1") => turnByID(s, id)?.phase.name

/** A 402 on A, the host's full end of run: session.error, idle, the errored row, idle. */
export const credits402 = (turnID = "u1", rowID = "a1", model: ModelChoice = A): Input[] => [row(rowID, turnID, model), sessionError(CREDITS), idle, erroredRow(rowID, turnID, model, CREDITS), idle]
