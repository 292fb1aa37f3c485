// chat.message: a new turn about to be sent to a cooling model moves to the next healthy model of its chain
// before any request, so a model known to be exhausted costs no failed request.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { candidateOrder } from "../fallback/chain.ts"
import type { HealthEntry, ModelHealth } from "../fallback/health.ts"
import type { Tried } from "../fallback/session.ts"
import type { Skip, Unfit } from "../fallback/capability.ts"
import type { ModelChoice } from "../payload/model.ts"

/** `skipped`: cooling models (recorded as tried); `unfit`: fallbacks passed over because they cannot take the turn. */
export type PreRoute =
  | { kind: "healthy" }
  | { kind: "routed"; to: ModelChoice; skipped: Tried[]; unfit: Skip[]; cooling: HealthEntry }
  | { kind: "all-cooling"; cooling: HealthEntry; unfit: Skip[] }

/** `fit`: why a fallback cannot take this turn (capability.ts), or undefined. The primary is the user's choice and is never judged. */
export function preRoute(health: ModelHealth, chains: RuntimeFallbackConfig["chains"], primary: ModelChoice, agent: string | undefined, now: number, fit?: (m: ModelChoice) => Unfit | undefined): PreRoute {
  const cooling = health.cooling(primary, now)
  if (!cooling) return { kind: "healthy" }
  const skipped: Tried[] = []
  const unfit: Skip[] = []
  for (const m of candidateOrder(chains, agent, primary)) {
    const why = m === primary ? undefined : fit?.(m)
    if (why) {
      unfit.push({ model: m, why })
      continue
    }
    const c = health.cooling(m, now)
    if (!c) return { kind: "routed", to: m, skipped, unfit, cooling }
    skipped.push({ model: m, code: c.code, message: c.message })
  }
  return { kind: "all-cooling", cooling, unfit }
}
