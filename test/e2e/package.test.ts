// The published package, end to end: `npm pack` (prepack builds dist/), check the tarball is lean, install
// it into a fresh project from the tarball (its dependencies come from the npm registry), then
//   - the real host loads it: as a path spec pointing at <project>/node_modules/opencode-turn-fallback,
//     and as the npm spec "opencode-turn-fallback@file:<abs tarball>", which the host installs itself
//     with npm's Arborist into $XDG_CACHE_HOME/opencode/packages (its dependencies from the registry too);
//   - the library entry imports under node (dist/index.js) and bun (src/index.ts via the "bun" condition);
//   - the CLI runs through npx from the installed package (node, dist/cli.js).
// Every wait is event-based with a generous timeout; nothing sleeps for a fixed time.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { spawnSync, type SpawnSyncReturns } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startFakeProvider, type FakeProvider } from "./harness/fake-provider.ts"
import { REPO_ROOT, startHost, type Host, type PluginSpec } from "./harness/host.ts"

const NAME = "opencode-turn-fallback"
const BUN = join(REPO_ROOT, "node_modules", ".bin", "bun")
const TSC = join(REPO_ROOT, "node_modules", ".bin", "tsc")

let work: string
let tarball: string
let entries: string[]
let project: string
let fake: FakeProvider
let npmCache: string

function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number }): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, input: opts.input, encoding: "utf8", timeout: opts.timeoutMs ?? 120_000 })
  if (r.error) throw r.error
  return r
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "orf-package-"))
  // prepack runs script/build.ts, so this also proves a clean checkout can be packed.
  const packed = must(run("npm", ["pack", "--pack-destination", work], { cwd: REPO_ROOT, timeoutMs: 180_000 }), "npm pack")
  const file = packed.trim().split("\n").pop()!.trim()
  tarball = join(work, file)
  expect(existsSync(tarball)).toBe(true)
  entries = must(run("tar", ["-tzf", tarball], { cwd: work }), "tar -tzf")
    .split("\n")
    .filter(Boolean)
    .map((e) => e.replace(/^package\//, ""))
    .sort()

  project = join(work, "project")
  mkdirSync(project)
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "orf-package-test", private: true, type: "module" }, null, 2))
  must(run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project, timeoutMs: 240_000 }), "npm install <tarball>")
  npmCache = must(run("npm", ["config", "get", "cache"], { cwd: project }), "npm config get cache").trim()
  fake = await startFakeProvider()
}, 420_000)

afterAll(async () => {
  await fake?.close()
  if (work && !process.env.ORF_KEEP_SANDBOX) rmSync(work, { recursive: true, force: true })
})

describe("the tarball", () => {
  test("is lean: built entries, sources for the host, schema, bin; no tests, fixtures or CLI sources", () => {
    for (const f of ["package.json", "dist/index.js", "dist/server.js", "dist/cli.js", "dist/index.d.ts", "dist/server.d.ts", "src/server.ts", "src/index.ts", "schema.json", "bin/opencode-turn-fallback.mjs"])
      expect(entries).toContain(f)
    const offending = entries.filter((e) => /^test\//.test(e) || /fixtures?\//.test(e) || /\.test\.ts$/.test(e) || /^script\//.test(e) || /^src\/cli\//.test(e) || /\.tgz$/.test(e) || /^node_modules\//.test(e) || /^tsconfig/.test(e))
    expect(offending).toEqual([])
    // Only these top-level entries (README.md / CHANGELOG.md when they exist).
    const top = [...new Set(entries.map((e) => e.split("/")[0]!))].sort()
    expect(top.filter((t) => !["README.md", "CHANGELOG.md", "LICENSE"].includes(t))).toEqual(["bin", "dist", "package.json", "schema.json", "src"])
    // Declarations resolve with ".js" specifiers, not the source's ".ts".
    const dts = readFileSync(join(project, "node_modules", NAME, "dist", "index.d.ts"), "utf8")
    expect(dts).toContain('from "./failure/index.js"')
    expect(dts).not.toMatch(/from "\.[^"]*\.ts"/)
  })

  test("the installed manifest points the host at the plugin module", () => {
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", NAME, "package.json"), "utf8"))
    expect(pkg.engines.opencode).toBe(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).engines.opencode)
    expect(pkg.engines.opencode).toBe(">=1.17.18 <2.0.0")
    const server = pkg.exports["./server"]
    const entry = typeof server === "string" ? server : (server.import ?? server.default)
    expect(existsSync(join(project, "node_modules", NAME, entry))).toBe(true)
    expect(existsSync(join(project, "node_modules", NAME, pkg.bin[NAME]))).toBe(true)
  })
})

async function checkHostLoads(label: string, plugin: PluginSpec, env: Record<string, string> = {}): Promise<Host> {
  const host = await startHost({ provider: fake, plugins: [plugin], label, env })
  try {
    const sid = await host.createSession(label)
    await host.prompt(sid, "hello from the package test", "fake/ok-model")
    await host.waitForIdle(sid, 120_000)
    const log = host.log()
    expect(log).not.toMatch(/failed to (load|install) plugin/i)
    expect(log).not.toMatch(/Plugin .* skipped/)
    expect(log).not.toContain("Plugin export is not a function")
    expect(log).not.toContain("runtime-fallback: failed to start")
    expect(log).not.toContain("runtime-fallback: invalid config")
    // Active: its decision trace (ORF_TRACE_FILE, set by the harness) saw this session's events.
    expect(host.trace().some((r) => r.session === sid)).toBe(true)
    const msgs = await host.messages(sid)
    expect(msgs.at(-1)?.info?.role).toBe("assistant")
    expect(msgs.at(-1)?.info?.error).toBeUndefined()
    return host
  } catch (e) {
    await host.stop({ keepSandbox: true })
    throw new Error(`${(e as Error).message}\nsandbox kept at ${host.sandbox}\nhost log tail:\n${host.log().slice(-4000)}`)
  }
}

describe("the real host", () => {
  test("loads the installed package as a path plugin", async () => {
    const host = await checkHostLoads("pkg-path", join(project, "node_modules", NAME))
    await host.stop()
  }, 180_000)

  test('installs and loads the npm spec "opencode-turn-fallback@file:<tarball>"', async () => {
    // The host installs npm specs itself (Arborist, scripts off). The harness points npm at a dead registry
    // and offline; this variant needs the real registry for the package's dependencies (the shared npm
    // cache filled by the install above makes that quick).
    const registry = must(run("npm", ["config", "get", "registry"], { cwd: project }), "npm config get registry").trim()
    const host = await checkHostLoads("pkg-npm", `${NAME}@file:${tarball}`, {
      npm_config_registry: registry,
      npm_config_offline: "false",
      npm_config_prefer_offline: "true",
      npm_config_cache: npmCache,
    })
    try {
      const packages = join(host.sandbox, "cache", "opencode", "packages")
      const installed = findFile(packages, join("node_modules", NAME, "package.json"))
      expect(installed).toBeDefined()
      expect(JSON.parse(readFileSync(installed!, "utf8")).version).toBe(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version)
    } finally {
      await host.stop()
    }
  }, 240_000)
})

describe("the installed library and CLI", () => {
  const probe = `import('${NAME}').then((m) => { const f = m.classifyFailure('You exceeded your current quota'); console.log(JSON.stringify({ code: f.code, keys: Object.keys(m).length, schema: typeof m.configSchema.parse })) })`

  test("imports under node (dist/index.js)", () => {
    const out = JSON.parse(must(run("node", ["-e", probe], { cwd: project }), "node -e import()"))
    expect(out).toEqual({ code: "quota_exhausted", keys: expect.any(Number), schema: "function" })
    expect(out.keys).toBeGreaterThan(10)
    const server = run("node", ["--input-type=module", "-e", `import('${NAME}/server').then((m) => console.log(Object.keys(m).join(','), typeof m.default.server, m.default.id))`], { cwd: project })
    expect(must(server, "node import server").trim()).toBe(`default function ${NAME}`)
  })

  test("imports under bun (src/index.ts through the bun condition)", () => {
    const out = JSON.parse(must(run(BUN, ["-e", probe], { cwd: project }), "bun -e import()"))
    expect(out.code).toBe("quota_exhausted")
    const server = run(BUN, ["-e", `import('${NAME}/server').then((m) => console.log(Object.keys(m).join(','), typeof m.default.server, m.default.id))`], { cwd: project })
    expect(must(server, "bun import server").trim()).toBe(`default function ${NAME}`)
  })

  test("its declarations type-check in a consumer", () => {
    writeFileSync(
      join(project, "consumer.ts"),
      `import { classifyFailure, configSchema, type Failure, type RuntimeFallbackConfig } from "${NAME}"\n` +
        `const f: Failure = classifyFailure("boom")\nconst c: RuntimeFallbackConfig = configSchema.parse({})\nexport const out: string = f.code + String(c.enabled)\n` +
        // Real types, not any: this line must be an error.
        `// @ts-expect-error\nexport const wrong: number = f.code\n`,
    )
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["consumer.ts"] }),
    )
    // NodeNext resolution, skipLibCheck off: every declaration file we ship (and those we pull in) must check.
    const r = run(TSC, ["-p", project], { cwd: project })
    expect(r.stdout + r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  test("npx opencode-turn-fallback explain works from the installed package", () => {
    const env = { XDG_CONFIG_HOME: join(work, "no-config"), XDG_STATE_HOME: join(work, "no-state"), NO_COLOR: "1" }
    const r = run("npx", ["--no-install", NAME, "explain", "You exceeded your current quota"], { cwd: project, env })
    expect(r.stderr.split("\n").filter((l) => l && !/^npm warn/i.test(l))).toEqual([])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^code\s+quota_exhausted$/m)
    expect(r.stdout).toMatch(/^action\s+fallback/m)
    const v = run("npx", ["--no-install", NAME, "--version"], { cwd: project, env })
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version)
    const d = run("npx", ["--no-install", NAME, "doctor", "--json"], { cwd: project, env })
    expect(d.status).toBe(3) // no chains configured
    expect(JSON.parse(d.stdout).warnings.join("\n")).toContain("no chains configured")
    const bad = run("npx", ["--no-install", NAME, "frobnicate"], { cwd: project, env })
    expect(bad.status).toBe(2)
  })
})

function findFile(dir: string, suffix: string, depth = 0): string | undefined {
  if (depth > 6 || !existsSync(dir)) return undefined
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name)
    if (p.endsWith(suffix)) return p
    if (name.isDirectory() && name.name !== ".bin") {
      const hit = findFile(p, suffix, depth + 1)
      if (hit) return hit
    }
  }
  return undefined
}
