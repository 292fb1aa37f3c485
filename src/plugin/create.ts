// Composition: config → model health (+ state file) → prompt gate → runtime → host hooks. Used by server.ts
// (the real host) and by tests and benchmarks (with a fake client and a manual clock).
import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { formatIssues, issueLines, loadConfig, type ConfigIssue, type LoadOptions } from "../config/load.ts"
import { scheduleStartupNotice, type StartupNotice } from "./startup-notice.ts"
import { DEFAULT_CONFIG, type RuntimeFallbackConfig } from "../config/schema.ts"
import { createModelHealth, type ModelHealth } from "../fallback/health.ts"
import { defaultStateFile } from "../fallback/health-store.ts"
import { createFileStore, type FileStore } from "../fallback/health-sync.ts"
import { nodeId } from "../fallback/hlc.ts"
import { createPromptGate, type PromptGate } from "../gate/index.ts"
import { systemClock, type Clock } from "../host/clock.ts"
import type { HostClient } from "../host/client.ts"
import { createLogger, type Logger } from "../host/logger.ts"
import { createRuntime, type HostMode, type Runtime } from "../runtime/runtime.ts"
import { registerStatusCommand } from "../runtime/status.ts"
import { hostFacts, type HostFacts } from "../host/facts.ts"
import { readHostVersion } from "../host/version.ts"
import { detectNeighbours, type Neighbour } from "../config/neighbours.ts"
import { renderNotice } from "../notices/text.ts"
import type { Notice } from "../notices/types.ts"

export type PluginDeps = {
  /** The user's home (tests): where oh-my-openagent's ~/.omo config is looked for. */
  home?: string
  clock?: Clock
  random?: () => number
  env?: Record<string, string | undefined>
  /** Skip the config files (tests pass a config directly). */
  config?: RuntimeFallbackConfig
  /** Share one health registry between plugin instances (tests); default: one per process. */
  health?: ModelHealth
  mode?: HostMode
  logger?: Logger
  /** The running host's facts (tests); default: read from the host binary's version. */
  facts?: HostFacts
}

/** Strikes of a model whose cooldown ended this long ago no longer count. */
const HEALTH_MEMORY_MS = 24 * 3_600_000
/** A success's clear stays in the file this long, so a slower process's older cooldown cannot resurrect. */
const CLEAR_KEEP_MS = 3_600_000
/** At exit, wait this long for the state file's lock so the last cooldown is saved (`opencode run`). */
const EXIT_FLUSH_MS = 500

let processHealth: { file: string; health: ModelHealth; store: FileStore } | undefined

/** One health registry per process and state file, shared by every plugin instance (one per directory). */
function sharedHealth(config: RuntimeFallbackConfig, env: Record<string, string | undefined>, logger: Logger, clock: Clock): ModelHealth {
  const file = config.cooldown.stateFile ?? defaultStateFile(env)
  if (processHealth?.file === file) return processHealth.health
  processHealth?.store.flush(EXIT_FLUSH_MS)
  const node = nodeId()
  const store = createFileStore({
    file,
    clock,
    node,
    prune: { memoryMs: HEALTH_MEMORY_MS, clearKeepMs: CLEAR_KEEP_MS, maxMs: Math.max(config.cooldown.maxMs, config.breaker.maxCooldownMs) },
    log: (level, message) => logger.log(level, message),
  })
  const health = createModelHealth(config.cooldown, { store, breaker: config.breaker, node })
  health.entries(clock.now()) // first read now, not in the first turn
  if (!processHealth) process.once("exit", () => processHealth?.store.flush(EXIT_FLUSH_MS))
  processHealth = { file, health, store }
  return health
}

/** Config keys already reported as ignored in this process (one log line and one notice each). */
const reportedIgnored = new Set<string>()

function warnIgnoredKeys(warnings: readonly ConfigIssue[], logger: Logger, clock: Clock): StartupNotice | undefined {
  const fresh = warnings.filter((w) => !reportedIgnored.has(`${w.file}\0${w.path}`))
  if (!fresh.length) return undefined
  for (const w of fresh) if (reportedIgnored.size < 64) reportedIgnored.add(`${w.file}\0${w.path}`)
  logger.log("warn", `config: ${formatIssues(fresh)}`)
  return scheduleStartupNotice({ logger, clock, variant: "warning", title: "Runtime fallback: config key ignored", lines: issueLines(fresh) })
}

let factsNoted = false

/** The facts of the host this process runs in (its binary's version); a guess is logged once per process. */
function runningHostFacts(logger: Logger): HostFacts {
  const facts = hostFacts(readHostVersion().version)
  if (facts.note && !factsNoted) {
    factsNoted = true
    logger.log("info", facts.note)
  }
  return facts
}

/** `opencode run` is one-shot: it exits at the first idle (argv: <bun> <entry> run …). */
export function detectHostMode(argv: readonly string[] = process.argv): HostMode {
  return argv.slice(1, 4).includes("run") ? "run" : "serve"
}

export type Instance = { hooks: Hooks; runtime?: Runtime; gate?: PromptGate; config?: RuntimeFallbackConfig; error?: string; /** the neighbour this plugin stands back for, once the `config` hook ran */ standingBack?: () => Neighbour | undefined }

export function createInstance(input: Pick<PluginInput, "client" | "directory">, options: unknown, deps: PluginDeps = {}): Instance {
  const env = deps.env ?? process.env
  const client = tracedClient(input.client as unknown as HostClient, env.ORF_TRACE_FILE)
  const clock = deps.clock ?? systemClock
  let config = deps.config
  let startupNotice: StartupNotice | undefined
  const bootLogger = deps.logger ?? createLogger({ client, directory: input.directory, traceFile: env.ORF_TRACE_FILE, now: () => clock.now() })
  if (!config) {
    const loaded = loadConfig({ directory: input.directory, env, options: options ?? undefined } satisfies LoadOptions)
    if (!loaded.ok) {
      const error = `invalid config, plugin inactive until fixed: ${formatIssues(loaded.issues)}`
      bootLogger.log("error", error)
      // Inactive but loaded: the notice waits for a TUI to be there, and comes again at the first prompt if needed.
      const notice = scheduleStartupNotice({ logger: bootLogger, clock, variant: "error", title: "Runtime fallback: config error, plugin inactive until fixed", lines: issueLines(loaded.issues) })
      return {
        error,
        hooks: {
          "chat.message": async () => notice.onPrompt(),
          dispose: async () => notice.dispose(),
        },
      }
    }
    config = loaded.config
    startupNotice = warnIgnoredKeys(loaded.warnings, bootLogger, clock)
  }
  if (!config.enabled) {
    bootLogger.log("info", "disabled by config (enabled: false)")
    return { hooks: {}, config }
  }
  const logger = deps.logger ?? createLogger({ client, directory: input.directory, debug: config.debug, traceFile: env.ORF_TRACE_FILE, now: () => clock.now() })
  const health = deps.health ?? sharedHealth(config, env, logger, clock)
  const gate = createPromptGate({ client, clock, log: (level, message, extra) => logger.log(level, `gate: ${message}`, extra) })
  const facts = deps.facts ?? runningHostFacts(logger)
  const runtime = createRuntime({ client, rawClient: input.client, directory: input.directory, config, clock, random: deps.random, logger, health, gate, mode: deps.mode ?? detectHostMode(), facts })
  const onDelta = runtime.streamDelta
  const cfg = config
  /** Another mechanism re-sends failed turns and `neighbours` is "yield": this plugin does nothing on failures. */
  let standBack: Neighbour | undefined
  /** The neighbour notice, shown once when the user next sends a message (a TUI may attach after start-up). */
  let pendingNotice: Notice | undefined
  const hooks: Hooks = {
    config: async (hostConfig) => {
      try {
        registerStatusCommand(hostConfig)
      } catch (err) {
        logger.errorOnce("config-hook", "registering the /fallback command failed", err)
      }
      try {
        const issues = runtime.hostConfig(hostConfig)
        if (issues.length) {
          logger.log("warn", `config: ${formatIssues(issues)}`)
          logger.toast("warning", `Ignored fallback_models entries: ${formatIssues(issues)}`, { title: "Runtime fallback: config" })
        }
        const found = detectNeighbours({ plugins: (hostConfig as { plugin?: unknown } | undefined)?.plugin, directory: input.directory, env, home: deps.home })
        if (!found.length) return
        const peer = found[0]!
        const notice: Notice = { type: "neighbour", peer: found.map((n) => n.peer).join(" and "), where: found.map((n) => n.where).join("; "), acting: cfg.neighbours === "act" ? "both" : "peer" }
        if (cfg.neighbours === "yield") standBack = peer
        logger.log("warn", renderNotice(notice))
        pendingNotice = notice
      } catch (err) {
        logger.errorOnce("config-hook", "config hook failed", err)
      }
    },
    event: async (i) => {
      // Hot path: the host calls this once per streamed token. Only the stall watch hears of it.
      const e = (i as { event?: { type?: unknown; properties?: { sessionID?: unknown } } } | undefined)?.event
      if (e?.type === "message.part.delta") {
        if (!standBack) onDelta(e.properties?.sessionID)
        return
      }
      if (standBack) return
      runtime.event(i)
    },
    "chat.message": async (i, o) => {
      startupNotice?.onPrompt()
      if (pendingNotice) {
        const n = pendingNotice
        pendingNotice = undefined
        if (cfg.notify.toasts) logger.toast("warning", renderNotice(n), { title: "Runtime fallback" })
      }
      if (standBack) return
      runtime.chatMessage(i, o)
    },
    "chat.params": async (i, o) => {
      if (standBack) return
      return runtime.chatParams(i, o)
    },
    "command.execute.before": async (i, o) => runtime.commandBefore(i, o),
    "experimental.chat.messages.transform": async (i, o) => {
      if (standBack) return
      return runtime.transformMessages(i, o)
    },
    dispose: async () => {
      startupNotice?.dispose()
      runtime.dispose()
      if (!deps.health) processHealth?.store.flush(EXIT_FLUSH_MS)
    },
  }
  return { hooks, runtime, gate, config, standingBack: () => standBack }
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
  const config = (client as { config?: object }).config
  return { ...client, session: wrap(client.session, "session")!, tui: wrap(client.tui, "tui"), app: wrap(client.app, "app"), ...(config ? { config: wrap(config, "config") } : {}) } as HostClient
}
