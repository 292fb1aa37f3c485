// The config schema: the single source of truth. JSON Schema (schema.json, for editor completion via
// `$schema`) and the README's config reference are generated from it by script/schema.ts.
import { z } from "zod"
import { FAILURE_CODES } from "../failure/types.ts"
import { MAX_RULES_PROGRAM, ruleProgramSizes } from "../failure/user-rules.ts"
import { unsafePatternReason } from "./safe-regex.ts"
import { stallSchema } from "../stall/config.ts"

/** Codes that cool a model down (fallback/health.ts COOLING_CODES), the keys of `cooldown.scope`. */
const COOLING_CODE_KEYS = ["quota_exhausted", "payment_required", "model_missing", "auth"] as const

const modelString = z
  .string()
  .regex(/^[^/\s]+\/\S+$/, 'expected "provider/model", e.g. "anthropic/claude-sonnet-4"')
  .meta({ description: 'A model as "provider/model".' })

export const chainEntrySchema = z
  .union([
    modelString,
    z.strictObject({
      model: modelString,
      variant: z.string().min(1).optional().meta({ description: 'Variant (reasoning preset) to use with this model, e.g. "high".' }),
    }),
  ])
  .meta({ description: 'A fallback model: "provider/model", or { "model": "provider/model", "variant": "high" }.' })

const chain = z.array(chainEntrySchema).meta({ description: "Models to try in order after the failing one." })

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "Path or URL of schema.json, for editor completion." }),
    enabled: z.boolean().default(true).meta({ description: "Turn the plugin on or off without uninstalling it." }),
    chains: z
      .strictObject({
        default: chain.default([]).meta({ description: "Chain used when no agent or model chain applies." }),
        models: z
          .record(modelString, chain)
          .default({})
          .meta({ description: 'Chain for a given primary model: { "provider/model": [fallbacks…] }.' }),
        agents: z.record(z.string().min(1), chain).default({}).meta({ description: 'Chain for a given agent: { "<agent name>": [models…] }. Checked first.' }),
      })
      .prefault({})
      .meta({ description: "Fallback chains. Resolution order: agents[agent], then models[primary], then default." }),
    retry: z
      .strictObject({
        maxHostAttempts: z
          .int()
          .min(0)
          .max(20)
          .default(2)
          .meta({ description: "On a transient error, let the host retry this many times; after more attempts, move to the next model." }),
        maxHostWaitMs: z
          .int()
          .min(0)
          .default(30_000)
          .meta({ description: "If the host announces its next try further off than this, move to the next model now." }),
        backoffInitialMs: z.int().min(0).default(2_000).meta({ description: "First delay of the plugin's own same-model retries (for transient errors the host does not retry)." }),
        backoffMaxMs: z.int().min(0).default(32_000).meta({ description: "Longest delay of the plugin's own retries; a longer retry-after is capped to this." }),
        backoffMaxAttempts: z.int().min(0).max(10).default(5).meta({ description: "At most this many own same-model retries per turn, then move on." }),
        jitter: z.number().min(0).max(1).default(0.2).meta({ description: "Random spread added to each own retry delay (0.2 = up to +20 %)." }),
      })
      .prefault({})
      .meta({ description: "Transient errors: how long to stay on the same model." }),
    classify: z
      .strictObject({
        quotaRetryAfterMs: z
          .int()
          .min(0)
          .default(60_000)
          .meta({ description: "A rate limit asking to wait longer than this counts as an exhausted quota (move on)." }),
        rules: z
          .array(
            z
              .strictObject({
                match: z.string().min(1).max(1_000).meta({ description: "Substring (case-insensitive) or, with regex: true, a regular expression." }),
                regex: z
                  .boolean()
                  .default(false)
                  .meta({
                    description:
                      "Treat `match` as a regular expression (case-insensitive; JavaScript syntax without back-references or lookaround) instead of a substring. Patterns that can backtrack catastrophically, such as (a+)+ or (a|a)*, are refused, and all regex rules together must stay small (500 matcher steps; `explain` shows what a rule matches). A rule sees at most the first 2048 characters of the error.",
                  }),
                code: z.enum(FAILURE_CODES).meta({ description: "Failure code to assign when the rule matches." }),
                action: z.enum(["retry", "fallback", "stop"]).optional().meta({ description: "Override the code's default action." }),
              })
              .superRefine((rule, ctx) => {
                if (!rule.regex) return
                const why = unsafePatternReason(rule.match)
                if (why) ctx.addIssue({ code: "custom", path: ["match"], message: `regex refused: ${why}` })
              }),
          )
          .max(100)
          .superRefine((rules, ctx) => {
            const sizes = ruleProgramSizes(rules)
            let total = 0
            sizes.forEach((size, i) => {
              total += size ?? 0
              if (size !== undefined && size > 0 && total > MAX_RULES_PROGRAM)
                ctx.addIssue({ code: "custom", path: [i, "match"], message: `regex refused: the regex rules together are too large (${total} matcher steps; at most ${MAX_RULES_PROGRAM}); simplify them or use substring rules` })
            })
          })
          .default([])
          .meta({ description: "Your own rules, checked before the built-in table. Test them with `opencode-turn-fallback explain`." }),
      })
      .prefault({})
      .meta({ description: "How provider errors are classified." }),
    cooldown: z
      .strictObject({
        baseMs: z.int().min(0).default(15 * 60_000).meta({ description: "Cooldown of a model that failed with quota, payment, missing model or auth, when the error names no reset time." }),
        factor: z.number().min(1).default(2).meta({ description: "Each repeated failure multiplies the cooldown by this." }),
        maxMs: z.int().min(0).default(6 * 3_600_000).meta({ description: "Longest cooldown." }),
        scope: z
          .partialRecord(z.enum(COOLING_CODE_KEYS), z.enum(["model", "provider"]))
          .default({})
          .meta({
            description:
              'What a cooldown covers, per failure code: "model" (only that model) or "provider" (every model of its provider: the account is out of credits or its key is refused). Defaults: payment_required and auth "provider", quota_exhausted and model_missing "model". Example: { "quota_exhausted": "provider" }.',
          }),
        stateFile: z
          .string()
          .optional()
          .meta({
            description:
              "Where model health is kept across restarts and shared between OpenCode processes. Default: $XDG_STATE_HOME/opencode/runtime-fallback/model-health.json. Only the user config and the plugin options may set it; the project config cannot.",
          }),
      })
      .prefault({})
      .meta({ description: "Model health shared by all sessions: models that cannot serve are skipped until their cooldown ends." }),
    breaker: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Skip a model that keeps failing with transient errors (overloads, 5xx) for a while, across sessions." }),
        codes: z
          .array(z.enum(FAILURE_CODES))
          .default(["overloaded", "server_error", "timeout", "stalled"])
          .meta({ description: "Failure codes the breaker counts." }),
        failures: z.int().min(1).max(100).default(5).meta({ description: "Failed attempts of one model within `windowMs` (any session) that open its breaker." }),
        windowMs: z.int().min(1_000).default(60_000).meta({ description: "The window in which failures are counted." }),
        cooldownMs: z.int().min(0).default(60_000).meta({ description: "How long new turns skip the model once the breaker opens; then one turn probes it." }),
        factor: z.number().min(1).default(2).meta({ description: "Each failed probe multiplies the cooldown by this." }),
        maxCooldownMs: z.int().min(0).default(15 * 60_000).meta({ description: "Longest breaker cooldown." }),
        probeTimeoutMs: z.int().min(1_000).default(120_000).meta({ description: "A probe turn that reports neither success nor failure within this lets another turn probe." }),
      })
      .prefault({})
      .meta({ description: "Circuit breaker for transient trouble: when a model keeps failing, new turns go straight to the next model until one probe turn finds it healthy again." }),
    stall: stallSchema,
    limits: z
      .strictObject({
        maxDispatchesPerTurn: z.int().min(1).max(20).default(6).meta({ description: "At most this many re-dispatches (fallbacks and own retries) per user turn." }),
      })
      .prefault({})
      .meta({ description: "Hard bounds that keep the plugin from looping." }),
    subagents: z
      .strictObject({
        resultTimeoutMs: z.int().min(1_000).default(300_000).meta({ description: "How long a parent waits for a subagent's fallback answer before it gets an error." }),
      })
      .prefault({})
      .meta({ description: "Delegated subagent sessions (the task tool)." }),
    notify: z
      .strictObject({
        toasts: z.boolean().default(true).meta({ description: "Show a toast when a turn moves to another model or a chain is exhausted." }),
      })
      .prefault({})
      .meta({ description: "User-visible notices." }),
    neighbours: z
      .enum(["yield", "act"])
      .default("yield")
      .meta({
        description:
          'What to do when another mechanism in the same OpenCode re-sends failed turns (oh-my-openagent\'s runtime_fallback, or a fallback plugin such as opencode-rate-limit-fallback): "yield" (default) lets it act and this plugin stands back, so a failed turn is re-sent once; "act" makes this plugin act as well (only when you have turned the other off some way it cannot see). `doctor` shows what was found.',
      }),
    debug: z.boolean().default(false).meta({ description: "Log every decision at debug level (never prompt text or secrets)." }),
  })
  .meta({ title: "opencode-turn-fallback config", description: "Config of the opencode-turn-fallback plugin." })

export type RuntimeFallbackConfig = z.output<typeof configSchema>
export type RuntimeFallbackConfigInput = z.input<typeof configSchema>
export type ChainEntry = z.output<typeof chainEntrySchema>

export const DEFAULT_CONFIG: RuntimeFallbackConfig = configSchema.parse({})
