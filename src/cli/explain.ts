// `explain`: classify one error the way the plugin would and say why: code, action, waits, the rule that
// matched, and the evidence that decided (the wait, the status, a body field, or a phrase of the wording). User rules come from --config <file>, else from the normally discovered user/project files.
// Failure.message is already redacted by classifyFailure; nothing else from the input is printed.
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { formatIssues, formatPath, loadConfig, readLayer, type ConfigIssue } from "../config/load.ts"
import { configSchema, DEFAULT_CONFIG, type RuntimeFallbackConfig } from "../config/schema.ts"
import { classifyFailure } from "../failure/classify.ts"
import type { Evidence, Failure, FailureAction } from "../failure/types.ts"
import { COOLING_CODES, cooldownFor, cooldownUntil, scopeOf } from "../fallback/health.ts"
import { columns, formatWait, style, when, type CliIo } from "./format.ts"

export const EXIT_OK = 0
export const EXIT_CONFIG_INVALID = 1
export const EXIT_USAGE = 2
export const EXIT_WARNING = 3

export type ExplainOptions = {
  /** Error text or JSON; "-" reads stdin. */
  input: string
  json?: boolean
  /** A runtime-fallback.jsonc file whose rules to use instead of the discovered config. */
  configFile?: string
  /** Project directory for config discovery (default: cwd). */
  directory?: string
}

export type ExplainResult = {
  failure: Failure
  config: { sources: string[]; userRules: number; issues: ConfigIssue[] }
}

const ACTION_TEXT: Record<FailureAction, string> = {
  retry: "retry the same model after a delay",
  fallback: "move to the next model in the chain now",
  stop: "stop: neither a retry nor another model helps; the error is shown",
}

const EVIDENCE_LABEL: Record<Evidence["kind"], string> = { wait: "wait", status: "status", field: "body field", wording: "wording", rule: "user rule" }

/** "wait 8s (retry hint in message); then wording "exceeded your current quota"": the deciding evidence first. */
export function describeEvidence(evidence: readonly Evidence[] | undefined): string {
  if (!evidence?.length) return "none"
  return evidence.map((e, i) => `${i === 0 ? "" : "then "}${EVIDENCE_LABEL[e.kind] ?? e.kind} ${e.detail}`).join("; ")
}

/** Parses JSON when the text is JSON, else keeps the text (classifyFailure also digs JSON out of text). */
export function parseErrorInput(text: string): unknown {
  const t = text.trim()
  if (/^[[{"]/.test(t)) {
    try {
      return JSON.parse(t)
    } catch {}
  }
  return t
}

/** The config explain uses, with where it came from and any problems (invalid config → defaults). */
export function explainConfig(o: ExplainOptions, io: CliIo): { config: RuntimeFallbackConfig; sources: string[]; issues: ConfigIssue[] } {
  if (o.configFile) {
    const file = resolve(io.cwd, o.configFile)
    if (!existsSync(file)) return { config: DEFAULT_CONFIG, sources: [], issues: [{ file, path: "", message: "file not found" }] }
    const layer = readLayer(file)
    if (!layer.ok) return { config: DEFAULT_CONFIG, sources: [file], issues: layer.issues }
    const r = configSchema.safeParse(layer.value)
    if (!r.success) return { config: DEFAULT_CONFIG, sources: [file], issues: zodIssues(r.error.issues, file) }
    return { config: r.data, sources: [file], issues: [] }
  }
  const loaded = loadConfig({ directory: resolve(io.cwd, o.directory ?? "."), env: io.env, ...(io.home ? { home: io.home } : {}) })
  const sources = loaded.layers.filter((l) => l.found).map((l) => l.file)
  return loaded.ok ? { config: loaded.config, sources, issues: [] } : { config: DEFAULT_CONFIG, sources, issues: loaded.issues }
}

export function zodIssues(list: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>, file: string): ConfigIssue[] {
  return list.map((i) => {
    const base = formatPath(i.path)
    if (i.code === "unrecognized_keys" && i.keys?.length) return { file, path: i.keys.map((k) => (base ? `${base}.${k}` : k)).join(", "), message: "unknown key" }
    return { file, path: base || "(top level)", message: i.message }
  })
}

export async function explain(o: ExplainOptions, io: CliIo): Promise<number> {
  const text = o.input === "-" ? await io.readStdin() : o.input
  if (!text.trim()) {
    io.err("explain: no error text given (pass it as an argument, or - to read stdin)\n")
    return EXIT_USAGE
  }
  const { config, sources, issues } = explainConfig(o, io)
  const now = io.now()
  const failure = classifyFailure(parseErrorInput(text), { rules: config.classify.rules, quotaRetryAfterMs: config.classify.quotaRetryAfterMs, now })
  const cools = COOLING_CODES.has(failure.code)
  const code = issues.length ? EXIT_CONFIG_INVALID : EXIT_OK

  if (o.json) {
    const out = {
      failure,
      decidedBy: failure.evidence?.[0] ? { kind: failure.evidence[0].kind, detail: failure.evidence[0].detail } : undefined,
      retryAfter: failure.retryAfterMs !== undefined ? formatWait(failure.retryAfterMs) : undefined,
      resetAt: failure.resetAt !== undefined ? new Date(failure.resetAt).toISOString() : undefined,
      cooldown: cools
        ? { ...(failure.resetAt && failure.resetAt > now ? { until: new Date(cooldownUntil(config.cooldown, failure, 1, now)).toISOString() } : { forMs: cooldownFor(config.cooldown, 1) }), scope: scopeOf(config.cooldown, failure.code) }
        : null,
      config: { sources, userRules: issues.length ? 0 : config.classify.rules.length, issues },
    }
    io.out(JSON.stringify(out, null, 2) + "\n")
    return code
  }

  const s = style(io.color)
  const rows: string[][] = [
    ["code", s.bold(failure.code)],
    ["action", `${failure.action} (${ACTION_TEXT[failure.action]})`],
  ]
  if (failure.statusCode !== undefined) rows.push(["status", String(failure.statusCode)])
  if (failure.retryAfterMs !== undefined) rows.push(["retry after", `${formatWait(failure.retryAfterMs)} (${failure.retryAfterMs} ms), at ${new Date(now + failure.retryAfterMs).toISOString()}`])
  if (failure.resetAt !== undefined) rows.push(["resets at", when(failure.resetAt, now)])
  if (cools) {
    const what = scopeOf(config.cooldown, failure.code) === "provider" ? "every model of the provider is" : "the model is"
    const until = cooldownUntil(config.cooldown, failure, 1, now)
    rows.push([
      "cooldown",
      failure.resetAt && failure.resetAt > now
        ? `${what} skipped until ${new Date(until).toISOString()}${until < failure.resetAt ? ` (capped by cooldown.maxMs)` : ""}`
        : `${what} skipped for ${formatWait(cooldownFor(config.cooldown, 1))} (longer on repeats)`,
    ])
  }
  rows.push(["rule", failure.rule], ["why", failure.reason], ["evidence", describeEvidence(failure.evidence)], ["message", failure.message])
  const ruleSource = issues.length
    ? s.red("built-in rules only: the config is invalid")
    : config.classify.rules.length
      ? `${config.classify.rules.length} user rule${config.classify.rules.length > 1 ? "s" : ""} (from ${sources.join(", ")}), then built-in`
      : `built-in${sources.length ? ` (no user rules in ${sources.join(", ")})` : " (no config file found)"}`
  rows.push(["rules", ruleSource])
  io.out(columns(rows, "") + "\n")
  if (issues.length) io.err(`${s.red("config invalid")}: ${formatIssues(issues)}\n`)
  return code
}
