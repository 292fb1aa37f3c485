// Capability-aware chains in the core: the next model is the first entry that can take the turn; the ones
// passed over are named in the switch and exhausted notices and logged; the decision is re-checked when the
// run has ended. Pure: session transitions with an injected Ctx.
import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import type { Failure } from "../failure/types.ts"
import { modelKey, type ModelChoice, type ModelRef } from "../payload/model.ts"
import type { ModelCaps, TurnNeeds } from "./capability.ts"
import { initialState, transition, turnByID, type Ctx, type Effect, type Input, type SessionState } from "./session.ts"

const A: ModelChoice = { providerID: "p", modelID: "a" }
const SMALL: ModelChoice = { providerID: "q", modelID: "small" }
const TEXT: ModelChoice = { providerID: "q", modelID: "text-only" }
const BIG: ModelChoice = { providerID: "r", modelID: "big" }
const NOW = 1_000_000
const CREDITS: Failure = { code: "payment_required", action: "fallback", retryable: true, message: "402", rule: "t", reason: "t", statusCode: 402 }

const CAPS: Record<string, ModelCaps> = {
  "p/a": { context: 400_000, output: 8_000, attachment: true, toolcall: true },
  "q/small": { context: 64_000, output: 4_096, attachment: true, toolcall: true },
  "q/text-only": { context: 400_000, output: 4_096, attachment: false, toolcall: false, modalities: { image: false, pdf: false } },
  "r/big": { context: 400_000, output: 8_000, attachment: true, toolcall: true, modalities: { image: true } },
}

function ctx(o: { needs?: TurnNeeds; caps?: Record<string, ModelCaps>; chain?: string[]; cooling?: string[] } = {}): Ctx {
  const config = configSchema.parse({ chains: { default: o.chain ?? ["q/small", "q/text-only", "r/big"] } })
  const caps = o.caps ?? CAPS
  const cooling = new Set(o.cooling ?? [])
  const entry = (m: ModelRef) => (cooling.has(modelKey(m)) ? { model: modelKey(m), code: "quota_exhausted" as const, message: "x", until: NOW + 60_000, strikes: 1, at: NOW } : undefined)
  return { now: NOW, config, cooling: entry, peek: entry, random: () => 0.5, capabilities: (m) => caps[modelKey(m)], needs: o.needs }
}

function drive(inputs: Input[], c: Ctx | ((i: number) => Ctx), state: SessionState = initialState("s")) {
  const effects: Effect[] = []
  inputs.forEach((i, n) => {
    const r = transition(state, i, typeof c === "function" ? c(n) : c)
    state = r.state
    effects.push(...r.effects)
  })
  return { state, effects }
}

const row = (id: string, parentID: string, model: ModelChoice, o: Partial<Extract<Input, { type: "assistant" }>> = {}): Input => ({ type: "assistant", id, parentID, model, completed: false, meaningful: false, created: NOW, ...o })
const user = (model: ModelChoice = A): Input => ({ type: "user-message", id: "u1", model })
const credits402: Input[] = [row("a1", "u1", A), { type: "session-error", failure: CREDITS }, { type: "idle" }, row("a1", "u1", A, { completed: true, failure: CREDITS }), { type: "idle" }]
const dispatched = (fx: Effect[]) => fx.flatMap((e) => (e.type === "dispatch" ? [e.model] : []))
const notices = (fx: Effect[]) => fx.flatMap((e) => (e.type === "notice" ? [e.notice] : []))

describe("capability-aware choice of the next model", () => {
  test("a fallback whose window cannot hold the conversation is passed over; the next one is chosen", () => {
    const { effects, state } = drive([user(), ...credits402], ctx({ needs: { tokens: 100_000 } }))
    expect(dispatched(effects)).toEqual([TEXT])
    expect(turnByID(state, "u1")?.skipped).toEqual([{ model: SMALL, why: { kind: "context", tokens: 100_000, limit: 59_904 } }])
  })
  test("a turn that carries images passes over models without image input", () => {
    const { effects, state } = drive([user(), ...credits402], ctx({ needs: { attachments: ["image"] }, chain: ["q/text-only", "r/big"] }))
    expect(dispatched(effects)).toEqual([BIG])
    expect(turnByID(state, "u1")?.skipped?.[0]).toEqual({ model: TEXT, why: { kind: "attachments", missing: ["image"] } })
  })
  test("a session that used tools passes over models that cannot call them", () => {
    const { effects } = drive([user(), ...credits402], ctx({ needs: { tools: true }, chain: ["q/text-only", "r/big"] }))
    expect(dispatched(effects)).toEqual([BIG])
  })
  test("an attempt that ran tools needs tools even when the session facts do not say so", () => {
    const inputs: Input[] = [user(), row("a1", "u1", A), { type: "output", messageID: "a1", tool: true }, { type: "session-error", failure: CREDITS }, { type: "idle" }, row("a1", "u1", A, { completed: true, failure: CREDITS }), { type: "idle" }]
    const { effects } = drive(inputs, ctx({ chain: ["q/text-only", "r/big"] }))
    expect(dispatched(effects)).toEqual([BIG])
  })
  test("nothing known about the turn: the chain order holds", () => {
    const { effects, state } = drive([user(), ...credits402], ctx())
    expect(dispatched(effects)).toEqual([SMALL])
    expect(turnByID(state, "u1")?.skipped).toBeUndefined()
  })
  test("nothing known about a model: it is not ruled out", () => {
    const { effects } = drive([user(), ...credits402], ctx({ needs: { tokens: 100_000 }, caps: {} }))
    expect(dispatched(effects)).toEqual([SMALL])
  })
  test("a passed-over model is not asked for health (a breaker must not admit it as a probe)", () => {
    const asked: string[] = []
    const base = ctx({ needs: { tokens: 100_000 } })
    const c: Ctx = { ...base, cooling: (m) => (asked.push(modelKey(m)), undefined) }
    drive([user(), ...credits402], c)
    expect(asked).not.toContain("q/small")
  })
  test("the switch notice names the entries passed over", () => {
    const { effects } = drive([user(), ...credits402, { type: "dispatch-result", turnID: "u1", seq: 1, status: "dispatched" }, { type: "internal-message", id: "u2" }, row("t1", "u2", TEXT), { type: "output", messageID: "t1", tool: false }], ctx({ needs: { tokens: 100_000 } }))
    const n = notices(effects).find((x) => x.type === "switched")
    expect(n).toMatchObject({ type: "switched", from: A, to: TEXT, skipped: [{ model: SMALL, why: { kind: "context" } }] })
  })
  test("the decision is logged with the entries passed over", () => {
    const { effects } = drive([user(), ...credits402], ctx({ needs: { tokens: 100_000 } }))
    const line = effects.find((e) => e.type === "log" && e.message.startsWith("passed over"))
    expect(line).toBeDefined()
    expect(line!.type === "log" && line!.message).toContain("q/small")
  })
  test("none fits: the turn is exhausted and the notice says which entries could not take it", () => {
    const { effects, state } = drive([user(), ...credits402], ctx({ needs: { tokens: 450_000 }, chain: ["q/small", "q/text-only"] }))
    expect(dispatched(effects)).toEqual([])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "exhausted" })
    const n = notices(effects).find((x) => x.type === "exhausted")
    expect(n?.type === "exhausted" && n.skipped?.map((s) => s.model)).toEqual([SMALL, TEXT])
  })
  test("a decided move is re-checked when the run has ended: metadata that arrived meanwhile rules it out", () => {
    // The failure is decided before the model metadata is known; it arrives before the errored row's write.
    let known = false
    const c = () => ({ ...ctx({ needs: { tokens: 100_000 } }), capabilities: (m: ModelRef) => (known ? CAPS[modelKey(m)] : undefined) })
    const { state } = drive([user(), row("a1", "u1", A), { type: "session-error", failure: CREDITS }], c)
    known = true
    const { effects } = drive([{ type: "idle" }, row("a1", "u1", A, { completed: true, failure: CREDITS }), { type: "idle" }], c, state)
    expect(dispatched(effects)).toEqual([TEXT])
  })
})
