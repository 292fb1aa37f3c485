// `npm run build` (also `prepack`): dist/ for publishing, then schema.json (and the README reference).
//   dist/index.js   library API (src/index.ts)       ESM, target node
//   dist/server.js  plugin module (src/server.ts)     ESM, target node (the host itself loads src/server.ts)
//   dist/cli.js     CLI (src/cli/main.ts)             ESM, target node; bin/opencode-turn-fallback.mjs runs it
//   dist/**/*.d.ts  declarations via tsc -p tsconfig.build.json, relative ".ts" specifiers rewritten to ".js"
// Dependencies and node builtins stay external: the installed package resolves them from node_modules.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dir, "..")
const dist = join(root, "dist")
const started = performance.now()
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> }

const external = [
  ...Object.keys(pkg.dependencies ?? {}),
  "@opencode-ai/plugin",
  "@opencode-ai/sdk",
  "zod",
  "jsonc-parser",
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
]

const entries: Array<{ src: string; out: string }> = [
  { src: "src/index.ts", out: "index.js" },
  { src: "src/server.ts", out: "server.js" },
  { src: "src/cli/main.ts", out: "cli.js" },
]

function fail(message: string): never {
  console.error(`build failed: ${message}`)
  process.exit(1)
}

rmSync(dist, { recursive: true, force: true })

// 1. Bundles (one self-contained file per entry; no shared chunks to keep the layout obvious).
await Promise.all(
  entries.map(async ({ src, out }) => {
    const r = await Bun.build({
      entrypoints: [join(root, src)],
      target: "node",
      format: "esm",
      external: [...new Set(external)],
      minify: false,
      sourcemap: "none",
      naming: out,
      outdir: dist,
    })
    if (!r.success) fail(`${src}:\n${r.logs.map(String).join("\n")}`)
  }),
)

// 2. Declarations.
const tsc = join(root, "node_modules", ".bin", "tsc")
const t = spawnSync(existsSync(tsc) ? tsc : "tsc", ["-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" })
if (t.status !== 0) fail(`tsc exited with ${t.status ?? t.signal}`)
// tsc keeps the source's "./x.ts" specifiers in .d.ts files; consumers resolve "./x.js" to "./x.d.ts".
const specifier = /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']*?)\.ts\2/g
let declarations = 0
for (const file of walk(dist)) {
  if (!file.endsWith(".d.ts")) continue
  declarations++
  const text = readFileSync(file, "utf8")
  const next = text.replace(specifier, (_m, lead: string, q: string, p: string) => `${lead}${q}${p}.js${q}`)
  if (next !== text) writeFileSync(file, next)
}

// 3. schema.json and the README's config reference.
const s = spawnSync(process.execPath, [join(root, "script", "schema.ts")], { cwd: root, encoding: "utf8" })
if (s.status !== 0) fail(`script/schema.ts:\n${s.stdout}${s.stderr}`)
const schemaSummary = s.stdout.split("\n").filter((l) => /schema\.json|README/.test(l) && !l.startsWith("|"))

// Report.
const bytes = (n: number) => (n < 10_240 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`)
console.log("built dist/:")
for (const { src, out } of entries) console.log(`  dist/${out.padEnd(10)} ${bytes(statSync(join(dist, out)).size).padStart(9)}  from ${src}`)
console.log(`  dist/**/*.d.ts  ${declarations} declaration files (dist/index.d.ts, dist/server.d.ts, …)`)
for (const line of schemaSummary) console.log(`  ${line.replace(/;.*$/, "")}`)
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`)

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* walk(p)
    else yield p
  }
}

