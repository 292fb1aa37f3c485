import { describe, expect, test } from "bun:test"
import { createManualClock } from "../host/clock.ts"
import type { Logger } from "../host/logger.ts"
import { ATTACH_DELAY_MS, NOTICE_MS, REMIND_AFTER_MS, scheduleStartupNotice } from "./startup-notice.ts"

function setup() {
  const clock = createManualClock(0)
  const toasts: Array<{ message: string; at: number; durationMs?: number }> = []
  const logger = { toast: (_v: string, message: string, o?: { durationMs?: number }) => toasts.push({ message, at: clock.now(), durationMs: o?.durationMs }) } as unknown as Logger
  const n = scheduleStartupNotice({ logger, clock, title: "t", variant: "error", lines: ["~/.config/opencode/runtime-fallback.jsonc: retry.maxHostAttempts: expected number", "x.jsonc: chains: unknown key"] })
  return { clock, toasts, n }
}

describe("a notice found at start-up", () => {
  test("is not shown before a TUI can have drawn, then once, one line per problem, long enough to read", () => {
    const { clock, toasts } = setup()
    expect(toasts).toHaveLength(0)
    clock.advance(ATTACH_DELAY_MS)
    expect(toasts).toEqual([{ message: "~/.config/opencode/runtime-fallback.jsonc: retry.maxHostAttempts: expected number\nx.jsonc: chains: unknown key", at: ATTACH_DELAY_MS, durationMs: NOTICE_MS }])
    clock.advance(10 * ATTACH_DELAY_MS)
    expect(toasts).toHaveLength(1)
  })
  test("a first prompt soon after it was shown does not repeat it; one much later does, once", () => {
    const soon = setup()
    soon.clock.advance(ATTACH_DELAY_MS + 1_000)
    soon.n.onPrompt()
    expect(soon.toasts).toHaveLength(1)
    const late = setup()
    late.clock.advance(ATTACH_DELAY_MS + REMIND_AFTER_MS)
    late.n.onPrompt()
    late.n.onPrompt()
    expect(late.toasts.map((t) => t.at)).toEqual([ATTACH_DELAY_MS, ATTACH_DELAY_MS + REMIND_AFTER_MS])
  })
  test("a prompt before the delay shows it at once, and the delayed showing is dropped", () => {
    const { clock, toasts, n } = setup()
    clock.advance(1_000)
    n.onPrompt()
    clock.advance(ATTACH_DELAY_MS)
    expect(toasts.map((t) => t.at)).toEqual([1_000])
  })
})
