// `npm test` and `npm run demo` work on a fresh clone: when the dev dependencies (bun, the opencode host)
// are missing, install them from the lockfile first. A no-op once installed. Plain Node: runs before bun exists.
import { existsSync } from "node:fs"
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const needed = [join(root, "node_modules", ".bin", "bun"), join(root, "node_modules", "opencode-ai", "bin", "opencode.exe")]
if (needed.every((p) => existsSync(p))) process.exit(0)
console.error("runtime-fallback: installing dependencies from package-lock.json (npm ci)…")
const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" })
process.exit(r.status ?? 1)
