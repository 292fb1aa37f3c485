// Pre-routing a new turn off a cooling model passes over fallbacks that cannot take it.
import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import type { HealthEntry, ModelHealth } from "../fallback/health.ts"
import { unfit } from "../fallback/capability.ts"
import { modelKey, type ModelRef } from "../payload/model.ts"
import { preRoute } from "./pre-route.ts"

const chains = configSchema.parse({ chains: { default: ["q/small", "r/big"] } }).chains
const P = { providerID: "p", modelID: "a" }
const health = (cooling: string[]): ModelHealth =>
  ({ cooling: (m: ModelRef): HealthEntry | undefined => (cooling.includes(modelKey(m)) ? { model: modelKey(m), code: "quota_exhausted", message: "x", until: 2, strikes: 1, at: 1 } : undefined) }) as unknown as ModelHealth
const caps: Record<string, { context: number; output: number }> = { "p/a": { context: 10_000, output: 1_000 }, "q/small": { context: 64_000, output: 4_096 }, "r/big": { context: 400_000, output: 8_000 } }
const fit = (tokens: number) => (m: ModelRef) => unfit(caps[modelKey(m)], { tokens })

describe("pre-route with capabilities", () => {
  test("a fallback whose window cannot hold the conversation is passed over and named", () => {
    const r = preRoute(health(["p/a"]), chains, P, undefined, 0, fit(100_000))
    expect(r.kind === "routed" && modelKey(r.to)).toBe("r/big")
    expect(r.kind === "routed" && r.unfit.map((s) => modelKey(s.model))).toEqual(["q/small"])
  })
  test("the user's own model is never judged, only the fallbacks", () => {
    expect(preRoute(health([]), chains, P, undefined, 0, fit(100_000)).kind).toBe("healthy")
  })
  test("none fits: all cooling, with the unfit named", () => {
    const r = preRoute(health(["p/a"]), chains, P, undefined, 0, fit(1_000_000))
    expect(r.kind).toBe("all-cooling")
    expect(r.kind === "all-cooling" && r.unfit.length).toBe(2)
  })
  test("without facts the chain order holds", () => {
    const r = preRoute(health(["p/a"]), chains, P, undefined, 0)
    expect(r.kind === "routed" && modelKey(r.to)).toBe("q/small")
  })
})
