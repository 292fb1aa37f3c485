import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import { STALL_DEFAULTS, stallLimits } from "./config.ts"

const M = { providerID: "openai", modelID: "gpt-5" }
const stall = (s: unknown) => configSchema.parse({ stall: s }).stall

describe("stall limits for one request", () => {
  test("defaults: plain and reasoning models", () => {
    const c = stall({})
    expect(stallLimits(c, M, "build", false)).toEqual({ firstTokenMs: STALL_DEFAULTS.firstTokenMs, idleMs: STALL_DEFAULTS.idleMs })
    expect(stallLimits(c, M, "build", true)).toEqual({ firstTokenMs: STALL_DEFAULTS.reasoningFirstTokenMs, idleMs: STALL_DEFAULTS.reasoningIdleMs })
  })
  test("precedence: model, then provider, then agent, then the defaults; a key left out keeps the value below it", () => {
    const c = stall({ firstTokenMs: 10_000, agents: { plan: { firstTokenMs: 20_000, idleMs: 21_000 } }, models: { "openai/*": { firstTokenMs: 30_000 }, "openai/gpt-5": { idleMs: 0 } } })
    expect(stallLimits(c, M, "plan", false)).toEqual({ firstTokenMs: 30_000, idleMs: 0 })
    expect(stallLimits(c, { providerID: "anthropic", modelID: "x" }, "plan", false)).toEqual({ firstTokenMs: 20_000, idleMs: 21_000 })
    expect(stallLimits(c, undefined, undefined, false)).toEqual({ firstTokenMs: 10_000, idleMs: STALL_DEFAULTS.idleMs })
  })
  test("off: enabled false times nothing", () => {
    expect(stallLimits(stall({ enabled: false }), M, "build", false)).toEqual({})
  })
  test("bad values are refused with the key named", () => {
    for (const bad of [{ firstTokenMs: -1 }, { idleMs: "60s" }, { models: { gpt: {} } }, { models: { "a/b": { firstTokenMs: 1, extra: 1 } } }, { firstTokenMs: 4_000_000 }]) {
      const r = configSchema.safeParse({ stall: bad })
      expect(r.success).toBe(false)
      expect(r.error!.issues[0]!.path[0]).toBe("stall")
    }
  })
})
