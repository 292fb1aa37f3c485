// The `stall` config block and how it resolves to the limits of one request.
//
// Defaults, from evidence (docs/stalls.md has the sources):
//  - a model that is not a reasoning model starts streaming within seconds; even a 150k-token prefill on a
//    slow provider shows its first token well inside a minute, and a healthy stream does not pause for a
//    minute between two tokens. 60 s for both;
//  - a reasoning model may think for minutes before its first token, and between two chunks when the
//    provider hides its thinking (OpenCode's own SSE chunk timeout had to go from 2 to 5 minutes for extended
//    thinking). 5 minutes for both: the same bound as the host, Claude Code and Codex, but this watch is not
//    fooled by keep-alive comments and moves the turn on instead of retrying the silent model.
import { z } from "zod"
import { modelKey, type ModelRef } from "../payload/model.ts"
import type { StallLimits } from "./watch.ts"

export const STALL_DEFAULTS = { firstTokenMs: 60_000, idleMs: 60_000, reasoningFirstTokenMs: 300_000, reasoningIdleMs: 300_000 } as const

const ms = (what: string) =>
  z
    .int()
    .min(0)
    .max(3_600_000)
    .meta({ description: `${what} (ms). 0 turns it off.` })

const override = z
  .strictObject({
    firstTokenMs: ms("How long a request may wait for its first token").optional(),
    idleMs: ms("How long a stream may pause between two tokens").optional(),
  })
  .meta({ description: "Limits for these requests; a key left out keeps the value that applies otherwise." })

export const stallSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: "Watch model requests for silence at all." }),
    firstTokenMs: ms("How long a request may wait for its first token (text, reasoning or a tool call)").default(STALL_DEFAULTS.firstTokenMs),
    idleMs: ms("How long a stream that has started may pause between two tokens").default(STALL_DEFAULTS.idleMs),
    reasoningFirstTokenMs: ms("The same, for models the host marks as reasoning models").default(STALL_DEFAULTS.reasoningFirstTokenMs),
    reasoningIdleMs: ms("The same, for models the host marks as reasoning models").default(STALL_DEFAULTS.reasoningIdleMs),
    retrySameModel: z
      .boolean()
      .default(false)
      .meta({ description: "After a stall, send the turn to the same model once more before moving on. (With no other model left, it is retried once anyway.)" }),
    models: z
      .record(z.string().regex(/^[^/\s]+\/\S+$/, 'expected "provider/model" or "provider/*"'), override)
      .default({})
      .meta({ description: 'Per model ("provider/model") or per provider ("provider/*"). Checked first.' }),
    agents: z.record(z.string().min(1), override).default({}).meta({ description: 'Per agent ("<agent name>"), e.g. a slow planning agent. Checked after models.' }),
  })
  .prefault({})
  .meta({
    description:
      "Stall rescue: a model that accepts a request and then sends nothing, or stops in the middle of an answer, is abandoned and the turn moves on (replayed, or continued after tool calls). Time spent running tools or waiting for you is never counted.",
  })

export type StallConfig = z.output<typeof stallSchema>

/** The limits for one request: per model, then per provider, then per agent, then the reasoning or plain defaults. */
export function stallLimits(c: StallConfig, model: ModelRef | undefined, agent: string | undefined, reasoning: boolean): StallLimits {
  if (!c.enabled) return {}
  const base: StallLimits = reasoning ? { firstTokenMs: c.reasoningFirstTokenMs, idleMs: c.reasoningIdleMs } : { firstTokenMs: c.firstTokenMs, idleMs: c.idleMs }
  const layers = [agent !== undefined ? c.agents[agent] : undefined, model ? c.models[`${model.providerID}/*`] : undefined, model ? c.models[modelKey(model)] : undefined]
  const out = { ...base }
  for (const l of layers) {
    if (l?.firstTokenMs !== undefined) out.firstTokenMs = l.firstTokenMs
    if (l?.idleMs !== undefined) out.idleMs = l.idleMs
  }
  return out
}
