// `npm test` and `npm run demo` work on a fresh clone: when the dev dependencies (bun, the opencode host)
// are missing, install them from the lockfile first. A no-op once installed. Plain Node: runs before bun exists.
// With --hosts (npm test), also the OpenCode hosts of the e2e version matrix (test/e2e/host-matrix.json),
// each into .hosts/<version>/ by script/hosts.mjs; also a no-op once they are there.
import { existsSync } from "node:fs"
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const needed = [join(root, "node_modules", ".bin", "bun"), join(root, "node_modules", "opencode-ai", "bin", "opencode.exe")]
if (!needed.every((p) => existsSync(p))) {
  console.error("opencode-turn-fallback: installing dependencies from package-lock.json (npm ci)…")
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
if (process.argv.includes("--hosts")) {
  const r = spawnSync(process.execPath, [join(root, "script", "hosts.mjs"), "install", "--matrix"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
