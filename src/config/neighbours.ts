// Other mechanisms in the same host that re-send failed turns. With two of them, one failure is re-sent twice
// (two fallback answers, double cost, two notices). Found from the host's plugin list (the merged config's
// `plugin`, as the `config` hook or `opencode debug config` shows it: npm specs, and `file://` URLs for path
// plugins) and, for oh-my-openagent, its own config:
//  - oh-my-openagent (npm `oh-my-openagent`, formerly `oh-my-opencode`) has a runtime fallback that is off by
//    default: `runtime_fallback: true` or `runtime_fallback: { "enabled": true }` turns it on, and
//    `disabled_hooks: ["runtime-fallback"]` off again. Its config files: `~/.omo/omo.jsonc|json` and
//    `<project>/.omo/omo.jsonc|json` (4.19 and later; OpenCode's settings may sit in an `"[opencode]"` block), or
//    before that `oh-my-openagent.jsonc|json` / `oh-my-opencode.jsonc|json` in the OpenCode config dir and in
//    `<project>/.opencode/`; the project file is merged over the user's.
//  - plugins whose whole purpose is to re-send a failed turn on another model act whenever they are loaded.
import { existsSync, statSync } from "node:fs"
import { homedir } from "node:os"
import { basename, extname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { readRegularFile } from "../host/regular-file.ts"
import { MAX_CONFIG_BYTES, parseConfigText, userConfigDir } from "./load.ts"

/** npm packages that re-send failed turns on another model whenever they are loaded (public, as of 2026-12). */
export const RESENDING_PLUGINS: readonly string[] = [
  "opencode-runtime-fallback",
  "opencode-rate-limit-fallback",
  "@azumag/opencode-rate-limit-fallback",
  "@smart-coders-hq/opencode-model-fallback",
  "@razroo/opencode-model-fallback",
  "opencode-auto-fallback",
  "opencode-fallback",
  "opencode-session-fallback",
  "opencode-rate-limit",
]

/** oh-my-openagent's package names (the second is its former name). */
export const OMO_PLUGINS: readonly string[] = ["oh-my-openagent", "oh-my-opencode"]
export const OMO_NAME = "oh-my-openagent"

/** `peer`: what acts; `where`: why we think it is on (a plugin entry, or the file that enables it). */
export type Neighbour = { peer: string; where: string }

export type NeighbourOptions = {
  /** the host's merged `plugin` list */
  plugins: unknown
  /** the project directory (PluginInput.directory) */
  directory?: string
  env?: Record<string, string | undefined>
  home?: string
}

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)

/** The package name of a plugin entry: "pkg@1.2" → "pkg", "@s/p@latest" → "@s/p"; a path: its package.json name, else its file name. */
export function pluginName(entry: unknown): string | undefined {
  const spec = Array.isArray(entry) ? entry[0] : entry
  if (typeof spec !== "string" || !spec.trim()) return undefined
  const s = spec.trim()
  if (s.startsWith("file:") || s.startsWith("/") || s.startsWith(".") || /^[A-Za-z]:[\\/]/.test(s)) return pathPluginName(s)
  const at = s.indexOf("@", s.startsWith("@") ? 1 : 0)
  return (at > 0 ? s.slice(0, at) : s).toLowerCase()
}

function pathPluginName(spec: string): string | undefined {
  let path = spec
  try {
    if (spec.startsWith("file:")) path = fileURLToPath(spec)
  } catch {
    return undefined
  }
  try {
    if (existsSync(path) && statSync(path).isDirectory()) {
      const pkg = readRegularFile(join(path, "package.json"), { maxBytes: 65_536 })
      if (pkg.ok && !pkg.truncated) {
        const name = (JSON.parse(pkg.text) as { name?: unknown }).name
        if (typeof name === "string" && name) return name.toLowerCase()
      }
    }
  } catch {
    // an unreadable package.json: fall back to the path's name
  }
  const base = basename(path)
  return (extname(base) ? base.slice(0, -extname(base).length) : base).toLowerCase() || undefined
}

/** Every mechanism besides this plugin that re-sends failed turns in this host. Never throws. */
export function detectNeighbours(o: NeighbourOptions): Neighbour[] {
  const out: Neighbour[] = []
  const list = Array.isArray(o.plugins) ? o.plugins : []
  const names = new Set<string>()
  for (const entry of list.slice(0, 256)) {
    const name = pluginName(entry)
    if (name) names.add(name)
  }
  for (const name of RESENDING_PLUGINS) if (names.has(name)) out.push({ peer: name, where: `plugin entry "${name}"` })
  if (OMO_PLUGINS.some((n) => names.has(n))) {
    const omo = omoRuntimeFallback(o)
    if (omo.enabled) out.push({ peer: `${OMO_NAME}'s runtime_fallback`, where: omo.file ?? "its config" })
  }
  return out
}

/** oh-my-openagent's config layers, user first: its 4.19+ files when any exists, else the earlier ones. */
export function omoConfigFiles(o: Pick<NeighbourOptions, "directory" | "env" | "home">): string[] {
  const env = o.env ?? process.env
  const home = o.home ?? safeHome(env)
  const firstOf = (dir: string, names: string[]) => names.map((n) => join(dir, n)).find((f) => existsSync(f))
  const current = [firstOf(join(home, ".omo"), ["omo.jsonc", "omo.json"]), o.directory ? firstOf(join(o.directory, ".omo"), ["omo.jsonc", "omo.json"]) : undefined].filter((f): f is string => !!f)
  if (current.length) return current
  const legacy = ["oh-my-openagent.jsonc", "oh-my-openagent.json", "oh-my-opencode.jsonc", "oh-my-opencode.json"]
  const dirs = [userConfigDir(env, home), ...(env.OPENCODE_CONFIG_DIR ? [env.OPENCODE_CONFIG_DIR] : []), ...(o.directory ? [join(o.directory, ".opencode")] : [])]
  return dirs.map((d) => firstOf(d, legacy)).filter((f): f is string => !!f)
}

/** Whether oh-my-openagent's runtime fallback is on, and the file that decided it last. */
export function omoRuntimeFallback(o: Pick<NeighbourOptions, "directory" | "env" | "home">): { enabled: boolean; file?: string } {
  let enabled = false
  let file: string | undefined
  let disabledHook = false
  for (const f of omoConfigFiles(o)) {
    const r = readRegularFile(f, { maxBytes: MAX_CONFIG_BYTES })
    if (!r.ok || r.truncated) continue
    const parsed = parseConfigText(r.text, f)
    if (!parsed.ok) continue
    const top = rec(parsed.value)
    if (!top) continue
    // 4.19+ keeps OpenCode's own settings in an "[opencode]" block; they win over the shared top level.
    const layer = { ...top, ...(rec(top["[opencode]"]) ?? {}) }
    const rf = layer.runtime_fallback
    if (rf !== undefined) {
      enabled = rf === true || rec(rf)?.enabled === true
      file = f
    }
    if (Array.isArray(layer.disabled_hooks)) disabledHook = layer.disabled_hooks.includes("runtime-fallback")
  }
  return { enabled: enabled && !disabledHook, file }
}

function safeHome(env: Record<string, string | undefined>): string {
  try {
    return homedir()
  } catch {
    return env.HOME ?? "."
  }
}
