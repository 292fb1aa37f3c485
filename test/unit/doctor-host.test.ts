// doctor's host check: the installed opencode's version against engines.opencode. Fake `opencode` binaries
// are small shell scripts that print a version; one test runs the real host binary of the devDependency.
import { afterEach, describe, expect, test } from "bun:test"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { checkHost, SUPPORTED_RANGE } from "../../src/cli/host-check.ts"
import type { CliIo } from "../../src/cli/format.ts"
import { runCli } from "../../src/cli/main.ts"

const ROOT = resolve(import.meta.dir, "..", "..")
const REAL_HOST = join(ROOT, "node_modules", "opencode-ai", "bin", "opencode.exe")
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function world() {
  const root = mkdtempSync(join(tmpdir(), "orf-doctor-host-"))
  dirs.push(root)
  const project = join(root, "project")
  mkdirSync(join(project, ".opencode"), { recursive: true })
  // a chain, so that "no chains configured" does not add its own warning
  writeFileSync(join(project, ".opencode", "runtime-fallback.jsonc"), '{ "chains": { "default": ["a/b"] } }')
  const env: Record<string, string> = { XDG_CONFIG_HOME: join(root, "config"), XDG_STATE_HOME: join(root, "state"), HOME: join(root, "home"), PATH: join(root, "empty") }
  const fakeHost = (dir: string, script: string) => {
    mkdirSync(join(root, dir), { recursive: true })
    const p = join(root, dir, "opencode")
    writeFileSync(p, `#!/bin/sh\n${script}\n`)
    chmodSync(p, 0o755)
    return p
  }
  return { root, project, env, fakeHost }
}

async function doctor(argv: string[], w: ReturnType<typeof world>) {
  let out = ""
  const io: CliIo = { out: (t) => void (out += t), err: () => {}, env: w.env, cwd: w.project, home: join(w.root, "home"), now: () => 0, color: false, readStdin: async () => "" }
  const code = await runCli(["doctor", ...argv], io)
  return { code, out }
}

describe("doctor checks the installed opencode against engines.opencode", () => {
  test("the range it checks is the package's", () => {
    expect(SUPPORTED_RANGE).toBe(pkg.engines.opencode)
  })

  test("a host in range: said so, exit 0", async () => {
    const w = world()
    const bin = w.fakeHost("bin", 'echo "1.18.33"')
    const r = await doctor(["--opencode", bin], w)
    expect(r.out).toContain(`opencode 1.18.33 (${bin}): in the supported range ${SUPPORTED_RANGE}`)
    expect(r.code).toBe(0)
  })

  test("a host below the range: a warning that says the host skips the plugin silently, exit 3", async () => {
    const w = world()
    const bin = w.fakeHost("bin", 'echo "1.3.2"')
    const r = await doctor(["--opencode", bin], w)
    expect(r.code).toBe(3)
    expect(r.out).toContain("NOT in the supported range")
    expect(r.out).toContain(`opencode 1.3.2 is outside this plugin's supported range (${SUPPORTED_RANGE}): the host skips the plugin at start-up without showing anything`)
    const j = JSON.parse((await doctor(["--opencode", bin, "--json"], w)).out)
    expect(j.host).toEqual({ bin, from: "option", version: "1.3.2", range: SUPPORTED_RANGE, inRange: false })
  })

  test("OpenCode 2: told that it loads no OpenCode 1 plugin", async () => {
    const w = world()
    const bin = w.fakeHost("bin", 'echo "2.0.0"')
    const r = await doctor(["--opencode", bin], w)
    expect(r.code).toBe(3)
    expect(r.out).toContain("opencode 2.0.0 is OpenCode 2, which loads no OpenCode 1 plugin")
  })

  test("found through $OPENCODE_BIN, else on PATH; 1.19.x is in range", async () => {
    const w = world()
    const viaEnv = w.fakeHost("env", 'echo "1.19.3"')
    const viaPath = w.fakeHost("path", '[ "$1" = "--version" ] && echo "1.18.33" || exit 9')
    w.env.PATH = `${join(w.root, "empty")}:${join(w.root, "path")}`
    expect(checkHost({ env: w.env })).toMatchObject({ bin: viaPath, from: "path", version: "1.18.33", inRange: true })
    expect(checkHost({ env: { ...w.env, OPENCODE_BIN: viaEnv } })).toMatchObject({ bin: viaEnv, from: "env", version: "1.19.3", inRange: true })
  })

  test("no opencode anywhere: a note on how to check, not a warning", async () => {
    const w = world()
    const r = await doctor([], w)
    expect(r.code).toBe(0)
    expect(r.out).toContain(`opencode is not on PATH; pass --opencode <path> (or set OPENCODE_BIN) to check its version against ${SUPPORTED_RANGE}`)
  })

  test("a binary that fails or prints no version: a warning naming it", async () => {
    const w = world()
    const bin = w.fakeHost("bin", 'echo "boom" >&2; exit 4')
    const r = await doctor(["--opencode", bin], w)
    expect(r.code).toBe(3)
    expect(r.out).toContain(`could not check the opencode version: ${bin} --version exited 4`)
    const missing = await doctor(["--opencode", join(w.root, "nope")], w)
    expect(missing.code).toBe(3)
    expect(missing.out).toContain("does not exist")
  })

  test("--opencode is a doctor option only", async () => {
    const w = world()
    let err = ""
    const io: CliIo = { out: () => {}, err: (t) => void (err += t), env: w.env, cwd: w.project, now: () => 0, color: false, readStdin: async () => "" }
    expect(await runCli(["explain", "--opencode", "x", "boom"], io)).toBe(2)
    expect(err).toContain("--opencode is a doctor option")
  })

  test("the real host binary of the devDependency: its version read and in range", () => {
    const h = checkHost({ opencode: REAL_HOST, env: { PATH: process.env.PATH ?? "" } })
    expect(h.version).toBe(JSON.parse(readFileSync(join(ROOT, "node_modules", "opencode-ai", "package.json"), "utf8")).version)
    expect(h.inRange).toBe(true)
  }, 60_000)
})
