import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import { createModelHealth } from "../fallback/health.ts"
import type { Turn } from "../fallback/turn.ts"
import { createNoticeLog } from "./notice-log.ts"
import { registerStatusCommand, statusCommand, STATUS_COMMAND } from "./status.ts"

const NOW = Date.UTC(2026, 11, 1, 3, 0, 0)
const A = { providerID: "p", modelID: "a" }
const B = { providerID: "q", modelID: "b" }
const config = configSchema.parse({ chains: { default: ["q/b"] } })
const rescued: Turn = {
  id: "u1",
  seq: 1,
  primary: A,
  attempt: { model: B, userID: "r1", rows: ["b1"], toolSteps: [], hostAttempts: 0, toolsRan: false, started: true },
  tried: [{ model: A, code: "payment_required", message: "Insufficient credits", statusCode: 402 }],
  dispatches: 1,
  ownRetries: 0, stalls: 0,
  phase: { name: "settled", outcome: "answered" },
  abortPending: false,
  failedRows: ["a1"],
  createdAt: NOW - 60_000,
}

function input(args = "") {
  const health = createModelHealth(config.cooldown)
  health.recordFailure(A, { code: "quota_exhausted", action: "fallback", retryable: true, message: "quota", rule: "r", reason: "r" }, NOW - 1_000)
  return { sessionID: "s", args, turns: [rescued], health, config, notices: createNoticeLog(), now: NOW }
}

describe("the /fallback command", () => {
  test("shows which model answered each rescued turn, the chain, and what cools down with how to reset it", () => {
    const text = statusCommand(input())
    expect(text).toContain("- answered by q/b after p/a (out of credits 402)")
    expect(text).toContain("- chain for p/a: p/a → q/b (from chains.default)")
    expect(text).toMatch(/- p\/a: quota exhausted, until 03:14 UTC \(14m 59s\); reset: \/fallback reset p\/a/)
  })
  test("reset clears a model's cooldown before showing the status; all clears every one", () => {
    const one = input("reset p/a")
    expect(statusCommand(one)).toContain("Reset: p/a may be used again.")
    expect(one.health.cooling(A, NOW + 2)).toBeUndefined()
    const all = input("reset all")
    expect(statusCommand(all)).toContain("Reset: 1 cooldown cleared.")
    expect(statusCommand({ ...all, args: "" })).toContain("Cooling down (every session):\n- nothing")
    expect(statusCommand(input("reset"))).toContain("Say what to reset")
  })
  test("an account failure is one line (the account), though its model cools too; reset names the model", () => {
    const health = createModelHealth(config.cooldown)
    health.recordFailure(A, { code: "payment_required", action: "fallback", retryable: true, message: "402", rule: "r", reason: "r" }, NOW - 1_000)
    const text = statusCommand({ ...input(), health })
    expect(text).toMatch(/- p\/\* \(the whole provider account\): out of credits.*reset p\/a/)
    expect(text).not.toMatch(/^- p\/a:/m)
    expect(statusCommand({ ...input("reset all"), health })).toContain("Reset: 1 cooldown cleared.")
  })
  test("registered through the config hook unless the user has a command of that name", () => {
    const cfg: { command?: Record<string, unknown> } = {}
    registerStatusCommand(cfg)
    expect(cfg.command?.[STATUS_COMMAND]).toMatchObject({ template: expect.stringContaining("$ARGUMENTS") })
    const mine = { command: { fallback: { template: "mine" } } }
    registerStatusCommand(mine)
    expect(mine.command.fallback).toEqual({ template: "mine" })
    expect(() => registerStatusCommand(null)).not.toThrow()
  })
})
