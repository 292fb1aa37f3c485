// Finds, parses (JSONC), validates and merges the config layers. Merge order, later wins:
//   1. user:    $XDG_CONFIG_HOME/opencode/runtime-fallback.jsonc|json (default ~/.config/opencode/)
//   2. project: <project>/.opencode/runtime-fallback.jsonc|json
//   3. inline:  the options of the opencode.json tuple ["opencode-turn-fallback", {…}]
// Each layer is validated on its own so an error names the file it is in. Objects merge key by key; arrays
// and scalars are replaced. Never throws: problems come back as readable issues.
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser"
import { configSchema, type RuntimeFallbackConfig } from "./schema.ts"

export const CONFIG_BASENAME = "runtime-fallback"
export const INLINE_SOURCE = "opencode.json plugin options"

export type ConfigLayer = { kind: "user" | "project" | "inline"; file: string; found: boolean }
export type ConfigIssue = { file: string; path: string; message: string }

export type LoadedConfig =
  | { ok: true; config: RuntimeFallbackConfig; layers: ConfigLayer[] }
  | { ok: false; issues: ConfigIssue[]; layers: ConfigLayer[] }

export type LoadOptions = {
  /** PluginInput.directory: the project the host instance serves. */
  directory?: string
  env?: Record<string, string | undefined>
  /** Inline options from the opencode.json plugin tuple. */
  options?: unknown
  home?: string
}

export function userConfigDir(env: Record<string, string | undefined> = process.env, home = safeHome()): string {
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "opencode")
}

/** The candidate files of each layer, in merge order (the first existing file of a layer is used). */
export function configCandidates(o: LoadOptions = {}): Array<{ kind: "user" | "project"; files: string[] }> {
  const env = o.env ?? process.env
  const dirs: Array<{ kind: "user" | "project"; dir: string }> = [{ kind: "user", dir: userConfigDir(env, o.home) }]
  if (o.directory) dirs.push({ kind: "project", dir: join(o.directory, ".opencode") })
  return dirs.map(({ kind, dir }) => ({ kind, files: [join(dir, `${CONFIG_BASENAME}.jsonc`), join(dir, `${CONFIG_BASENAME}.json`)] }))
}

export function loadConfig(o: LoadOptions = {}): LoadedConfig {
  const layers: ConfigLayer[] = []
  const issues: ConfigIssue[] = []
  const raws: unknown[] = []
  for (const { kind, files } of configCandidates(o)) {
    const file = files.find((f) => existsSync(f))
    layers.push({ kind, file: file ?? files[0]!, found: !!file })
    if (!file) continue
    const parsed = readLayer(file)
    if (!parsed.ok) {
      issues.push(...parsed.issues)
      continue
    }
    issues.push(...validate(parsed.value, file))
    raws.push(parsed.value)
  }
  if (o.options !== undefined && o.options !== null) {
    layers.push({ kind: "inline", file: INLINE_SOURCE, found: true })
    issues.push(...validate(o.options, INLINE_SOURCE))
    raws.push(o.options)
  }
  if (issues.length) return { ok: false, issues, layers }
  const merged = raws.reduce<Record<string, unknown>>((acc, r) => mergeLayer(acc, r as Record<string, unknown>), {})
  const result = configSchema.safeParse(merged)
  if (!result.success) return { ok: false, issues: toIssues(result.error.issues, "merged config"), layers }
  return { ok: true, config: result.data, layers }
}

export function readLayer(file: string): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    return { ok: false, issues: [{ file, path: "", message: `cannot read file: ${(e as Error).message}` }] }
  }
  return parseConfigText(text, file)
}

export function parseConfigText(text: string, file: string): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  const errors: ParseError[] = []
  const value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true })
  if (errors.length) {
    return {
      ok: false,
      issues: errors.slice(0, 3).map((e) => {
        const { line, column } = lineColumn(text, e.offset)
        return { file, path: "", message: `JSONC syntax error at line ${line}, column ${column}: ${printParseErrorCode(e.error)}` }
      }),
    }
  }
  if (value === undefined) return { ok: true, value: {} }
  return { ok: true, value }
}

function validate(value: unknown, file: string): ConfigIssue[] {
  const r = configSchema.safeParse(value)
  return r.success ? [] : toIssues(r.error.issues, file)
}

type ZodIssueLike = { path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }

function toIssues(list: readonly ZodIssueLike[], file: string): ConfigIssue[] {
  return list.slice(0, 5).map((i) => {
    const base = formatPath(i.path)
    if (i.code === "unrecognized_keys" && i.keys?.length) {
      const key = i.keys.map((k) => (base ? `${base}.${k}` : k)).join(", ")
      return { file, path: key, message: `unknown key${i.keys.length > 1 ? "s" : ""} (check the spelling against schema.json)` }
    }
    return { file, path: base || "(top level)", message: i.message }
  })
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ""
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`
    else {
      const s = String(seg)
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out ? "." : "") + s : `[${JSON.stringify(s)}]`
    }
  }
  return out
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.file}: ${i.path ? i.path + ": " : ""}${i.message}`).join("; ")
}

function mergeLayer(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over ?? {})) {
    const prev = out[k]
    out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeLayer(prev, v) : v
  }
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let last = -1
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++
      last = i
    }
  return { line, column: offset - last }
}

function safeHome(): string {
  try {
    return homedir()
  } catch {
    return process.env.HOME ?? "."
  }
}
