// Fallback chains written where users already configure agents: `fallback_models` on an agent in opencode.json
// (`agent.<name>.fallback_models`, or under its `options`) or in an agent's Markdown frontmatter
// (`.opencode/agent/<name>.md`). The host (1.18.33, probed) keeps such unknown agent keys: the merged config
// the `config` hook receives has them both at the agent's top level and copied into its `options` (the top
// level wins when both are written), for JSON and Markdown agents alike.
//
// Entries are those of runtime-fallback.jsonc chains: "provider/model" or {model, variant}; a single string is
// a one-model chain. A bad entry is dropped and reported, one line each, naming the agent and the key; the
// agent's good entries still count.
import { chainEntrySchema, type ChainEntry } from "./schema.ts"
import type { ConfigIssue } from "./load.ts"

export const AGENT_CHAIN_KEY = "fallback_models"
/** Agents read at most (a config is user-written; this bounds the work on a hostile one). */
const MAX_AGENTS = 256
const MAX_ENTRIES = 32

export type AgentChains = { chains: Record<string, ChainEntry[]>; issues: ConfigIssue[] }

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)

/** Where an agent's chain was written, for messages: `agent "build"` (opencode.json or its Markdown file). */
export function agentSource(name: string): string {
  return `opencode config agent ${JSON.stringify(name)}`
}

/** The `fallback_models` of one agent entry (top level first, then `options`), or undefined. */
export function agentChainValue(agent: unknown): { value: unknown; path: string } | undefined {
  const a = rec(agent)
  if (!a) return undefined
  if (Object.hasOwn(a, AGENT_CHAIN_KEY)) return { value: a[AGENT_CHAIN_KEY], path: AGENT_CHAIN_KEY }
  const o = rec(a.options)
  if (o && Object.hasOwn(o, AGENT_CHAIN_KEY)) return { value: o[AGENT_CHAIN_KEY], path: `options.${AGENT_CHAIN_KEY}` }
  return undefined
}

/** Validates one written chain: its good entries, and an issue per bad one. */
export function parseAgentChain(value: unknown, source: string, path: string): { entries: ChainEntry[]; issues: ConfigIssue[] } {
  const list = typeof value === "string" ? [value] : value
  if (!Array.isArray(list)) return { entries: [], issues: [{ file: source, path, message: 'expected a list of "provider/model" strings (or { "model", "variant" } objects)' }] }
  const entries: ChainEntry[] = []
  const issues: ConfigIssue[] = []
  list.slice(0, MAX_ENTRIES).forEach((e, i) => {
    const r = chainEntrySchema.safeParse(e)
    if (r.success) entries.push(r.data)
    else issues.push({ file: source, path: typeof value === "string" ? path : `${path}[${i}]`, message: r.error.issues[0]?.message ?? "invalid entry" })
  })
  if (list.length > MAX_ENTRIES) issues.push({ file: source, path, message: `more than ${MAX_ENTRIES} models; the rest are ignored` })
  return { entries, issues }
}

/** Every agent's written chain in the host's merged config (`config.agent`). */
export function agentChainsFromConfig(config: unknown): AgentChains {
  const agents = rec(rec(config)?.agent)
  const chains: Record<string, ChainEntry[]> = Object.create(null)
  const issues: ConfigIssue[] = []
  if (!agents) return { chains, issues }
  for (const name of Object.keys(agents).slice(0, MAX_AGENTS)) {
    if (name === "__proto__" || name === "constructor") continue
    const found = agentChainValue(agents[name])
    if (!found) continue
    const r = parseAgentChain(found.value, agentSource(name), found.path)
    issues.push(...r.issues)
    if (r.entries.length) chains[name] = r.entries
  }
  return { chains, issues }
}
