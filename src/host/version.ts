// Host versions: parse and compare OpenCode versions, check them against a package's `engines.opencode`
// range, and find the running host's version cheaply. Pure, total (never throws), no dependencies: the CLI
// bundle for node uses it too.
//
// How the running host's version is found (measured on 1.14.34 … 1.18.33; the plugin input carries no
// version, the host sets no version variable, and `opencode --version` would spawn a process):
//   1. At load, synchronously: the host is a compiled binary, so `process.execPath` is that binary. npm
//      installs put it in `node_modules/opencode-<os>-<arch>[-…]/bin/opencode` or (copied by opencode-ai's
//      postinstall) `node_modules/opencode-ai/bin/opencode.exe`; the `package.json` one level up names an
//      `opencode…` package and holds the version. Homebrew keeps it in the path (`Cellar/opencode/<v>/`).
//   2. Later, asynchronously, when 1 finds nothing (the install script's ~/.opencode/bin, a dev build):
//      `GET /global/health` answers `{ healthy, version }` on every version measured.
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"

export type Version = { major: number; minor: number; patch: number; prerelease: readonly (string | number)[] }

const VERSION_RE = /(?:^|[^\d.])v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?/

/** Parses "1.18.33", "v1.18.33", "opencode 1.18.33", "1.19.0-beta.2". Undefined when there is no version. */
export function parseVersion(text: unknown): Version | undefined {
  if (typeof text !== "string") return undefined
  const m = VERSION_RE.exec(text.trim())
  if (!m) return undefined
  const prerelease = m[4] ? m[4].split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : []
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease }
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease.length ? `-${v.prerelease.join(".")}` : ""}`
}

/** Semver precedence: -1, 0 or 1. A prerelease sorts before its release. */
export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  for (const k of ["major", "minor", "patch"] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1
  if (!a.prerelease.length || !b.prerelease.length) return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length ? -1 : 1
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i]
    const y = b.prerelease[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1
    if (typeof x === "number") return -1
    if (typeof y === "number") return 1
    return x < y ? -1 : 1
  }
  return 0
}

type Comparator = { op: "<" | "<=" | ">" | ">=" | "="; version: Version }

function parseComparators(set: string): Comparator[] | undefined {
  const out: Comparator[] = []
  for (const token of set.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(<=|>=|<|>|=)?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(token)
    if (!m) return undefined
    const version = parseVersion(m[2])
    if (!version) return undefined
    out.push({ op: (m[1] as Comparator["op"] | undefined) ?? "=", version })
  }
  return out.length ? out : undefined
}

/**
 * Whether `version` satisfies an npm-style `range`, for the subset ranges are written in here: comparator
 * sets (`>=1.17.19 <2.0.0`, `=1.18.33`, `1.18.33`) joined by `||`. Like semver's default, a prerelease only
 * matches a comparator set that names a prerelease of the same major.minor.patch. Undefined when the range
 * uses other syntax (`^`, `~`, `x`, hyphen ranges) or the version does not parse: callers say "cannot tell".
 */
export function satisfiesRange(version: string | Version, range: string): boolean | undefined {
  const v = typeof version === "string" ? parseVersion(version) : version
  if (!v || typeof range !== "string") return undefined
  const sets = range.split("||").map(parseComparators)
  if (!sets.length || sets.some((s) => !s)) return undefined
  return (sets as Comparator[][]).some((set) => {
    const ok = set.every(({ op, version: c }) => {
      const d = compareVersions(v, c)
      return op === "<" ? d < 0 : op === "<=" ? d <= 0 : op === ">" ? d > 0 : op === ">=" ? d >= 0 : d === 0
    })
    if (!ok || !v.prerelease.length) return ok
    return set.some(({ version: c }) => c.prerelease.length > 0 && c.major === v.major && c.minor === v.minor && c.patch === v.patch)
  })
}

export type HostVersionSource = "exec-path" | "health"
export type HostVersionReading = { version?: string; source?: HostVersionSource }

type ReadFile = (file: string) => string

const readText: ReadFile = (file) => readFileSync(file, "utf8")

/** The host's version from its binary's location (see the header). Never throws. */
export function hostVersionFromExecPath(execPath: string | undefined = process.execPath, readFile: ReadFile = readText): string | undefined {
  try {
    if (!execPath) return undefined
    const brew = new RegExp(`[\\\\/]Cellar[\\\\/]opencode[\\\\/](\\d+\\.\\d+\\.\\d+[^\\\\/]*)[\\\\/]`).exec(execPath)
    if (brew && parseVersion(brew[1])) return formatVersion(parseVersion(brew[1])!)
    const pkgFile = join(dirname(dirname(execPath)), "package.json")
    const pkg = JSON.parse(readFile(pkgFile)) as { name?: unknown; version?: unknown }
    if (typeof pkg.name !== "string" || !/^opencode(-ai|-[a-z]+-[a-z0-9]+(-[a-z]+)*)?$/.test(pkg.name)) return undefined
    const v = parseVersion(pkg.version)
    return v ? formatVersion(v) : undefined
  } catch {
    return undefined
  }
}

/** Synchronous, cheap: what can be known at plugin load. */
export function readHostVersion(o: { execPath?: string; readFile?: ReadFile } = {}): HostVersionReading {
  const version = hostVersionFromExecPath(o.execPath ?? process.execPath, o.readFile ?? readText)
  return version ? { version, source: "exec-path" } : {}
}

type Transport = { get?: (o: { url: string }) => Promise<{ data?: unknown } | undefined> }

/**
 * Asks the host (`GET /global/health`) through the v1 client's transport. Call it after load, never during:
 * it is a request to the server that is loading us. Undefined when the client has no transport (a fake) or
 * the answer has no version.
 */
export async function fetchHostVersion(client: unknown): Promise<string | undefined> {
  try {
    const transport = (client as { _client?: Transport } | undefined)?._client
    if (!transport || typeof transport.get !== "function") return undefined
    const r = await transport.get({ url: "/global/health" })
    const v = parseVersion((r?.data as { version?: unknown } | undefined)?.version)
    return v ? formatVersion(v) : undefined
  } catch {
    return undefined
  }
}
