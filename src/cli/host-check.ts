// `doctor`'s host check: which `opencode` is installed, its version, and whether this plugin's
// `engines.opencode` admits it. It matters because the host enforces that range for npm-installed plugins
// before any plugin code runs, and says so only in a start-up `session.error` no TUI ever shows: outside the
// range the plugin is silently absent, and only this check can tell the user.
import { spawnSync } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { engines } from "../../package.json" with { type: "json" }
import { parseVersion, formatVersion, satisfiesRange } from "../host/version.ts"

export const SUPPORTED_RANGE: string = engines.opencode

export type HostCheck = {
  /** The binary checked, when one was found. */
  bin?: string
  /** Where it came from: the --opencode option, $OPENCODE_BIN, or PATH. */
  from?: "option" | "env" | "path"
  version?: string
  range: string
  /** Undefined when no version could be read. */
  inRange?: boolean
  /** What went wrong finding or running it. */
  problem?: string
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

/** `opencode` on PATH, as a shell would find it. */
export function findOnPath(env: Record<string, string | undefined>, platform = process.platform): string | undefined {
  const names = platform === "win32" ? ["opencode.exe", "opencode.cmd", "opencode"] : ["opencode"]
  for (const dir of (env.PATH ?? env.Path ?? "").split(delimiter)) {
    if (!dir) continue
    for (const n of names) if (isFile(join(dir, n))) return join(dir, n)
  }
  return undefined
}

export function checkHost(o: { opencode?: string; env: Record<string, string | undefined>; range?: string }): HostCheck {
  const range = o.range ?? SUPPORTED_RANGE
  const chosen: Pick<HostCheck, "bin" | "from"> = o.opencode
    ? { bin: o.opencode, from: "option" }
    : o.env.OPENCODE_BIN
      ? { bin: o.env.OPENCODE_BIN, from: "env" }
      : { bin: findOnPath(o.env), from: "path" }
  if (!chosen.bin) return { range, problem: "opencode is not on PATH" }
  if (!existsSync(chosen.bin)) return { ...chosen, range, problem: `${chosen.bin} does not exist` }
  // The host prints its version and exits; keep it off the network while it does.
  const r = spawnSync(chosen.bin, ["--version"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...o.env, OPENCODE_DISABLE_AUTOUPDATE: "1" } as NodeJS.ProcessEnv,
    shell: process.platform === "win32" && /\.cmd$/i.test(chosen.bin),
  })
  if (r.error) return { ...chosen, range, problem: `cannot run ${chosen.bin}: ${r.error.message}` }
  const text = `${r.stdout ?? ""}`.trim()
  const v = r.status === 0 ? parseVersion(text.split("\n").pop()) : undefined
  if (!v) return { ...chosen, range, problem: `${chosen.bin} --version exited ${r.status} and printed ${JSON.stringify(text.slice(0, 80))}` }
  const version = formatVersion(v)
  return { ...chosen, version, range, inRange: satisfiesRange(version, range) }
}

/** The warning doctor prints for a host the plugin does not run on, or undefined when there is none. */
export function hostWarning(h: HostCheck): string | undefined {
  if (h.inRange !== false || !h.version) return undefined
  const v = parseVersion(h.version)!
  if (v.major >= 2)
    return `opencode ${h.version} is OpenCode ${v.major}, which loads no OpenCode 1 plugin; this plugin supports opencode ${h.range}. The host will not load it (and says nothing).`
  return `opencode ${h.version} is outside this plugin's supported range (${h.range}): the host skips the plugin at start-up without showing anything. Update OpenCode (\`opencode upgrade\`) to a version in the range.`
}
