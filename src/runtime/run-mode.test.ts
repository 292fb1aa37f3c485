import { expect, test } from "bun:test"
import { runModeMessage } from "./run-mode.ts"

const hostRetries = /429|50[0234]|524|rate.?limit|too many requests|overload|unavailable|server.?error|exhausted|try again|capacity|timeout/i

test("names the failed model, why, and what the next run does, in words the host will not retry", () => {
  const m = runModeMessage({ model: { providerID: "openai", modelID: "gpt-4o" }, code: "quota_exhausted" }, { providerID: "anthropic", modelID: "claude" }, 15 * 60_000)
  expect(m).toBe("runtime-fallback: openai/gpt-4o is out of quota. opencode run cannot switch models in the middle of a turn; the next run will use anthropic/claude (for the next 15m).")
  expect(hostRetries.test(m)).toBe(false)
})

test("a model id the host would take for a status code falls back to a generic message", () => {
  const m = runModeMessage({ model: { providerID: "x", modelID: "model-503" }, code: "payment_required" }, { providerID: "y", modelID: "z" }, undefined)
  expect(hostRetries.test(m)).toBe(false)
  expect(m).toContain("the next run will use the fallback model")
})

test("no fallback left", () => {
  expect(runModeMessage({ model: { providerID: "a", modelID: "b" }, code: "auth" }, undefined, undefined)).toContain("no fallback model is left to try")
})
