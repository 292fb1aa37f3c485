// Composition: config → model health (+ state file) → prompt gate → runtime → host hooks. Used by server.ts
// (the real host) and by tests and benchmarks (with a fake client and a manual clock).
import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { formatIssues, loadConfig, type LoadOptions } from "../config/load.ts"
import { DEFAULT_CONFIG, type RuntimeFallbackConfig } from "../config/schema.ts"
import { createModelHealth, type ModelHealth } from "../fallback/health.ts"
import { defaultStateFile, readHealthFile, writeHealthFile } from "../fallback/health-store.ts"
import { createPromptGate, type PromptGate } from "../gate/index.ts"
import { systemClock, type Clock } from "../host/clock.ts"
import type { HostClient } from "../host/client.ts"
import { createLogger, type Logger } from "../host/logger.ts"
import { createRuntime, type HostMode, type Runtime } from "../runtime/runtime.ts"

export type PluginDeps = {
  clock?: Clock
  random?: () => number
  env?: Record<string, string | undefined>
  /** Skip the config files (tests pass a config directly). */
  config?: RuntimeFallbackConfig
  /** Share one health registry between plugin instances (tests); default: one per process. */
  health?: ModelHealth
  mode?: HostMode
  logger?: Logger
}

/** Strikes of a model whose cooldown ended this long ago no longer count. */
const HEALTH_MEMORY_MS = 24 * 3_600_000

let processHealth: { file: string; health: ModelHealth } | undefined

/** One health registry per process and state file, shared by every plugin instance (one per directory). */
function sharedHealth(config: RuntimeFallbackConfig, env: Record<string, string | undefined>, logger: Logger, clock: Clock): ModelHealth {
  const file = config.cooldown.stateFile ?? defaultStateFile(env)
  if (processHealth?.file === file) return processHealth.health
  const report = (message: string) => logger.log("warn", message)
  const health = createModelHealth(config.cooldown, (entries, removed) => writeHealthFile(file, entries, removed, report))
  health.merge(readHealthFile(file, report))
  health.prune(clock.now(), HEALTH_MEMORY_MS)
  processHealth = { file, health }
  return health
}

/** `opencode run` is one-shot: it exits at the first idle (argv: <bun> <entry> run …). */
export function detectHostMode(argv: readonly string[] = process.argv): HostMode {
  return argv.slice(1, 4).includes("run") ? "run" : "serve"
}

export type Instance = { hooks: Hooks; runtime?: Runtime; gate?: PromptGate; config?: RuntimeFallbackConfig; error?: string }

export function createInstance(input: Pick<PluginInput, "client" | "directory">, options: unknown, deps: PluginDeps = {}): Instance {
  const env = deps.env ?? process.env
  const client = tracedClient(input.client as unknown as HostClient, env.ORF_TRACE_FILE)
  const clock = deps.clock ?? systemClock
  let config = deps.config
  const bootLogger = deps.logger ?? createLogger({ client, directory: input.directory, traceFile: env.ORF_TRACE_FILE, now: () => clock.now() })
  if (!config) {
    const loaded = loadConfig({ directory: input.directory, env, options: options ?? undefined } satisfies LoadOptions)
    if (!loaded.ok) {
      const error = `invalid config, plugin inactive until fixed: ${formatIssues(loaded.issues)}`
      bootLogger.log("error", error)
      bootLogger.toast("error", error, { title: "Runtime fallback: config error" })
      // Inactive but loaded: remind once when the user next sends a message (a TUI may attach after init).
      let reminded = false
      return {
        error,
        hooks: {
          "chat.message": async () => {
            if (reminded) return
            reminded = true
            bootLogger.toast("error", error, { title: "Runtime fallback: config error" })
          },
        },
      }
    }
    config = loaded.config
  }
  if (!config.enabled) {
    bootLogger.log("info", "disabled by config (enabled: false)")
    return { hooks: {}, config }
  }
  const logger = deps.logger ?? createLogger({ client, directory: input.directory, debug: config.debug, traceFile: env.ORF_TRACE_FILE, now: () => clock.now() })
  const health = deps.health ?? sharedHealth(config, env, logger, clock)
  const gate = createPromptGate({ client, clock, log: (level, message, extra) => logger.log(level, `gate: ${message}`, extra) })
  const runtime = createRuntime({ client, rawClient: input.client, directory: input.directory, config, clock, random: deps.random, logger, health, gate, mode: deps.mode ?? detectHostMode() })
  const hooks: Hooks = {
    event: async (i) => {
      // Hot path: the host calls this once per streamed token. Leave before any other work.
      if ((i as { event?: { type?: unknown } } | undefined)?.event?.type === "message.part.delta") return
      runtime.event(i)
    },
    "chat.message": async (i, o) => runtime.chatMessage(i, o),
    "chat.params": async (i, o) => runtime.chatParams(i, o),
    "experimental.chat.messages.transform": (i, o) => runtime.transformMessages(i, o),
    dispose: async () => runtime.dispose(),
  }
  return { hooks, runtime, gate, config }
}

export { DEFAULT_CONFIG }

/**
 * With a trace file set (tests, debugging), every host call the plugin makes is traced by method name, so
 * end-to-end tests can check, for example, that a healthy turn costs no host calls at all.
 */
function tracedClient(client: HostClient, traceFile: string | undefined): HostClient {
  if (!traceFile) return client
  const trace = createLogger({ client, traceFile }).trace
  const wrap = <T extends object>(obj: T | undefined, prefix: string): T | undefined => {
    if (!obj) return obj
    return new Proxy(obj, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver)
        if (typeof v !== "function") return v
        return (...args: unknown[]) => {
          const a = args[0] as { path?: { id?: string }; body?: { extra?: { session?: unknown } } } | undefined
          trace({ call: `${prefix}.${String(key)}`, session: a?.path?.id ?? a?.body?.extra?.session })
          return v.apply(target, args)
        }
      },
    })
  }
  return { ...client, session: wrap(client.session, "session")!, tui: wrap(client.tui, "tui"), app: wrap(client.app, "app") } as HostClient
}
