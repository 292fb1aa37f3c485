// Side-by-side OpenCode hosts for the version matrix: `npm run hosts -- <command>`.
//   install <version…>   npm-install opencode-ai@<version> into .hosts/<version>/ (idempotent)
//   install --matrix     the versions pinned in test/e2e/host-matrix.json (what CI and `npm test` use)
//   bin <version>        print the installed binary's path (exit 1 when not installed)
//   list                 the installed hosts and their binaries
// Plain Node (no bun, no dependencies): script/ensure-deps.mjs runs it before anything else is installed.
//
// Why not run opencode-ai's postinstall: it copies the platform binary into bin/ and, when the platform
// package is missing, downloads it in a side install. We install with scripts off and take the binary
// straight from the platform package (opencode-<os>-<arch>[-baseline][-musl]) that npm picked, so a version
// that ships no binary for this machine is reported as such instead of half-installed.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..")
export const HOSTS_DIR = join(ROOT, ".hosts")
export const MATRIX_FILE = join(ROOT, "test", "e2e", "host-matrix.json")
const MARKER = "host.json"
const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/

/** The versions CI runs the real-host scenarios against (oldest supported first). */
export function matrixVersions() {
  const m = JSON.parse(readFileSync(MATRIX_FILE, "utf8"))
  return m.versions.map((v) => v.version)
}

/** Platform package names, best first (the order opencode-ai's postinstall prefers on a modern CPU). */
export function platformPackages(platform = process.platform, arch = process.arch) {
  const os = { darwin: "darwin", linux: "linux", win32: "windows" }[platform] ?? platform
  const base = `opencode-${os}-${arch}`
  if (os === "linux" && arch === "x64") return [base, `${base}-baseline`, `${base}-musl`, `${base}-baseline-musl`]
  if (os === "linux") return [base, `${base}-musl`]
  if (arch === "x64") return [base, `${base}-baseline`]
  return [base]
}

function hostDir(version) {
  return join(HOSTS_DIR, version)
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

function readMarker(version) {
  return readJson(join(hostDir(version), MARKER))
}

/** Absolute path of an installed host's binary, or undefined. */
export function hostBin(version) {
  const m = readMarker(version)
  if (!m?.bin) return undefined
  const p = join(hostDir(version), m.bin)
  return existsSync(p) ? p : undefined
}

function reportedVersion(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 60_000, env: { ...process.env, OPENCODE_DISABLE_AUTOUPDATE: "1" } })
  if (r.status !== 0) return undefined
  return r.stdout.trim().split(/\s+/).pop()
}

/**
 * Installs one version. Returns { version, status: "installed" | "present" | "no-binary" | "no-version" | "failed", bin?, detail? }.
 */
export function installHost(version, log = (l) => console.error(l)) {
  if (!VERSION_RE.test(version)) return { version, status: "failed", detail: "not a version (x.y.z)" }
  const present = hostBin(version)
  if (present) return { version, status: "present", bin: present }
  const dir = hostDir(version)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  // The project's own devDependency host needs no second copy.
  const own = join(ROOT, "node_modules", "opencode-ai")
  const ownBin = join(own, "bin", "opencode.exe") // where its postinstall puts the binary on every platform
  if (existsSync(ownBin) && readJson(join(own, "package.json"))?.version === version && reportedVersion(ownBin) === version) {
    writeFileSync(join(dir, MARKER), JSON.stringify({ version, package: "opencode-ai (the project's devDependency)", bin: relative(dir, ownBin) }, null, 2) + "\n")
    return { version, status: "installed", bin: ownBin }
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `opencode-host-${version}`, private: true }, null, 2) + "\n")
  log(`hosts: installing opencode-ai@${version} into ${relative(ROOT, dir)}/ …`)
  const r = spawnSync(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact", `opencode-ai@${version}`],
    { cwd: dir, encoding: "utf8", timeout: 600_000, shell: process.platform === "win32" },
  )
  if (r.status !== 0) {
    const text = `${r.stdout ?? ""}${r.stderr ?? ""}`
    rmSync(dir, { recursive: true, force: true })
    if (/ETARGET|No matching version|E404/.test(text)) return { version, status: "no-version", detail: `opencode-ai@${version} is not in the registry` }
    return { version, status: "failed", detail: text.trim().split("\n").slice(-5).join("\n") || r.error?.message }
  }
  const exe = process.platform === "win32" ? "opencode.exe" : "opencode"
  for (const name of platformPackages()) {
    const bin = join(dir, "node_modules", name, "bin", exe)
    if (!existsSync(bin)) continue
    const got = reportedVersion(bin)
    if (got !== version) {
      log(`hosts: ${name}@${version} does not run here (--version said ${JSON.stringify(got)}); trying the next build`)
      continue
    }
    writeFileSync(join(dir, MARKER), JSON.stringify({ version, package: name, bin: relative(dir, bin) }, null, 2) + "\n")
    return { version, status: "installed", bin }
  }
  const found = existsSync(join(dir, "node_modules")) ? readdirSync(join(dir, "node_modules")).filter((n) => n.startsWith("opencode-")) : []
  rmSync(dir, { recursive: true, force: true })
  return {
    version,
    status: "no-binary",
    detail: `opencode-ai@${version} ships no ${process.platform}-${process.arch} binary here (platform packages installed: ${found.join(", ") || "none"})`,
  }
}

function main(argv) {
  const [cmd, ...rest] = argv
  switch (cmd) {
    case "install": {
      const versions = rest.includes("--matrix") ? [...matrixVersions(), ...rest.filter((a) => a !== "--matrix")] : rest
      if (!versions.length) return usage("install needs versions (or --matrix)")
      let bad = 0
      for (const v of [...new Set(versions)]) {
        const r = installHost(v)
        if (r.bin) console.log(`${v}\t${r.status}\t${relative(ROOT, r.bin)}`)
        else {
          bad++
          console.log(`${v}\t${r.status}\t${r.detail ?? ""}`)
        }
      }
      return bad ? 1 : 0
    }
    case "bin": {
      if (rest.length !== 1) return usage("bin takes one version")
      const b = hostBin(rest[0])
      if (!b) {
        console.error(`hosts: opencode ${rest[0]} is not installed; run: npm run hosts -- install ${rest[0]}`)
        return 1
      }
      console.log(b)
      return 0
    }
    case "list": {
      const versions = existsSync(HOSTS_DIR) ? readdirSync(HOSTS_DIR).filter((v) => VERSION_RE.test(v)) : []
      for (const v of versions) console.log(`${v}\t${hostBin(v) ? relative(ROOT, hostBin(v)) : "(incomplete)"}`)
      return 0
    }
    default:
      return usage(cmd ? `unknown command ${cmd}` : "")
  }
}

function usage(message) {
  if (message) console.error(`hosts: ${message}`)
  console.error("usage: npm run hosts -- install <version…> | install --matrix | bin <version> | list")
  return 2
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2))
