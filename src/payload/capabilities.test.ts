// The host's model metadata in both shapes it comes in (measured on opencode 1.18.33), and garbage.
import { describe, expect, test } from "bun:test"
import { capsFromConfig, capsFromProviders } from "./capabilities.ts"

// Trimmed from a real `GET /config/providers` body of opencode 1.18.33 (a model declared in opencode.json).
const PROVIDERS = {
  providers: [
    {
      id: "fake",
      models: {
        "ok-model": {
          id: "ok-model",
          providerID: "fake",
          capabilities: { temperature: false, reasoning: false, attachment: false, toolcall: true, input: { text: true, audio: false, image: false, video: false, pdf: false } },
          limit: { context: 32000, output: 4096 },
        },
        vision: { id: "vision", capabilities: { attachment: true, toolcall: true, input: { text: true, image: true, pdf: true } }, limit: { context: 200000, input: 180000, output: 64000 } },
      },
    },
  ],
  default: { fake: "ok-model" },
}

describe("GET /config/providers", () => {
  test("limits, attachment, tool calling and input modalities per provider/model", () => {
    const caps = capsFromProviders(PROVIDERS)
    expect(caps.get("fake/ok-model")).toEqual({ context: 32000, output: 4096, attachment: false, toolcall: true, modalities: { image: false, pdf: false, audio: false, video: false } })
    expect(caps.get("fake/vision")).toEqual({ context: 200000, input: 180000, output: 64000, attachment: true, toolcall: true, modalities: { image: true, pdf: true } })
  })
  test("the SDK result's `data` wrapper is accepted too", () => {
    expect(capsFromProviders({ data: PROVIDERS }).size).toBe(2)
  })
  test("garbage yields nothing, never a throw", () => {
    for (const g of [undefined, null, 1, "x", [], { providers: "x" }, { providers: [null, { id: 1 }, { id: "p", models: [] }, { id: "p", models: { m: 5 } }] }]) expect(capsFromProviders(g).size).toBe(0)
  })
  test("negative or non-numeric limits are unknown", () => {
    const caps = capsFromProviders({ providers: [{ id: "p", models: { m: { limit: { context: -1, output: "x" } } } }] })
    expect(caps.get("p/m")).toEqual({})
  })
})

describe("the merged config (config hook)", () => {
  test("declared limits and flags in config spelling (tool_call, modalities.input)", () => {
    const caps = capsFromConfig({ provider: { fake: { models: { small: { limit: { context: 64000, output: 4096 }, attachment: false, tool_call: false, modalities: { input: ["text", "image"], output: ["text"] } } } } } })
    expect(caps.get("fake/small")).toEqual({ context: 64000, output: 4096, attachment: false, toolcall: false, modalities: { image: true, pdf: false, audio: false, video: false } })
  })
  test("a model without declarations is known with nothing in it", () => {
    expect(capsFromConfig({ provider: { fake: { models: { m: {} } } } }).get("fake/m")).toEqual({})
  })
  test("garbage yields nothing", () => {
    for (const g of [undefined, {}, { provider: 1 }, { provider: { p: { models: 2 } } }]) expect(capsFromConfig(g).size).toBe(0)
  })
})
