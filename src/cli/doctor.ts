// `doctor`: which config files exist and whether they are valid, the chain each agent / model / default
// resolves to and where it was written (runtime-fallback.jsonc, or `fallback_models` on an agent in the host's
// own config: opencode-config.ts), other mechanisms that re-send failed turns and which one acts, the model
// health in the state file, and whether the installed opencode is a version this plugin runs on (see
// host-check.ts). Exit code: 0 all good, 1 config invalid, 3 valid but with warnings (see main.ts).
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { configCandidates, loadConfig, type ConfigIssue, type LoadOptions } from "../config/load.ts"
import type { ChainEntry, RuntimeFallbackConfig } from "../config/schema.ts"
import { candidateOrder, choiceKey, configuredChain, entryToChoice } from "../fallback/chain.ts"
import type { HealthEntry } from "../fallback/health.ts"
import { defaultStateFile, readHealthFile } from "../fallback/health-store.ts"
import { redact } from "../failure/redact.ts"
import { describeModel, modelKey, parseModelString, type ModelChoice } from "../payload/model.ts"
import { EXIT_CONFIG_INVALID, EXIT_OK, EXIT_WARNING } from "./explain.ts"
import { columns, formatWait, relative, style, type CliIo } from "./format.ts"
import { checkHost, hostWarning, type HostCheck } from "./host-check.ts"
import { readOpencodeConfig } from "./opencode-config.ts"
import { parseAgentChain } from "../config/agent-chains.ts"
import { detectNeighbours, type Neighbour } from "../config/neighbours.ts"
import { readLayer } from "../config/load.ts"

export type DoctorOptions = { directory?: string; json?: boolean; version?: string; /** opencode binary to check (default $OPENCODE_BIN, else PATH) */ opencode?: string }

export type DoctorFile = { kind: "user" | "project"; file: string; found: boolean; valid?: boolean; ignored?: boolean }
/** `scope` "agent-field": `fallback_models` written on the agent in the host's config. `source`: file and key. */
export type DoctorChain = { scope: "agent" | "agent-field" | "model" | "default"; key: string; models: string[]; source?: string }
/** Other mechanisms that re-send failed turns, and which one acts on a failure. */
export type DoctorNeighbours = { found: Neighbour[]; acting: "this plugin" | "the other" | "both" }
export type DoctorHealth = HealthEntry & { cooling: boolean; leftMs: number }

export type DoctorReport = {
  version?: string
  directory: string
  host: HostCheck
  files: DoctorFile[]
  issues: ConfigIssue[]
  enabled?: boolean
  chains: DoctorChain[]
  neighbours: DoctorNeighbours
  stateFile: string
  health: DoctorHealth[]
  warnings: string[]
  exitCode: number
}

const PRIMARY = "(primary)"

export function doctorReport(o: DoctorOptions, io: CliIo): DoctorReport {
  const directory = resolve(io.cwd, o.directory ?? ".")
  const loadOptions: LoadOptions = { directory, env: io.env, ...(io.home ? { home: io.home } : {}) }
  const warnings: string[] = []
  const hostCheck = checkHost({ opencode: o.opencode, env: io.env })
  const unsupported = hostWarning(hostCheck)
  if (unsupported) warnings.push(unsupported)
  else if (hostCheck.bin && hostCheck.problem) warnings.push(`could not check the opencode version: ${hostCheck.problem}`)
  const loaded = loadConfig(loadOptions)
  const issues = loaded.ok ? [] : loaded.issues
  for (const w of loaded.warnings) warnings.push(`${w.file}: ${w.path}: ${w.message}`)

  const files: DoctorFile[] = []
  for (const { kind, files: candidates } of configCandidates(loadOptions)) {
    const present = candidates.filter((f) => existsSync(f))
    if (!present.length) files.push({ kind, file: candidates[0]!, found: false })
    present.forEach((file, i) => {
      if (i > 0) {
        files.push({ kind, file, found: true, ignored: true })
        warnings.push(`${file} is ignored: ${present[0]} takes precedence (keep one of them)`)
      } else files.push({ kind, file, found: true, valid: !issues.some((x) => x.file === file) })
    })
  }

  const config = loaded.ok ? loaded.config : undefined
  const host = readOpencodeConfig({ directory, env: io.env, home: io.home })
  for (const p of host.problems) warnings.push(p)
  const chains = config ? resolvedChains(config, warnings, layerFiles(loaded.layers)) : []
  if (config) chains.splice(chains.findIndex((c) => c.scope !== "agent"), 0, ...agentFieldChains(config, host.chains, warnings))
  if (config && !chains.some((c) => c.models.length > 1)) warnings.push("no chains configured: a failing model has nothing to fall back to (set chains.default, chains.models or chains.agents, or fallback_models on an agent)")
  if (config && !config.enabled) warnings.push("the plugin is disabled (enabled: false)")
  const found = detectNeighbours({ plugins: host.plugins, directory, env: io.env, home: io.home })
  const neighbours: DoctorNeighbours = { found, acting: !found.length ? "this plugin" : config?.neighbours === "act" ? "both" : "the other" }
  if (found.length)
    warnings.push(
      neighbours.acting === "both"
        ? `${found.map((n) => n.peer).join(" and ")} also re-sends failed turns (${found.map((n) => n.where).join("; ")}) and "neighbours" is "act": a failed turn may be re-sent twice; turn one of them off`
        : `${found.map((n) => n.peer).join(" and ")} re-sends failed turns (${found.map((n) => n.where).join("; ")}): this plugin stands back; to use it instead, turn that off (or set "neighbours": "act" to run both)`,
    )

  const stateFile = config?.cooldown.stateFile ?? defaultStateFile(io.env)
  const now = io.now()
  const health = readHealthFile(stateFile, (m) => warnings.push(m))
    .map((e) => ({ ...e, message: redact(e.message), cooling: e.until > now, leftMs: Math.max(0, e.until - now) }))
    .sort((a, b) => b.until - a.until)
  for (const h of health)
    if (h.cooling)
      warnings.push(
        h.scope === "provider"
          ? `every model of ${h.model.slice(0, h.model.indexOf("/"))} is cooling down for ${formatWait(h.leftMs)} (${h.code} on ${h.model}); fallbacks skip them until then`
          : `${h.model} is cooling down for ${formatWait(h.leftMs)} (${h.code}); fallbacks skip it until then`,
      )

  const exitCode = issues.length ? EXIT_CONFIG_INVALID : warnings.length ? EXIT_WARNING : EXIT_OK
  return { version: o.version, directory, host: hostCheck, files, issues, enabled: config?.enabled, chains, neighbours, stateFile, health, warnings, exitCode }
}

/** The runtime-fallback files that were read, user first (the inline plugin options are not seen here). */
function layerFiles(layers: ReadonlyArray<{ file: string; found: boolean; kind: string }>): string[] {
  return layers.filter((l) => l.found && l.kind !== "inline").map((l) => l.file)
}

/** The last of `files` whose config has a non-empty list at `path` (where a merged chain came from). */
function sourceOf(files: readonly string[], path: readonly string[]): string | undefined {
  let out: string | undefined
  for (const f of files) {
    const r = readLayer(f)
    let v: unknown = r.ok ? r.value : undefined
    for (const k of path) v = v && typeof v === "object" && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined
    if (Array.isArray(v) && v.length) out = f
  }
  return out
}

/** Chains written as `fallback_models` on agents: shown where they apply, their bad entries as warnings. */
function agentFieldChains(config: RuntimeFallbackConfig, written: ReturnType<typeof readOpencodeConfig>["chains"], warnings: string[]): DoctorChain[] {
  const out: DoctorChain[] = []
  for (const w of written) {
    const source = `${w.file} ${w.path}`
    const parsed = parseAgentChain(w.value, source, "")
    for (const i of parsed.issues) warnings.push(`${source}${i.path}: ${i.message} (the entry is ignored)`)
    if (!parsed.entries.length) continue
    const own = Object.hasOwn(config.chains.agents, w.agent) ? config.chains.agents[w.agent]! : []
    if (own.length) {
      warnings.push(`${source} is not used: chains.agents[${JSON.stringify(w.agent)}] in runtime-fallback.jsonc takes precedence`)
      continue
    }
    out.push({ scope: "agent-field", key: w.agent, models: [PRIMARY, ...parsed.entries.map(entryToChoice).filter((m): m is ModelChoice => !!m).map(describeModel)], source })
  }
  return out
}

function resolvedChains(config: RuntimeFallbackConfig, warnings: string[], files: readonly string[] = []): DoctorChain[] {
  const c = config.chains
  const out: DoctorChain[] = []
  const checkDuplicates = (label: string, list: readonly ChainEntry[]) => {
    const seen = new Set<string>()
    for (const e of list) {
      const m = entryToChoice(e)
      if (!m) continue
      const k = choiceKey(m)
      if (seen.has(k)) warnings.push(`${label} lists ${describeModel(m)} more than once`)
      seen.add(k)
    }
  }
  for (const [agent, list] of Object.entries(c.agents)) {
    checkDuplicates(`chains.agents[${JSON.stringify(agent)}]`, list)
    if (!list.length) warnings.push(`chains.agents[${JSON.stringify(agent)}] is empty, so that agent uses the model or default chain`)
    out.push({ scope: "agent", key: agent, models: [PRIMARY, ...configuredChain(c, agent, undefined).models.map(describeModel)], source: withKey(sourceOf(files, ["chains", "agents", agent]), `chains.agents.${agent}`) })
  }
  for (const [key, list] of Object.entries(c.models)) {
    const primary = parseModelString(key)
    if (!primary) continue
    const label = `chains.models[${JSON.stringify(key)}]`
    checkDuplicates(label, list)
    for (const e of list) {
      const m = entryToChoice(e)
      if (m && !m.variant && modelKey(m) === modelKey(primary)) warnings.push(`${label} names its own model ${key}; a model is never its own fallback`)
    }
    if (!list.length) warnings.push(`${label} is empty, so ${key} uses the default chain`)
    out.push({ scope: "model", key, models: candidateOrder(c, undefined, primary).map(describeModel), source: withKey(sourceOf(files, ["chains", "models", key]), `chains.models["${key}"]`) })
  }
  checkDuplicates("chains.default", c.default)
  out.push({ scope: "default", key: "default", models: [PRIMARY, ...c.default.map(entryToChoice).filter((m): m is ModelChoice => !!m).map(describeModel)], source: withKey(sourceOf(files, ["chains", "default"]), "chains.default") })
  return out
}

const withKey = (file: string | undefined, key: string) => (file ? `${file} ${key}` : undefined)

export function doctor(o: DoctorOptions, io: CliIo): number {
  const r = doctorReport(o, io)
  if (o.json) {
    io.out(JSON.stringify(r, null, 2) + "\n")
    return r.exitCode
  }
  const s = style(io.color)
  const now = io.now()
  const lines: string[] = [s.bold(`opencode-turn-fallback doctor${r.version ? ` ${r.version}` : ""}`), `project: ${r.directory}`, "", s.bold("OpenCode host")]
  const h = r.host
  if (h.version)
    lines.push(
      `  opencode ${h.version} ${s.dim(`(${h.bin})`)}: ` +
        (h.inRange ? s.green(`in the supported range ${h.range}`) : h.inRange === false ? s.red(`NOT in the supported range ${h.range}: the host will not load this plugin`) : s.yellow(`cannot compare with ${h.range}`)),
    )
  else if (h.bin) lines.push(`  ${s.yellow(`could not read the version: ${h.problem}`)}`, s.dim(`  supported: opencode ${h.range}`))
  else lines.push(s.dim(`  ${h.problem}; pass --opencode <path> (or set OPENCODE_BIN) to check its version against ${h.range}`))
  lines.push("", s.bold("Config files"))
  lines.push(
    columns(
      r.files.map((f) => [
        f.kind,
        f.file,
        !f.found ? s.dim("not found") : f.ignored ? s.yellow("ignored") : f.valid ? s.green("valid") : s.red("INVALID"),
      ]),
    ),
  )
  if (!r.files.some((f) => f.found)) lines.push(s.dim("  no config file: defaults apply (opencode.json plugin options are not checked here)"))

  if (r.issues.length) {
    lines.push("", s.bold(s.red("Config issues")))
    const byFile = new Map<string, Set<string>>()
    for (const i of r.issues) {
      const set = byFile.get(i.file) ?? new Set<string>()
      set.add(`${i.path ? i.path + ": " : ""}${i.message}`)
      byFile.set(i.file, set)
    }
    for (const [file, messages] of byFile) lines.push(`  ${file}`, ...[...messages].map((m) => `    ${m}`))
  }

  if (r.chains.length) {
    lines.push("", s.bold("Chains") + s.dim(" (checked in this order: agent, agent's fallback_models, then the primary model, then default)"))
    lines.push(
      columns(
        r.chains.map((c) => [
          c.scope === "agent-field" ? "agent (fallback_models)" : c.scope,
          c.scope === "default" ? "" : c.key,
          c.models.length > 1 ? c.models.join(" → ") : `${c.models[0]} ${s.dim("(no fallback)")}`,
          c.source ? s.dim(`from ${c.source}`) : "",
        ]),
      ),
    )
  }

  lines.push("", s.bold("Other fallback mechanisms"))
  if (!r.neighbours.found.length) lines.push(s.dim("  none found: this plugin acts on failures"))
  else {
    for (const n of r.neighbours.found) lines.push(`  ${n.peer} ${s.dim(`(${n.where})`)}`)
    lines.push(
      r.neighbours.acting === "both"
        ? `  ${s.yellow('both act ("neighbours": "act"): a failed turn may be re-sent twice')}`
        : `  ${s.yellow("it acts on failures; this plugin stands back")} ${s.dim('(turn it off to use this plugin, or set "neighbours": "act")')}`,
    )
  }

  lines.push("", s.bold("Model health") + s.dim(` (${r.stateFile})`))
  if (!r.health.length) lines.push(s.dim("  no failures recorded"))
  else
    lines.push(
      columns(
        r.health.map((h) => [
          h.scope === "provider" ? `${h.key ?? h.model} (every model; from ${h.model})` : h.source === "breaker" ? `${h.model} (breaker)` : h.model,
          h.cooling ? s.yellow(`cooling, ${formatWait(h.leftMs)} left`) : s.dim(`ok, cooldown ended ${relative(h.until, now)}`),
          `until ${new Date(h.until).toISOString()}`,
          h.code,
          `strikes ${h.strikes}`,
          h.message,
        ]),
      ),
    )

  lines.push("")
  if (r.warnings.length) {
    lines.push(s.bold(s.yellow(`Warnings (${r.warnings.length})`)))
    for (const w of r.warnings) lines.push(`  ! ${w}`)
    lines.push("")
  }
  const verdict =
    r.exitCode === EXIT_CONFIG_INVALID ? s.red("config invalid: the plugin stays inactive until it is fixed") : r.exitCode === EXIT_WARNING ? s.yellow("config valid, with warnings") : s.green("all good")
  lines.push(`Result: ${verdict} (exit ${r.exitCode})`)
  io.out(lines.join("\n") + "\n")
  return r.exitCode
}
