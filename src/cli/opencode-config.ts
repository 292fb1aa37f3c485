// `doctor`'s view of the host's own config, read from the files the host reads (no host needed): the
// `fallback_models` written on agents (opencode.json `agent.<name>`, and agents' Markdown frontmatter), each with
// the file it came from, and the `plugin` entries (for neighbours). The host merges the same files; later wins:
//   global   $XDG_CONFIG_HOME/opencode/{config.json, opencode.json, opencode.jsonc}
//   $OPENCODE_CONFIG
//   project  <project>/opencode.json[c], then <project>/.opencode/opencode.json[c]
//   agents   {global config dir, <project>/.opencode}/{agent,agents}/<name>.md (frontmatter)
//   plugins  also auto-loaded files in {global config dir, <project>/.opencode}/{plugin,plugins}/*.{ts,js}
// Frontmatter is YAML; doctor reads the forms a chain is written in (a flow list, a block list of strings or of
// `model:`/`variant:` maps, one string) and says when it cannot read one.
import { existsSync, readdirSync } from "node:fs"
import { basename, join } from "node:path"
import { pathToFileURL } from "node:url"
import { agentChainValue, AGENT_CHAIN_KEY } from "../config/agent-chains.ts"
import { MAX_CONFIG_BYTES, parseConfigText, userConfigDir } from "../config/load.ts"
import { readRegularFile } from "../host/regular-file.ts"

export type WrittenChain = { agent: string; file: string; path: string; value: unknown }
export type OpencodeConfigView = { chains: WrittenChain[]; plugins: unknown[]; problems: string[] }

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)

export function readOpencodeConfig(o: { directory: string; env: Record<string, string | undefined>; home?: string }): OpencodeConfigView {
  const global = userConfigDir(o.env, o.home)
  const projectDir = join(o.directory, ".opencode")
  const jsonFiles = [
    ...["config.json", "opencode.json", "opencode.jsonc"].map((f) => join(global, f)),
    ...(o.env.OPENCODE_CONFIG ? [o.env.OPENCODE_CONFIG] : []),
    join(o.directory, "opencode.json"),
    join(o.directory, "opencode.jsonc"),
    join(projectDir, "opencode.json"),
    join(projectDir, "opencode.jsonc"),
  ]
  const byAgent = new Map<string, WrittenChain>()
  const plugins: unknown[] = []
  const problems: string[] = []
  for (const file of jsonFiles) {
    if (!existsSync(file)) continue
    const r = readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES })
    if (!r.ok || r.truncated) continue
    const parsed = parseConfigText(r.text, file)
    if (!parsed.ok) {
      problems.push(`${file}: ${parsed.issues[0]?.message ?? "cannot parse"}`)
      continue
    }
    const cfg = rec(parsed.value)
    if (Array.isArray(cfg?.plugin)) plugins.push(...cfg.plugin)
    for (const [name, agent] of Object.entries(rec(cfg?.agent) ?? {})) {
      const found = agentChainValue(agent)
      if (found) byAgent.set(name, { agent: name, file, path: `agent.${name}.${found.path}`, value: found.value })
    }
  }
  for (const dir of [global, projectDir])
    for (const sub of ["agent", "agents"]) {
      for (const file of listFiles(join(dir, sub), (f) => f.endsWith(".md"))) {
        const r = readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES })
        if (!r.ok || r.truncated) continue
        const fm = frontmatterChain(r.text)
        if (fm === undefined) continue
        const name = basename(file, ".md")
        if (fm.ok) byAgent.set(name, { agent: name, file, path: `frontmatter ${AGENT_CHAIN_KEY}`, value: fm.value })
        else problems.push(`${file}: doctor cannot read its ${AGENT_CHAIN_KEY} (${fm.why}); the host may still read it`)
      }
    }
  for (const dir of [global, projectDir])
    for (const sub of ["plugin", "plugins"]) for (const file of listFiles(join(dir, sub), (f) => /\.(ts|js)$/.test(f))) plugins.push(pathToFileURL(file).href)
  return { chains: [...byAgent.values()], plugins, problems }
}

function listFiles(dir: string, keep: (f: string) => boolean): string[] {
  try {
    return readdirSync(dir)
      .filter(keep)
      .sort()
      .slice(0, 256)
      .map((f) => join(dir, f))
  } catch {
    return []
  }
}

const unquote = (s: string): string => {
  const t = s.trim()
  return (t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")) ? t.slice(1, -1) : t
}

/**
 * The `fallback_models` of a Markdown agent's frontmatter: undefined when it has none; `ok: false` for a form
 * doctor does not read.
 */
export function frontmatterChain(text: string): { ok: true; value: unknown } | { ok: false; why: string } | undefined {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  if (lines[0]?.trim() !== "---") return undefined
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === "---")
  if (end < 0) return undefined
  const body = lines.slice(1, end)
  const at = body.findIndex((l) => new RegExp(`^${AGENT_CHAIN_KEY}\\s*:`).test(l))
  if (at < 0) return undefined
  const rest = body[at]!.slice(body[at]!.indexOf(":") + 1).trim()
  if (rest.startsWith("[")) {
    if (!rest.endsWith("]")) return { ok: false, why: "a flow list over several lines" }
    const inner = rest.slice(1, -1).trim()
    return { ok: true, value: inner ? inner.split(",").map(unquote) : [] }
  }
  if (rest && !rest.startsWith("#")) return { ok: true, value: unquote(rest) }
  const items: unknown[] = []
  let current: Record<string, string> | undefined
  for (const line of body.slice(at + 1)) {
    if (!line.trim() || line.trim().startsWith("#")) continue
    if (!/^\s/.test(line)) break
    const item = /^\s*-\s*(.*)$/.exec(line)
    if (item) {
      const v = item[1]!.trim()
      const kv = /^(model|variant)\s*:\s*(.+)$/.exec(v)
      if (kv) items.push((current = { [kv[1]!]: unquote(kv[2]!) }))
      else {
        current = undefined
        items.push(unquote(v))
      }
      continue
    }
    const kv = /^\s+(model|variant)\s*:\s*(.+)$/.exec(line)
    if (kv && current) current[kv[1]!] = unquote(kv[2]!)
    else return { ok: false, why: `line ${JSON.stringify(line.trim())}` }
  }
  return { ok: true, value: items }
}
