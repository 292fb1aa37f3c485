// Other OpenCode versions and the packed plugin, for tests that run the real-host scenarios the way a user's
// host would meet them:
//   - hostBinary(version): the binary `npm run hosts -- install <version>` put under .hosts/<version>/;
//   - packedPlugin(): `npm pack` of this checkout (once per test process) and the npm spec
//     "opencode-turn-fallback@file:<abs tarball>" that makes the host install it as it installs any npm
//     plugin, which is also the only way the host checks the package's engines.opencode range.
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export const REPO = join(import.meta.dir, "..", "..", "..")
export const PACKAGE_NAME = "opencode-turn-fallback"
export const HOSTS_DIR = join(REPO, ".hosts")

export type MatrixEntry = { version: string; why: string }

/** The versions CI runs the core scenarios against (test/e2e/host-matrix.json, oldest first). */
export function matrixVersions(): MatrixEntry[] {
  return JSON.parse(readFileSync(join(import.meta.dir, "..", "host-matrix.json"), "utf8")).versions
}

/** The installed binary of one host version, or undefined (see script/hosts.mjs for the layout). */
export function hostBinary(version: string): string | undefined {
  const marker = join(HOSTS_DIR, version, "host.json")
  if (!existsSync(marker)) return undefined
  const bin = join(HOSTS_DIR, version, JSON.parse(readFileSync(marker, "utf8")).bin as string)
  return existsSync(bin) ? bin : undefined
}

/** Like hostBinary, but installs the version first when it is missing (idempotent; throws when it cannot). */
export function ensureHost(version: string): string {
  const have = hostBinary(version)
  if (have) return have
  const r = spawnSync("node", [join(REPO, "script", "hosts.mjs"), "install", version], { cwd: REPO, encoding: "utf8", timeout: 600_000 })
  const bin = hostBinary(version)
  if (!bin) throw new Error(`opencode ${version} could not be installed:\n${r.stdout}${r.stderr}`)
  return bin
}

export type PackedPlugin = {
  tarball: string
  /** The opencode.json plugin entry that makes the host npm-install the tarball. */
  spec: string
  /** Env for the host: its npm install of the spec fetches the package's dependencies from the registry. */
  env: Record<string, string>
}

let packed: PackedPlugin | undefined

/** Tarballs go to the gitignored .hosts/.packed/ (bun test runs no exit handlers, so /tmp would fill up). */
const PACK_ROOT = join(HOSTS_DIR, ".packed")
const STALE_PACK_MS = 3_600_000

function npmConfig(key: string): string {
  const r = spawnSync("npm", ["config", "get", key], { cwd: REPO, encoding: "utf8" })
  return r.stdout.trim()
}

/** Packs this checkout once per process (prepack builds dist/); removes packs older than an hour. */
export function packedPlugin(): PackedPlugin {
  if (packed) return packed
  mkdirSync(PACK_ROOT, { recursive: true })
  for (const old of readdirSync(PACK_ROOT)) {
    const p = join(PACK_ROOT, old)
    if (Date.now() - statSync(p).mtimeMs > STALE_PACK_MS) rmSync(p, { recursive: true, force: true })
  }
  const packDir = mkdtempSync(join(PACK_ROOT, "pack-"))
  const r = spawnSync("npm", ["pack", "--pack-destination", packDir], { cwd: REPO, encoding: "utf8", timeout: 180_000 })
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.stdout}\n${r.stderr}`)
  const tarball = join(packDir, r.stdout.trim().split("\n").pop()!.trim())
  packed = {
    tarball,
    spec: `${PACKAGE_NAME}@file:${tarball}`,
    env: {
      npm_config_registry: npmConfig("registry"),
      npm_config_offline: "false",
      npm_config_prefer_offline: "true",
      npm_config_cache: npmConfig("cache"),
    },
  }
  return packed
}

/**
 * Defaults from the environment, so any e2e file can run on another host or load the packed plugin:
 *   ORF_HOST_VERSION=<x.y.z>  run that host (installed by `npm run hosts -- install <x.y.z>`, or on demand)
 *   ORF_PLUGIN_FROM=npm       load the plugin by npm spec from a packed tarball instead of by path
 */
export function envHostDefaults(env = process.env): { bin?: string; plugins?: string[]; env: Record<string, string> } {
  const version = env.ORF_HOST_VERSION?.trim()
  const bin = version ? ensureHost(version) : undefined
  if (env.ORF_PLUGIN_FROM !== "npm") return { ...(bin ? { bin } : {}), env: {} }
  const p = packedPlugin()
  return { ...(bin ? { bin } : {}), plugins: [p.spec], env: p.env }
}

/**
 * 1.14 and 1.15 download ripgrep from the internet at start-up when none is on PATH. A stub that finds
 * nothing keeps them on loopback; returns the PATH to give the host.
 */
export function stubRipgrepPath(sandbox: string, path = process.env.PATH ?? ""): string {
  const dir = join(sandbox, "bin")
  mkdirSync(dir, { recursive: true })
  const rg = join(dir, "rg")
  writeFileSync(rg, '#!/bin/sh\n# test stub: no ripgrep in the sandbox\n[ "$1" = "--version" ] && echo "ripgrep 14.1.1 (stub)"\nexit 0\n')
  chmodSync(rg, 0o755)
  return path ? `${dir}:${path}` : dir
}
