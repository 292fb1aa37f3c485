// Finds, parses (JSONC), validates and merges the config layers. Merge order, later wins:
//   1. user:    $XDG_CONFIG_HOME/opencode/runtime-fallback.jsonc|json (default ~/.config/opencode/)
//   2. project: <project>/.opencode/runtime-fallback.jsonc|json
//   3. inline:  the options of the opencode.json tuple ["opencode-turn-fallback", {…}]
// Each layer is validated on its own so an error names the file it is in. Objects merge key by key; arrays
// and scalars are replaced. Never throws: problems come back as readable issues.
// Files are read only when they are regular files (a symlink to /dev/zero or a FIFO is refused), at most
// MAX_CONFIG_BYTES, BOM accepted, nested at most MAX_CONFIG_DEPTH deep. `__proto__` and `constructor` keys are
// refused (see reservedKeys). The project layer comes with the repository, so it may not choose where the
// plugin writes: its `cooldown.stateFile` is dropped with a warning.
import { homedir } from "node:os"
import { join } from "node:path"
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser"
import { readRegularFile, regularFileStatus } from "../host/regular-file.ts"
import { configSchema, type RuntimeFallbackConfig } from "./schema.ts"

export const CONFIG_BASENAME = "runtime-fallback"
export const INLINE_SOURCE = "opencode.json plugin options"
/** Config files larger than this are refused. */
export const MAX_CONFIG_BYTES = 1 << 20
/** Objects and arrays nested deeper than this are refused (the JSONC parser recurses). */
export const MAX_CONFIG_DEPTH = 64
/** Keys the project layer may not set, as paths. */
export const USER_ONLY_KEYS = [["cooldown", "stateFile"]] as const

export type ConfigLayer = { kind: "user" | "project" | "inline"; file: string; found: boolean }
export type ConfigIssue = { file: string; path: string; message: string }

/** `warnings`: keys that were ignored (the config still loads); show them once. */
export type LoadedConfig =
  | { ok: true; config: RuntimeFallbackConfig; layers: ConfigLayer[]; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[]; layers: ConfigLayer[]; warnings: ConfigIssue[] }

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
  const warnings: ConfigIssue[] = []
  const raws: unknown[] = []
  for (const { kind, files } of configCandidates(o)) {
    const file = files.find((f) => regularFileStatus(f).state !== "missing")
    layers.push({ kind, file: file ?? files[0]!, found: !!file })
    if (!file) continue
    const parsed = readLayer(file)
    if (!parsed.ok) {
      issues.push(...parsed.issues)
      continue
    }
    const value = kind === "project" ? withoutUserOnlyKeys(parsed.value, file, warnings) : parsed.value
    issues.push(...validate(value, file))
    raws.push(value)
  }
  if (o.options !== undefined && o.options !== null) {
    layers.push({ kind: "inline", file: INLINE_SOURCE, found: true })
    issues.push(...validate(o.options, INLINE_SOURCE))
    raws.push(o.options)
  }
  if (issues.length) return { ok: false, issues, layers, warnings }
  const merged = raws.reduce<Record<string, unknown>>((acc, r) => mergeLayer(acc, r as Record<string, unknown>), {})
  const result = configSchema.safeParse(merged)
  if (!result.success) return { ok: false, issues: toIssues(result.error.issues, "merged config"), layers, warnings }
  return { ok: true, config: result.data, layers, warnings }
}

/** The project layer without the keys only the user may set; each dropped key becomes a warning. */
function withoutUserOnlyKeys(value: unknown, file: string, warnings: ConfigIssue[]): unknown {
  if (!isPlainObject(value)) return value
  let out: Record<string, unknown> = value
  for (const [section, key] of USER_ONLY_KEYS) {
    const inner = out[section]
    if (!isPlainObject(inner) || !Object.hasOwn(inner, key)) continue
    const { [key]: _dropped, ...rest } = inner
    out = { ...out, [section]: rest }
    warnings.push({ file, path: `${section}.${key}`, message: "ignored: a project config cannot choose where the plugin writes; set it in your user config or the plugin options" })
  }
  return out
}

export function readLayer(file: string): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  const r = readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES })
  if (!r.ok) return { ok: false, issues: [{ file, path: "", message: `cannot read file: ${r.message}` }] }
  if (r.truncated) return { ok: false, issues: [{ file, path: "", message: `file larger than ${MAX_CONFIG_BYTES} bytes` }] }
  return parseConfigText(r.text, file)
}

export function parseConfigText(text: string, file: string): { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const deep = nestingBeyond(text, MAX_CONFIG_DEPTH)
  if (deep !== undefined) {
    const { line, column } = lineColumn(text, deep)
    return { ok: false, issues: [{ file, path: "", message: `nested deeper than ${MAX_CONFIG_DEPTH} levels at line ${line}, column ${column}` }] }
  }
  const errors: ParseError[] = []
  let value: unknown
  try {
    value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true })
  } catch (e) {
    return { ok: false, issues: [{ file, path: "", message: `cannot parse: ${(e as Error).message}` }] }
  }
  if (errors.length) {
    return {
      ok: false,
      issues: errors.slice(0, 3).map((e) => {
        const { line, column } = lineColumn(text, e.offset)
        return { file, path: "", message: `JSONC syntax error at line ${line}, column ${column}: ${syntaxProblem(printParseErrorCode(e.error))}` }
      }),
    }
  }
  if (value === undefined) return { ok: true, value: {} }
  return { ok: true, value }
}

/** Offset where objects/arrays nest deeper than `max` (strings and comments skipped), or undefined. */
function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf("*/", i + 2)
      i = end < 0 ? text.length : end + 1
    } else if (c === 123 || c === 91) {
      if (++depth > max) return i
    } else if (c === 125 || c === 93) depth--
  }
  return undefined
}

/**
 * Keys that collide with built-in properties, as issues: `__proto__` (own, or a prototype a parser set from
 * one) would replace an object's prototype; `constructor` as an agent or model name breaks the schema's
 * plain-object check. (Lookups by name use own properties only, so such names still never find built-ins.)
 */
function reservedKeys(value: unknown, file: string, path: PropertyKey[] = [], out: ConfigIssue[] = [], depth = 0): ConfigIssue[] {
  if (!value || typeof value !== "object" || depth > MAX_CONFIG_DEPTH || out.length >= 5) return out
  if (Array.isArray(value)) {
    value.forEach((v, i) => reservedKeys(v, file, [...path, i], out, depth + 1))
    return out
  }
  const proto = Object.getPrototypeOf(value)
  if (Object.hasOwn(value, "__proto__") || (proto !== Object.prototype && proto !== null)) out.push({ file, path: formatPath([...path, "__proto__"]), message: 'the key "__proto__" is not allowed' })
  if (Object.hasOwn(value, "constructor")) out.push({ file, path: formatPath([...path, "constructor"]), message: 'the key "constructor" is reserved and cannot be used as a name here' })
  for (const k of Object.keys(value)) reservedKeys((value as Record<string, unknown>)[k], file, [...path, k], out, depth + 1)
  return out
}

function validate(value: unknown, file: string): ConfigIssue[] {
  const reserved = reservedKeys(value, file)
  if (reserved.length) return reserved
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

/** The JSONC parser's error names in words. */
const SYNTAX: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "a key is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "a colon is missing",
  CommaExpected: "a comma is missing",
  CloseBraceExpected: "a closing } is missing",
  CloseBracketExpected: "a closing ] is missing",
  EndOfFileExpected: "text after the end of the config",
  InvalidCommentToken: "malformed comment",
  UnexpectedEndOfComment: "a comment is not closed",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut off",
  InvalidUnicode: "malformed unicode escape",
  InvalidEscapeCharacter: "malformed escape",
  InvalidCharacter: "invalid character",
}

export function syntaxProblem(code: string): string {
  return SYNTAX[code] ?? code
}

/** One line per problem: `<file>: <key>: <problem>` (the home directory written as ~). */
export function issueLines(issues: readonly ConfigIssue[], home = safeHome()): string[] {
  const short = (f: string) => (home && home.length > 1 && f.startsWith(home + "/") ? "~" + f.slice(home.length) : f)
  return issues.map((i) => `${short(i.file)}: ${i.path ? i.path + ": " : ""}${i.message}`)
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
