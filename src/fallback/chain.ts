// Which models a turn may move to. Resolution, first non-empty wins: chains.agents[agent] (runtime-fallback.jsonc),
// then the agent's own `fallback_models` (opencode.json / agent Markdown, read by the `config` hook:
// config/agent-chains.ts), then chains.models[primary], then chains.default. The primary (the model the user
// chose) always comes first; entries stay structured ({providerID, modelID, variant}) from config to prompt
// payload and never round-trip through strings.
import type { ChainEntry, RuntimeFallbackConfig } from "../config/schema.ts"
import { modelKey, parseModelString, type ModelChoice, type ModelRef } from "../payload/model.ts"

/** "agent": chains.agents; "agent-field": the agent's `fallback_models` in the host's config. */
export type ChainSource = "agent" | "agent-field" | "model" | "default" | "none"
export type FallbackChain = { source: ChainSource; models: ModelChoice[] }

/** The plugin's chains plus the ones written on agents in the host's config (set once the `config` hook ran). */
export type Chains = RuntimeFallbackConfig["chains"] & { fromAgents?: Readonly<Record<string, readonly ChainEntry[]>> }

export function entryToChoice(entry: ChainEntry): ModelChoice | undefined {
  const ref = parseModelString(typeof entry === "string" ? entry : entry.model)
  if (!ref) return undefined
  const variant = typeof entry === "string" ? undefined : entry.variant
  return variant ? { ...ref, variant } : ref
}

export function choiceKey(m: ModelChoice): string {
  return m.variant ? `${modelKey(m)}#${m.variant}` : modelKey(m)
}

/** A config map's own entry: an agent named "constructor" or "__proto__" must not find Object.prototype's. */
function own<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined
}

/** The configured chain for this agent / primary model (without the primary). */
export function configuredChain(chains: Chains, agent: string | undefined, primary: ModelRef | undefined): FallbackChain {
  const pick = (source: ChainSource, list: readonly ChainEntry[] | undefined): FallbackChain | undefined =>
    Array.isArray(list) && list.length ? { source, models: list.map(entryToChoice).filter((m): m is ModelChoice => !!m) } : undefined
  return (
    (agent ? pick("agent", own(chains.agents, agent)) : undefined) ??
    (agent && chains.fromAgents ? pick("agent-field", own(chains.fromAgents, agent)) : undefined) ??
    (primary ? pick("model", own(chains.models, modelKey(primary))) : undefined) ??
    pick("default", chains.default) ?? { source: "none", models: [] }
  )
}

/** Primary first, then the configured chain, without repeats (same model and variant). */
export function candidateOrder(chains: Chains, agent: string | undefined, primary: ModelChoice): ModelChoice[] {
  const seen = new Set<string>()
  const out: ModelChoice[] = []
  for (const m of [primary, ...configuredChain(chains, agent, primary).models]) {
    const k = choiceKey(m)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(m)
  }
  return out
}
