// The `/fallback` command: what the plugin did in this session, the chain that applies, and what is cooling
// down for every session, with how to reset it, in OpenCode's own conversation. The host runs a command as a
// prompt; `command.execute.before` replaces the command's text with this status, so it is the message the
// user sees (and the model is asked only to acknowledge it). `/fallback reset <provider/model|all>` clears
// cooldowns first.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import { formatWait } from "../failure/classify.ts"
import { candidateOrder, configuredChain } from "../fallback/chain.ts"
import type { ModelHealth } from "../fallback/health.ts"
import type { Turn } from "../fallback/turn.ts"
import { describeModel, parseModelString, type ModelChoice } from "../payload/model.ts"
import { reasonText } from "../notices/text.ts"
import type { NoticeLog } from "./notice-log.ts"

export const STATUS_COMMAND = "fallback"
export const STATUS_TEMPLATE = "Show the runtime fallback status. $ARGUMENTS"
export const STATUS_DESCRIPTION = "runtime fallback: models answering this session, cooldowns, reset (/fallback reset <provider/model|all>)"

const ACK = "(This is a status report from the opencode-turn-fallback plugin, shown to the user. Reply with one short sentence acknowledging it; do not repeat it.)"

export type StatusInput = {
  sessionID: string
  args: string
  turns: readonly Turn[]
  health: ModelHealth
  config: RuntimeFallbackConfig
  notices: NoticeLog
  now: number
}

/** Runs a reset if asked, then renders the status text. Total: anything unexpected reads as no arguments. */
export function statusCommand(o: StatusInput): string {
  const lines: string[] = ["Runtime fallback status"]
  const words = o.args.trim().split(/\s+/).filter(Boolean)
  if (words[0] === "reset") lines.push("", reset(o, words[1]))
  lines.push("", "This session:")
  const rescued = o.turns.filter((t) => t.tried.length > 0)
  if (!rescued.length) lines.push("- no turn needed a fallback")
  for (const t of rescued) lines.push(`- ${turnLine(t)}`)
  const latest = o.turns[o.turns.length - 1]
  if (latest) {
    const order = candidateOrder(o.config.chains, latest.agent, latest.primary)
    const source = configuredChain(o.config.chains, latest.agent, latest.primary).source
    lines.push(`- chain${latest.agent ? ` of agent ${latest.agent}` : ""} for ${describeModel(latest.primary)}: ${order.map(describeModel).join(" → ")}${source === "none" ? " (no fallback configured)" : ` (from chains.${source === "agent" ? `agents.${latest.agent}` : source === "model" ? "models" : "default"})`}`)
  }
  lines.push("", "Cooling down (every session):")
  const cooling = shownCooldowns(o.health, o.now)
  if (!cooling.length) lines.push("- nothing")
  for (const e of cooling.sort((a, b) => a.until - b.until))
    lines.push(`- ${e.key}${e.scope === "provider" ? " (the whole provider account)" : ""}: ${reasonText(e.code)}${e.source === "breaker" ? " (circuit breaker)" : ""}, until ${new Date(e.until).toISOString().slice(11, 16)} UTC (${formatWait(e.until - o.now)}); reset: /${STATUS_COMMAND} reset ${e.key.endsWith("/*") ? e.model : e.key}`)
  const recent = o.notices.of(o.sessionID).slice(-3)
  if (recent.length) {
    lines.push("", "Latest notices:")
    for (const n of recent) lines.push(`- ${new Date(n.at).toISOString().slice(11, 19)} UTC ${n.text}`)
  }
  lines.push("", ACK)
  return lines.join("\n")
}

function turnLine(t: Turn): string {
  const tried = t.tried.map((x) => `${describeModel(x.model)} (${reasonText(x.code)}${x.statusCode ? " " + x.statusCode : ""})`).join(", ")
  const p = t.phase
  const outcome =
    p.name !== "settled"
      ? `being rescued on ${describeModel(p.name === "verifying" ? p.to : t.attempt.model)}`
      : p.outcome === "answered"
        ? `answered by ${describeModel(t.attempt.model)}`
        : p.outcome === "exhausted"
          ? "no model could answer"
          : p.outcome
  return `${outcome} after ${tried}`
}

/** Live cooldowns, one line each: an account failure also cools its model, and the account's line says it all. */
function shownCooldowns(health: StatusInput["health"], now: number) {
  const live = health.entries(now).filter((e) => e.until > now)
  const accounts = new Set(live.filter((e) => e.scope === "provider").map((e) => e.model))
  return live.filter((e) => !(e.scope === "model" && e.source !== "breaker" && accounts.has(e.key)))
}

function reset(o: StatusInput, what: string | undefined): string {
  const now = o.now
  if (!what) return `Say what to reset: /${STATUS_COMMAND} reset <provider/model> or /${STATUS_COMMAND} reset all.`
  const entries = shownCooldowns(o.health, now)
  const models: ModelChoice[] =
    what === "all"
      ? entries.map((e) => parseModelString(e.model)).filter((m): m is ModelChoice => !!m)
      : [parseModelString(what.replace(/\/\*$/, "/x"))].filter((m): m is ModelChoice => !!m)
  if (!models.length) return `Not a model: ${what} (write provider/model, or all).`
  // A success recorded now clears what was recorded before it: the model's own cooldown, its provider's, its breaker.
  for (const m of models) o.health.recordSuccess(m, now + 1, now + 1)
  return what === "all" ? `Reset: ${entries.length} cooldown${entries.length === 1 ? "" : "s"} cleared.` : `Reset: ${what} may be used again.`
}

/** The config hook: registers the command unless the user has one of that name. */
export function registerStatusCommand(config: unknown): void {
  if (!config || typeof config !== "object") return
  const c = config as { command?: Record<string, unknown> }
  if (c.command !== undefined && (typeof c.command !== "object" || c.command === null)) return
  c.command ??= {}
  if (Object.hasOwn(c.command, STATUS_COMMAND)) return
  c.command[STATUS_COMMAND] = { description: STATUS_DESCRIPTION, template: STATUS_TEMPLATE }
}
