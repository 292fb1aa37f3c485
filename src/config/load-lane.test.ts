// Config that stays in its lane: what a project's config (or a hostile file) cannot do.
import { afterEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { configuredChain } from "../fallback/chain.ts"
import { INLINE_SOURCE, loadConfig, MAX_CONFIG_BYTES } from "./load.ts"
import { configSchema } from "./schema.ts"

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function world() {
  const root = mkdtempSync(join(tmpdir(), "orf-lane-"))
  dirs.push(root)
  mkdirSync(join(root, "xdg", "opencode"), { recursive: true })
  mkdirSync(join(root, "project", ".opencode"), { recursive: true })
  const userFile = join(root, "xdg", "opencode", "runtime-fallback.jsonc")
  const projectFile = join(root, "project", ".opencode", "runtime-fallback.jsonc")
  const load = (options?: unknown) => loadConfig({ env: { XDG_CONFIG_HOME: join(root, "xdg") }, directory: join(root, "project"), options })
  return { root, userFile, projectFile, load }
}

describe("the project layer cannot choose the state file", () => {
  test("ignored with a warning naming the key and the file; the rest of the project config applies", () => {
    const w = world()
    writeFileSync(w.projectFile, JSON.stringify({ cooldown: { stateFile: "../../.bashrc", baseMs: 5_000 }, chains: { default: ["a/b"] } }))
    const r = w.load()
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.cooldown.stateFile).toBeUndefined()
    expect(r.config.cooldown.baseMs).toBe(5_000)
    expect(r.config.chains.default).toEqual(["a/b"])
    expect(r.warnings).toEqual([{ file: w.projectFile, path: "cooldown.stateFile", message: expect.stringContaining("ignored") }])
  })
  test("the user config and the plugin options may set it", () => {
    const w = world()
    writeFileSync(w.userFile, JSON.stringify({ cooldown: { stateFile: "/u/h.json" } }))
    const user = w.load()
    expect(user.ok && user.config.cooldown.stateFile).toBe("/u/h.json")
    expect(user.warnings).toEqual([])
    const inline = w.load({ cooldown: { stateFile: "/i/h.json" } })
    expect(inline.ok && inline.config.cooldown.stateFile).toBe("/i/h.json")
  })
})

describe("config files are read only when they are regular files", () => {
  test("a symlink to /dev/zero is refused at once", () => {
    const w = world()
    symlinkSync("/dev/zero", w.userFile)
    const r = w.load()
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]).toMatchObject({ file: w.userFile, message: expect.stringContaining("not a regular file") })
  })
  test("a FIFO (or /dev/stdin) does not hang start-up", () => {
    const w = world()
    if (spawnSync("mkfifo", [w.projectFile]).status !== 0) symlinkSync("/dev/stdin", w.projectFile)
    const r = w.load()
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]?.message).toContain("not a regular file")
  })
  test("a symlink to a regular file is followed (dotfile repositories)", () => {
    const w = world()
    const real = join(w.root, "real.jsonc")
    writeFileSync(real, '{ "debug": true }')
    symlinkSync(real, w.userFile)
    const r = w.load()
    expect(r.ok && r.config.debug).toBe(true)
  })
  test("a file over the size cap is refused", () => {
    const w = world()
    writeFileSync(w.userFile, `{ "debug": true ${" ".repeat(MAX_CONFIG_BYTES)} }`)
    const r = w.load()
    expect(!r.ok && r.issues[0]?.message).toContain("larger than")
  })
})

describe("what a file may contain", () => {
  test("a UTF-8 BOM is accepted", () => {
    const w = world()
    writeFileSync(w.userFile, '\ufeff{ "debug": true }')
    const r = w.load()
    expect(r.ok && r.config.debug).toBe(true)
  })
  test("50 000-deep nesting is an issue, not a stack overflow", () => {
    const w = world()
    writeFileSync(w.userFile, `{ "chains": ${"[".repeat(50_000)}${"]".repeat(50_000)} }`)
    const r = w.load()
    expect(!r.ok && r.issues[0]?.message).toContain("nested deeper than")
  })
  test("a __proto__ key is refused, in files and in the plugin options", () => {
    const w = world()
    writeFileSync(w.userFile, '{ "chains": { "agents": { "__proto__": ["a/b"] } } }')
    const r = w.load()
    expect(!r.ok && r.issues[0]).toMatchObject({ file: w.userFile, path: "chains.agents.__proto__" })
    rmSync(w.userFile)
    const inline = w.load(JSON.parse('{ "__proto__": { "enabled": false } }'))
    expect(!inline.ok && inline.issues[0]).toMatchObject({ file: INLINE_SOURCE })
  })
  test("a chain for an agent named constructor is refused with a clear issue", () => {
    const w = world()
    writeFileSync(w.userFile, '{ "chains": { "agents": { "constructor": ["a/b"] } } }')
    const r = w.load()
    expect(!r.ok && r.issues[0]).toMatchObject({ file: w.userFile, path: "chains.agents.constructor", message: expect.stringContaining("reserved") })
  })
  test("agents and models named after Object.prototype members find their own chain or none, never a built-in", () => {
    const config = configSchema.parse({ chains: { default: ["d/x"], agents: { toString: ["c/y"] } } })
    expect(configuredChain(config.chains, "toString", undefined)).toMatchObject({ source: "agent", models: [{ providerID: "c", modelID: "y" }] })
    for (const agent of ["constructor", "__proto__", "hasOwnProperty", "valueOf"]) expect(configuredChain(config.chains, agent, { providerID: "constructor", modelID: "x" }).source).toBe("default")
    const bare = configSchema.parse({})
    expect(configuredChain(bare.chains, "constructor", { providerID: "__proto__", modelID: "x" })).toEqual({ source: "none", models: [] })
  })
})

describe("user regex rules are validated at load", () => {
  test.each([
    ["(a+)+$", "nested quantifiers"],
    ["(.*)*", "nested quantifiers"],
    ["(\\w+\\s?)*$", "nested quantifiers"],
    ["(a|a)*", "alternatives inside a repeat"],
    ["(a|ab)*c", "alternatives inside a repeat"],
    ["(|x)+", "alternatives inside a repeat"],
    ["(unclosed", "invalid regular expression"],
    ["(a)\\1", "back-reference"],
    ["(?=x)y", "lookaround"],
  ])("%s is refused with the file and key path", (match, why) => {
    const w = world()
    writeFileSync(w.projectFile, JSON.stringify({ classify: { rules: [{ match: "ok", code: "auth" }, { match, regex: true, code: "overloaded" }] } }))
    const r = w.load()
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues[0]).toMatchObject({ file: w.projectFile, path: "classify.rules[1].match" })
    expect(r.issues[0]!.message).toContain(why)
  })
  test.each(["quota.*exceeded", "^weird-(\\d+)$", "(?:foo|bar)+", "\\bkey\\b", "(ab)+", "rate ?limit", "[a-z]{3,8}-\\d+"])("%s is accepted", (match) => {
    expect(configSchema.safeParse({ classify: { rules: [{ match, regex: true, code: "auth" }] } }).success).toBe(true)
  })
  test("a substring rule is never treated as a pattern", () => {
    expect(configSchema.safeParse({ classify: { rules: [{ match: "(a+)+$", code: "auth" }] } }).success).toBe(true)
  })
})
