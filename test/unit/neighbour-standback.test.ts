// The plugin stands back when another mechanism re-sends failed turns (the `config` hook names it), unless its
// config says "neighbours": "act"; and the `config` hook hands over chains written on agents.
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { configSchema } from "../../src/config/schema.ts"
import { createModelHealth } from "../../src/fallback/health.ts"
import { createManualClock } from "../../src/host/clock.ts"
import type { Logger } from "../../src/host/logger.ts"
import { createInstance } from "../../src/plugin/create.ts"
import { createFakeHostClient } from "../support/fake-host.ts"

function instance(over: Record<string, unknown> = {}) {
  const clock = createManualClock()
  const config = configSchema.parse({ chains: { default: ["q/b"] }, ...over })
  const fake = createFakeHostClient({ clock })
  const lines: string[] = []
  const toasts: string[] = []
  const logger: Logger = { log: (_l, m) => void lines.push(m), toast: (_v, m) => void toasts.push(m), errorOnce: (_k, m) => void lines.push(m), trace() {}, tracing: false }
  const home = mkdtempSync(join(tmpdir(), "orf-standback-"))
  const i = createInstance({ client: fake.client as never, directory: join(home, "project") }, undefined, { clock, config, health: createModelHealth(config.cooldown), mode: "serve", env: {}, logger, home })
  return { i, fake, lines, toasts, done: () => rmSync(home, { recursive: true, force: true }) }
}

const userMessage = (sid: string) => [{ sessionID: sid, model: { providerID: "p", modelID: "a" } }, { message: { id: "u1", role: "user", model: { providerID: "p", modelID: "a" }, agent: "build" }, parts: [{ type: "text", text: "hi" }] }] as const

describe("standing back for a neighbour", () => {
  test("a re-sending plugin in the host's plugin list: the plugin follows no session, and says so once", async () => {
    const t = instance()
    await (t.i.hooks.config as (c: unknown) => Promise<void>)({ plugin: ["opencode-rate-limit-fallback@0.3.1"] })
    expect(t.i.standingBack?.()).toEqual({ peer: "opencode-rate-limit-fallback", where: 'plugin entry "opencode-rate-limit-fallback"' })
    await t.i.hooks["chat.message"]!(...(userMessage("s1") as unknown as Parameters<NonNullable<typeof t.i.hooks["chat.message"]>>))
    await t.i.hooks["chat.message"]!(...(userMessage("s1") as unknown as Parameters<NonNullable<typeof t.i.hooks["chat.message"]>>))
    expect(t.i.runtime!.inspect().sessions).toBe(0)
    expect(t.lines.filter((l) => l.includes("this plugin stands back"))).toHaveLength(1)
    expect(t.toasts.filter((l) => l.includes("this plugin stands back"))).toHaveLength(1)
    t.done()
  })
  test('"neighbours": "act": the plugin acts and warns that both do', async () => {
    const t = instance({ neighbours: "act" })
    await (t.i.hooks.config as (c: unknown) => Promise<void>)({ plugin: ["opencode-rate-limit-fallback"] })
    expect(t.i.standingBack?.()).toBeUndefined()
    await t.i.hooks["chat.message"]!(...(userMessage("s1") as unknown as Parameters<NonNullable<typeof t.i.hooks["chat.message"]>>))
    expect(t.i.runtime!.inspect().sessions).toBe(1)
    expect(t.lines.some((l) => l.includes("both act on a failure"))).toBe(true)
    t.done()
  })
  test("no neighbour: the plugin acts and says nothing about it", async () => {
    const t = instance()
    await (t.i.hooks.config as (c: unknown) => Promise<void>)({ plugin: ["opencode-skills"] })
    expect(t.i.standingBack?.()).toBeUndefined()
    expect(t.lines.some((l) => l.includes("re-sends failed turns"))).toBe(false)
    t.done()
  })
})

describe("chains written on agents reach the runtime through the config hook", () => {
  test("the agent's fallback_models is the chain of that agent; a bad entry is one warning", async () => {
    const t = instance({ chains: {} })
    await (t.i.hooks.config as (c: unknown) => Promise<void>)({ agent: { build: { fallback_models: ["r/c", "bad"] } } })
    expect(t.lines.some((l) => l.includes('opencode config agent "build": fallback_models[1]'))).toBe(true)
    expect(t.toasts).toHaveLength(1)
    expect(t.lines.some((l) => l.includes("fallback chains written on agents: build (1)"))).toBe(true)
    t.done()
  })
})
