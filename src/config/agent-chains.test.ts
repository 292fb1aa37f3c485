// Chains written on agents, as the host's merged config carries them (probed on opencode 1.18.33: the key
// stays at the agent's top level and is copied into its `options`).
import { describe, expect, test } from "bun:test"
import { agentChainsFromConfig, parseAgentChain } from "./agent-chains.ts"

describe("fallback_models on agents", () => {
  test("the host's merged shape: top level and options (JSON agent and Markdown agent alike)", () => {
    const r = agentChainsFromConfig({
      agent: {
        build: { fallback_models: ["fake/backup-model"], options: { fallback_models: ["fake/backup-model"] }, permission: {} },
        mdagent: { name: "mdagent", model: "fake/ok-model", fallback_models: ["fake/a", { model: "fake/b", variant: "high" }], options: { fallback_models: ["fake/a", { model: "fake/b", variant: "high" }] } },
        plain: { model: "fake/ok-model" },
      },
    })
    expect(r.issues).toEqual([])
    expect(r.chains).toEqual({ build: ["fake/backup-model"], mdagent: ["fake/a", { model: "fake/b", variant: "high" }] })
  })
  test("written only under options", () => {
    expect(agentChainsFromConfig({ agent: { x: { options: { fallback_models: ["p/m"] } } } }).chains).toEqual({ x: ["p/m"] })
  })
  test("a single string is a one-model chain", () => {
    expect(agentChainsFromConfig({ agent: { x: { fallback_models: "p/m" } } }).chains).toEqual({ x: ["p/m"] })
  })
  test("a bad entry is dropped and reported in one line naming the agent and the key; the good ones count", () => {
    const r = agentChainsFromConfig({ agent: { build: { fallback_models: ["fake/ok", "no-slash", { model: "p/m", temperature: 1 }] } } })
    expect(r.chains).toEqual({ build: ["fake/ok"] })
    expect(r.issues.map((i) => [i.file, i.path])).toEqual([
      ['opencode config agent "build"', "fallback_models[1]"],
      ['opencode config agent "build"', "fallback_models[2]"],
    ])
    expect(r.issues[0]!.message).toContain("provider/model")
  })
  test("not a list: one issue, no chain", () => {
    const r = agentChainsFromConfig({ agent: { x: { fallback_models: { a: 1 } } } })
    expect(r.chains).toEqual({})
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]!.path).toBe("fallback_models")
  })
  test("an empty list is no chain (the model and default chains apply)", () => {
    expect(agentChainsFromConfig({ agent: { x: { fallback_models: [] } } })).toEqual({ chains: {}, issues: [] })
  })
  test("agents named like built-ins never reach Object.prototype", () => {
    const r = agentChainsFromConfig(JSON.parse('{"agent":{"__proto__":{"fallback_models":["p/m"]},"toString":{"fallback_models":["p/t"]}}}'))
    expect(Object.keys(r.chains)).toEqual(["toString"])
    expect(Object.getPrototypeOf(r.chains)).toBeNull()
  })
  test("no agent section, or garbage: nothing", () => {
    for (const g of [undefined, null, {}, { agent: [] }, { agent: "x" }]) expect(agentChainsFromConfig(g)).toEqual({ chains: {}, issues: [] })
  })
  test("a long list is capped and says so", () => {
    const r = parseAgentChain(Array.from({ length: 40 }, (_, i) => `p/m${i}`), "src", "fallback_models")
    expect(r.entries).toHaveLength(32)
    expect(r.issues).toHaveLength(1)
  })
})
