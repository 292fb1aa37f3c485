// chat.message: a new turn about to be sent to a cooling model moves to the next healthy model of its chain
// before any request, so a model known to be exhausted costs no failed request.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { candidateOrder } from "../fallback/chain.ts"
import type { HealthEntry, ModelHealth } from "../fallback/health.ts"
import type { Tried } from "../fallback/session.ts"
import type { ModelChoice } from "../payload/model.ts"

export type PreRoute =
  | { kind: "healthy" }
  | { kind: "routed"; to: ModelChoice; skipped: Tried[]; cooling: HealthEntry }
  | { kind: "all-cooling"; cooling: HealthEntry }

export function preRoute(health: ModelHealth, chains: RuntimeFallbackConfig["chains"], primary: ModelChoice, agent: string | undefined, now: number): PreRoute {
  const cooling = health.cooling(primary, now)
  if (!cooling) return { kind: "healthy" }
  const skipped: Tried[] = []
  for (const m of candidateOrder(chains, agent, primary)) {
    const c = health.cooling(m, now)
    if (!c) return { kind: "routed", to: m, skipped, cooling }
    skipped.push({ model: m, code: c.code, message: c.message })
  }
  return { kind: "all-cooling", cooling }
}
