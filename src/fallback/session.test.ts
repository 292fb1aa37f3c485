// One test per rule of the session machine. Pure: no host, no clock, no timers.
import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import type { Failure } from "../failure/types.ts"
import { modelKey, type ModelChoice, type ModelRef } from "../payload/model.ts"
import type { HealthEntry } from "./health.ts"
import { initialState, transition, type Ctx, type Effect, type Input, type SessionState } from "./session.ts"

const A: ModelChoice = { providerID: "p", modelID: "a" }
const B: ModelChoice = { providerID: "p", modelID: "b" }
const C: ModelChoice = { providerID: "q", modelID: "c" }
const NOW = 1_000_000

const fail = (code: Failure["code"], action: Failure["action"], extra: Partial<Failure> = {}): Failure => ({ code, action, retryable: action !== "stop", message: `${code} happened`, rule: `${code}.test`, reason: "test", ...extra })
const QUOTA = fail("quota_exhausted", "fallback")
const RATE = fail("rate_limited", "retry")

function ctx(over: { cooling?: string[]; config?: unknown; now?: number } = {}): Ctx {
  const config = configSchema.parse(over.config ?? { chains: { default: ["p/b", "q/c"] } })
  const cooling = new Set(over.cooling ?? [])
  return {
    now: over.now ?? NOW,
    config,
    cooling: (m: ModelRef): HealthEntry | undefined => (cooling.has(modelKey(m)) ? { model: modelKey(m), code: "quota_exhausted", message: "x", until: NOW + 3_600_000, strikes: 1, at: NOW } : undefined),
    random: () => 0.5,
  }
}

/** Runs inputs in order, returning the final state and all effects. */
function drive(inputs: Input[], c: Ctx = ctx(), state: SessionState = initialState("s")) {
  const effects: Effect[] = []
  for (const i of inputs) {
    const r = transition(state, i, c)
    state = r.state
    effects.push(...r.effects)
  }
  return { state, effects, types: effects.filter((e) => e.type !== "log").map((e) => e.type) }
}

const turn = (model: ModelChoice = A, agent?: string): Input => ({ type: "user-turn", request: { messageID: "msg_1", parts: [{ type: "text", text: "hi", id: "prt_1" }], agent }, model, agent })
const dispatches = (effects: Effect[]) => effects.filter((e): e is Extract<Effect, { type: "dispatch" }> => e.type === "dispatch")
const accepted: Input = { type: "dispatch-result", turnID: "msg_1", status: "dispatched" }

describe("a real user turn", () => {
  test("starts watching on the chosen model", () => {
    const { state } = drive([turn()])
    expect(state.phase).toBe("running")
    expect(state.turn?.current).toEqual(A)
    expect(state.turn?.id).toBe("msg_1")
  })
  test("while a switch is pending, cancels queued internal prompts and timers", () => {
    const { types } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, turn()])
    expect(types.slice(-2)).toEqual(["cancel-queued", "clear-timer"])
  })
  test("pre-routed turns start on the routed model with the skipped model recorded", () => {
    const { state } = drive([{ ...(turn() as Extract<Input, { type: "user-turn" }>), current: B, skipped: [{ model: A, code: "quota_exhausted", message: "x" }] }])
    expect(state.turn?.current).toEqual(B)
    expect(state.turn?.tried.map((t) => t.model)).toEqual([A])
  })
})

describe("fallback action", () => {
  test("first retry status: cool down, abort the host's retry, re-dispatch on the next model", () => {
    const { state, effects, types } = drive([turn(), { type: "retry-status", attempt: 1, failure: QUOTA }])
    expect(types).toEqual(["cooldown", "abort", "dispatch"])
    expect(dispatches(effects)[0]).toMatchObject({ model: B, kind: "replay", request: { messageID: "msg_1" } })
    expect(state.phase).toBe("switching")
    expect(state.turn?.abortPending).toBe(true)
  })
  test("session.error: no abort needed, the turn already ended", () => {
    const { types } = drive([turn(), { type: "failure", failure: fail("payment_required", "fallback", { statusCode: 402 }), source: "session.error" }])
    expect(types).toEqual(["cooldown", "dispatch"])
  })
  test("the notice comes only once the gate accepted the dispatch, with the cooldown left", () => {
    const c = ctx({ cooling: ["p/a"] })
    const before = drive([turn(), { type: "retry-status", attempt: 1, failure: QUOTA }], c)
    expect(before.types).not.toContain("toast")
    const after = drive([accepted], c, before.state)
    const toast = after.effects.find((e) => e.type === "toast")
    expect(toast).toMatchObject({ variant: "warning" })
    expect((toast as { message: string }).message).toBe("quota exhausted on p/a · switched to p/b · p/a back in 1h")
    expect(after.state.turn?.current).toEqual(B)
    expect(after.state.phase).toBe("running")
  })
  test("skips cooling models", () => {
    const { effects } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ cooling: ["p/b"] }))
    expect(dispatches(effects)[0]?.model).toEqual(C)
  })
  test("chain resolution: agents, then models[primary], then default", () => {
    const config = { chains: { default: ["q/c"], models: { "p/a": ["p/b"] }, agents: { plan: ["q/c", "p/b"] } } }
    const viaAgent = drive([turn(A, "plan"), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ config }))
    expect(dispatches(viaAgent.effects)[0]?.model).toEqual(C)
    const viaModel = drive([turn(A, "build"), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ config }))
    expect(dispatches(viaModel.effects)[0]?.model).toEqual(B)
    const viaDefault = drive([turn(B, "build"), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ config }))
    expect(dispatches(viaDefault.effects)[0]?.model).toEqual(C)
  })
  test("a variant of an exhausted model is not a fresh quota", () => {
    const config = { chains: { default: [{ model: "p/a", variant: "low" }, "q/c"] } }
    const { effects } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ config }))
    expect(dispatches(effects)[0]?.model).toEqual(C)
  })
  test("a variant from the chain is carried to the dispatch", () => {
    const config = { chains: { default: [{ model: "q/c", variant: "high" }] } }
    const { effects } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }], ctx({ config }))
    expect(dispatches(effects)[0]?.model).toEqual({ ...C, variant: "high" })
  })
  test("tools already ran: a hidden continue instead of a replay", () => {
    const { effects } = drive([turn(), { type: "tool-activity" }, { type: "failure", failure: QUOTA, source: "session.error" }])
    expect(dispatches(effects)[0]?.kind).toBe("continue")
  })
})

describe("retry action (transient)", () => {
  test("the host's own short retries are left alone", () => {
    const { types, state } = drive([turn(), { type: "retry-status", attempt: 1, next: NOW + 2000, failure: RATE }, { type: "retry-status", attempt: 2, next: NOW + 4000, failure: RATE }])
    expect(types).toEqual([])
    expect(state.phase).toBe("running")
  })
  test("more host attempts than configured: move on", () => {
    const { types, effects } = drive([turn(), { type: "retry-status", attempt: 3, next: NOW + 8000, failure: RATE }])
    expect(types).toEqual(["abort", "dispatch"])
    expect(dispatches(effects)[0]?.model).toEqual(B)
  })
  test("the host's next try further off than the threshold: move on at once", () => {
    const { types } = drive([turn(), { type: "retry-status", attempt: 1, next: NOW + 45_000, failure: RATE }])
    expect(types).toEqual(["abort", "dispatch"])
  })
  test("transient errors are never cooled down", () => {
    const { types } = drive([turn(), { type: "retry-status", attempt: 3, failure: fail("overloaded", "retry") }])
    expect(types).not.toContain("cooldown")
  })
  test("an error the host did not retry gets our own bounded backoff on the same model", () => {
    const c = ctx()
    let r = drive([turn(), { type: "failure", failure: fail("network", "retry"), source: "session.error" }], c)
    expect(r.types).toEqual(["set-timer"])
    expect((r.effects.find((e) => e.type === "set-timer") as { ms: number }).ms).toBe(2200) // 2 s + 0.5 × 20 % jitter
    r = drive([{ type: "timer", name: "backoff" }], c, r.state)
    expect(dispatches(r.effects)[0]).toMatchObject({ model: A, kind: "retry" })
  })
  test("backoff grows to the cap and honours retry-after up to it", () => {
    const c = ctx()
    let state = drive([turn()], c).state
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      const f = drive([{ type: "failure", failure: fail("server_error", "retry", i === 4 ? { retryAfterMs: 90_000 } : {}), source: "session.error" }], c, state)
      delays.push((f.effects.find((e) => e.type === "set-timer") as { ms: number }).ms)
      state = drive([{ type: "timer", name: "backoff" }, accepted], c, f.state).state
    }
    expect(delays).toEqual([2200, 4400, 8800, 17600, 32000])
    const last = drive([{ type: "failure", failure: fail("server_error", "retry"), source: "session.error" }], c, state)
    expect(dispatches(last.effects)[0]?.model).toEqual(B) // five own retries did not help: move on
  })
  test("after the host gave up on its own retries: move on", () => {
    const { effects } = drive([turn(), { type: "retry-status", attempt: 1, failure: RATE }, { type: "failure", failure: RATE, source: "session.error" }])
    expect(dispatches(effects)[0]?.model).toEqual(B)
  })
  test("a user abort cancels the backoff", () => {
    const { types, state } = drive([turn(), { type: "failure", failure: fail("network", "retry"), source: "session.error" }, { type: "failure", failure: fail("aborted", "stop"), source: "session.error" }])
    expect(types).toEqual(["set-timer", "cancel-queued", "clear-timer"])
    expect(state.turn?.outcome).toBe("cancelled")
    expect(drive([{ type: "timer", name: "backoff" }], ctx(), state).types).toEqual([])
  })
})

describe("stop action", () => {
  test("context overflow is left to the host's compaction", () => {
    const { types, state } = drive([turn(), { type: "failure", failure: fail("context_overflow", "stop"), source: "session.error" }])
    expect(types).toEqual([])
    expect(state.turn?.outcome).toBe("stopped")
  })
})

describe("cancellation", () => {
  test("a MessageAbortedError we did not cause is the user's word", () => {
    const { types, state } = drive([turn(), { type: "failure", failure: fail("aborted", "stop"), source: "session.error" }])
    expect(types).toEqual(["cancel-queued", "clear-timer"])
    expect(state.turn?.outcome).toBe("cancelled")
  })
  test("an empty completion during the host's retry wait, not caused by us, is a user abort", () => {
    const { state, types } = drive([turn(), { type: "retry-status", attempt: 1, failure: RATE }, { type: "completed", meaningful: false, model: A, hasError: false }])
    expect(types).toEqual(["cancel-queued", "clear-timer"])
    expect(state.turn?.outcome).toBe("cancelled")
  })
  test("the echo of our own abort is recognised and never counted as the user's", () => {
    const echo = drive([turn(), { type: "retry-status", attempt: 1, failure: QUOTA }, { type: "completed", meaningful: false, model: A, hasError: false }])
    expect(echo.state.phase).toBe("switching")
    expect(echo.state.turn?.abortPending).toBe(false)
    const named = drive([turn(), { type: "retry-status", attempt: 1, failure: QUOTA }, { type: "failure", failure: fail("aborted", "stop"), source: "session.error" }])
    expect(named.state.phase).toBe("switching")
    expect(named.types).not.toContain("cancel-queued")
  })
  test("deletion cancels queued prompts and timers", () => {
    const { types, state } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, { type: "deleted" }])
    expect(types.slice(-2)).toEqual(["cancel-queued", "clear-timer"])
    expect(state.phase).toBe("settled")
    expect(drive([accepted], ctx(), state).types).toEqual([])
  })
})

describe("success", () => {
  test("a meaningful completion settles the turn, forgets the model's strikes and cancels stale prompts", () => {
    const { types, state } = drive([turn(), { type: "completed", meaningful: true, model: A, hasError: false }])
    expect(types).toEqual(["cancel-queued", "clear-timer", "healthy"])
    expect(state.turn?.outcome).toBe("answered")
  })
  test("an empty completion row is not an answer", () => {
    const { state } = drive([turn(), { type: "completed", meaningful: false, model: A, hasError: false }])
    expect(state.phase).toBe("running")
  })
  test("the fallback model's answer settles the turn", () => {
    const { state } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, accepted, { type: "completed", meaningful: true, model: B, hasError: false }])
    expect(state.turn?.outcome).toBe("answered")
  })
  test("the fallback's answer arriving before the gate's reply is adopted", () => {
    const { state } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, { type: "completed", meaningful: true, model: B, hasError: false }])
    expect(state.turn?.outcome).toBe("answered")
  })
})

describe("stale signals", () => {
  test("errors of the model we left are ignored", () => {
    const { types, state } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, accepted, { type: "failure", failure: QUOTA, model: A, source: "message" }])
    expect(types).toEqual(["cooldown", "dispatch", "toast"])
    expect(state.phase).toBe("running")
  })
  test("a second signal for the same failure does not dispatch twice", () => {
    const { effects } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, { type: "failure", failure: QUOTA, model: A, source: "message" }])
    expect(dispatches(effects)).toHaveLength(1)
  })
})

describe("bounds", () => {
  test("chain exhausted: one notice naming every model and why, and no dispatch", () => {
    const c = ctx()
    const { effects, state } = drive(
      [turn(), { type: "retry-status", attempt: 1, failure: QUOTA }, accepted, { type: "failure", failure: fail("payment_required", "fallback", { statusCode: 402 }), model: B, source: "message" }, accepted, { type: "failure", failure: fail("model_missing", "fallback"), source: "session.error" }],
      c,
    )
    expect(dispatches(effects)).toHaveLength(2)
    const notices = effects.filter((e) => e.type === "toast" && e.variant === "error")
    expect(notices).toHaveLength(1)
    expect((notices[0] as { message: string }).message).toBe("No model could answer. Tried: p/a (quota exhausted), p/b (out of credits 402), q/c (model unavailable).")
    expect(state.turn?.outcome).toBe("exhausted")
  })
  test("exhausted while the host is still retrying: its retry is aborted too", () => {
    const { types } = drive([turn(), { type: "retry-status", attempt: 1, failure: QUOTA }], ctx({ config: {} }))
    expect(types).toEqual(["cooldown", "abort", "cancel-queued", "clear-timer", "toast"])
  })
  test("never more dispatches per turn than configured", () => {
    const c = ctx({ config: { chains: { default: ["p/b", "q/c", "q/d", "q/e"] }, limits: { maxDispatchesPerTurn: 2 } } })
    const inputs: Input[] = [turn()]
    for (let i = 0; i < 5; i++) inputs.push({ type: "failure", failure: fail("model_missing", "fallback"), source: "session.error" }, accepted)
    const { effects } = drive(inputs, c)
    expect(dispatches(effects)).toHaveLength(2)
    expect(effects.filter((e) => e.type === "toast" && e.variant === "error")).toHaveLength(1)
  })
  test("a refused dispatch counts as a failed model and the next one is tried", () => {
    const { effects } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, { type: "dispatch-result", turnID: "msg_1", status: "failed", ambiguous: false, error: "400" }])
    expect(dispatches(effects).map((d) => d.model)).toEqual([B, C])
  })
  test("an ambiguous dispatch failure is not re-sent blindly", () => {
    const { effects, state } = drive([turn(), { type: "failure", failure: QUOTA, source: "session.error" }, { type: "dispatch-result", turnID: "msg_1", status: "failed", ambiguous: true, error: "timeout" }])
    expect(dispatches(effects)).toHaveLength(1)
    expect(state.turn?.current).toEqual(B)
  })
})
