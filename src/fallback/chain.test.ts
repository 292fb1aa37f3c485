// Chain resolution order: chains.agents[agent], the agent's own fallback_models, chains.models[primary], default.
import { describe, expect, test } from "bun:test"
import { configSchema } from "../config/schema.ts"
import { candidateOrder, configuredChain, type Chains } from "./chain.ts"

const P = { providerID: "p", modelID: "primary" }
const chains = (o: unknown, fromAgents?: Chains["fromAgents"]): Chains => ({ ...configSchema.parse({ chains: o }).chains, fromAgents })
const keys = (c: ReturnType<typeof configuredChain>) => [c.source, c.models.map((m) => `${m.providerID}/${m.modelID}`)]

describe("where a chain comes from", () => {
  test("runtime-fallback.jsonc chains.agents wins over the agent's fallback_models", () => {
    expect(keys(configuredChain(chains({ agents: { build: ["j/one"] } }, { build: ["f/one"] }), "build", P))).toEqual(["agent", ["j/one"]])
  })
  test("the agent's fallback_models wins over the model and default chains", () => {
    expect(keys(configuredChain(chains({ models: { "p/primary": ["m/one"] }, default: ["d/one"] }, { build: ["f/one"] }), "build", P))).toEqual(["agent-field", ["f/one"]])
  })
  test("an empty chains.agents entry counts as not written: the agent's fallback_models applies", () => {
    expect(keys(configuredChain(chains({ agents: { build: [] } }, { build: ["f/one"] }), "build", P))).toEqual(["agent-field", ["f/one"]])
  })
  test("another agent's fallback_models does not apply", () => {
    expect(keys(configuredChain(chains({ default: ["d/one"] }, { plan: ["f/one"] }), "build", P))).toEqual(["default", ["d/one"]])
  })
  test("without an agent, fallback_models is never used", () => {
    expect(keys(configuredChain(chains({}, { build: ["f/one"] }), undefined, P))).toEqual(["none", []])
  })
  test("the primary comes first, then the chain without repeats", () => {
    expect(candidateOrder(chains({}, { build: ["f/one", "p/primary", "f/one"] }), "build", P).map((m) => m.modelID)).toEqual(["primary", "one"])
  })
})
