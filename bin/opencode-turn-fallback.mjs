#!/usr/bin/env node
// CLI launcher (plain ESM, node >= 20).
// - Installed package: runs the bundled dist/cli.js in this process.
// - Dev checkout (src/cli/ is present; it is not shipped) with a bun at node_modules/.bin/bun or on PATH:
//   runs src/cli/main.ts with bun, so an old dist/ never hides source edits; argv, stdio and the exit
//   code pass through. Without bun it falls back to dist/cli.js when that exists.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const args = process.argv.slice(2)
const bundled = join(root, "dist", "cli.js")
const source = join(root, "src", "cli", "main.ts")
const exe = process.platform === "win32" ? "bun.exe" : "bun"

function findBun() {
  const local = join(root, "node_modules", ".bin", exe)
  if (existsSync(local)) return local
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir && existsSync(join(dir, exe))) return join(dir, exe)
  return undefined
}

const bun = existsSync(source) ? findBun() : undefined
if (bun) {
  const r = spawnSync(bun, [source, ...args], { stdio: "inherit" })
  if (r.error) {
    process.stderr.write(`opencode-turn-fallback: cannot run ${bun}: ${r.error.message}\n`)
    process.exitCode = 1
  } else if (r.signal) process.kill(process.pid, r.signal)
  else process.exitCode = r.status ?? 1
} else if (existsSync(bundled)) {
  const cli = await import(pathToFileURL(bundled).href)
  await cli.main(args)
} else {
  process.stderr.write("opencode-turn-fallback: dist/cli.js is missing; run `npm run build` (or install bun to run from source)\n")
  process.exitCode = 1
}
