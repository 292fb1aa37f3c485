// Model metadata in the shell: the config's declarations until the host's catalogue arrives, one fetch per
// instance, a failed fetch retried at most once a minute, and nothing thrown whatever the client does.
import { describe, expect, test } from "bun:test"
import { createManualClock } from "../host/clock.ts"
import type { Logger } from "../host/logger.ts"
import { createCatalogue } from "./catalogue.ts"

const logger: Logger = { log() {}, toast() {}, errorOnce() {}, trace() {}, tracing: false }
const M = { providerID: "fake", modelID: "small" }
const body = (context: number) => ({ providers: [{ id: "fake", models: { small: { id: "small", limit: { context, output: 4096 }, capabilities: { toolcall: true } } } }] })
const tick = () => new Promise((r) => setTimeout(r, 0))

describe("model metadata", () => {
  test("the config's declarations answer until the catalogue arrives; then the catalogue does", async () => {
    let calls = 0
    let resolve!: (v: unknown) => void
    const client = { config: { providers: () => (calls++, new Promise<{ data?: unknown }>((r) => (resolve = r as (v: unknown) => void))) } }
    const c = createCatalogue({ client, clock: createManualClock(), logger })
    c.fromConfig({ provider: { fake: { models: { small: { limit: { context: 64000, output: 4096 } } } } } })
    c.load()
    c.load()
    expect(calls).toBe(1)
    expect(c.caps(M)?.context).toBe(64000)
    resolve({ data: body(128000) })
    await tick()
    expect(c.caps(M)?.context).toBe(128000)
    c.load()
    expect(calls).toBe(1)
  })
  test("a failed fetch is retried, but not within a minute", async () => {
    let calls = 0
    const clock = createManualClock()
    const client = { config: { providers: async () => (calls++, calls === 1 ? { error: { name: "x" } } : { data: body(1000) }) } }
    const c = createCatalogue({ client, clock, logger })
    c.load()
    await tick()
    c.load()
    expect(calls).toBe(1)
    clock.advance(60_000)
    c.load()
    await tick()
    expect(calls).toBe(2)
    expect(c.caps(M)?.context).toBe(1000)
  })
  test("a client that throws, rejects or has no config route: nothing known, nothing thrown", async () => {
    for (const client of [{}, { config: {} }, { config: { providers: () => { throw new Error("boom") } } }, { config: { providers: () => Promise.reject(new Error("x")) } }]) {
      const c = createCatalogue({ client: client as never, clock: createManualClock(), logger })
      expect(() => c.load()).not.toThrow()
      await tick()
      expect(c.caps(M)).toBeUndefined()
    }
  })
})
