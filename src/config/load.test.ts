import { afterEach, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { configCandidates, formatIssues, INLINE_SOURCE, loadConfig } from "./load.ts"
import { DEFAULT_CONFIG } from "./schema.ts"

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function world(files: { user?: string; userJson?: string; project?: string }) {
  const root = mkdtempSync(join(tmpdir(), "orf-config-"))
  dirs.push(root)
  const xdg = join(root, "xdg")
  const project = join(root, "project")
  mkdirSync(join(xdg, "opencode"), { recursive: true })
  mkdirSync(join(project, ".opencode"), { recursive: true })
  if (files.user !== undefined) writeFileSync(join(xdg, "opencode", "runtime-fallback.jsonc"), files.user)
  if (files.userJson !== undefined) writeFileSync(join(xdg, "opencode", "runtime-fallback.json"), files.userJson)
  if (files.project !== undefined) writeFileSync(join(project, ".opencode", "runtime-fallback.jsonc"), files.project)
  return { env: { XDG_CONFIG_HOME: xdg }, directory: project, userFile: join(xdg, "opencode", "runtime-fallback.jsonc"), projectFile: join(project, ".opencode", "runtime-fallback.jsonc") }
}

describe("loading and merging", () => {
  test("no files: defaults", () => {
    const w = world({})
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(r.ok && r.config).toEqual(DEFAULT_CONFIG)
    expect(r.layers.map((l) => [l.kind, l.found])).toEqual([["user", false], ["project", false]])
  })

  test("user, then project, then inline options; later wins key by key; lists are replaced", () => {
    const w = world({
      user: `// user settings
        { "chains": { "default": ["a/one", "a/two"], "agents": { "plan": ["a/p"] } }, "retry": { "maxHostAttempts": 4, }, }`,
      project: `{ "chains": { "default": ["b/one"] }, "retry": { "maxHostWaitMs": 1000 } }`,
    })
    const r = loadConfig({ env: w.env, directory: w.directory, options: { retry: { maxHostAttempts: 1 }, debug: true } })
    if (!r.ok) throw new Error(formatIssues(r.issues))
    expect(r.config.chains.default).toEqual(["b/one"])
    expect(r.config.chains.agents).toEqual({ plan: ["a/p"] })
    expect(r.config.retry.maxHostAttempts).toBe(1)
    expect(r.config.retry.maxHostWaitMs).toBe(1000)
    expect(r.config.debug).toBe(true)
    expect(r.layers.map((l) => l.kind)).toEqual(["user", "project", "inline"])
  })

  test("a .json file is read when there is no .jsonc", () => {
    const w = world({ userJson: `{ "chains": { "default": ["c/x"] } }` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(r.ok && r.config.chains.default).toEqual(["c/x"])
  })

  test("the default user directory is ~/.config/opencode", () => {
    expect(configCandidates({ env: {}, home: "/home/u" })[0]!.files[0]).toBe("/home/u/.config/opencode/runtime-fallback.jsonc")
  })

  test("object chain entries with a variant", () => {
    const w = world({ user: `{ "chains": { "default": [{ "model": "p/m", "variant": "high" }] } }` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(r.ok && r.config.chains.default).toEqual([{ model: "p/m", variant: "high" }])
  })
})

describe("readable errors naming the file and the key", () => {
  test("bad JSONC: line and column", () => {
    const w = world({ project: `{\n  "chains": { "default": ["a/b" }\n}` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues[0]!.file).toBe(w.projectFile)
    expect(r.issues[0]!.message).toMatch(/^JSONC syntax error at line 2, column \d+: /)
  })

  test("a wrong type: the key path", () => {
    const w = world({ user: `{ "retry": { "maxHostAttempts": "two" } }` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(!r.ok && formatIssues(r.issues)).toBe(`${w.userFile}: retry.maxHostAttempts: Invalid input: expected number, received string`)
  })

  test("an unknown key (a typo) is named", () => {
    const w = world({ user: `{ "chain": { "default": [] } }` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(!r.ok && r.issues[0]).toMatchObject({ file: w.userFile, path: "chain" })
  })

  test("a malformed model string says what is expected", () => {
    const r = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, options: { chains: { default: ["gpt-4o"] } } })
    expect(!r.ok && r.issues[0]).toMatchObject({ file: INLINE_SOURCE, path: "chains.default[0]" })
    expect(!r.ok && r.issues[0]!.message).toContain('expected "provider/model"')
  })

  test("errors in several files are all reported", () => {
    const w = world({ user: `{ "enabled": 3 }`, project: `{ "debug": "yes" }` })
    const r = loadConfig({ env: w.env, directory: w.directory })
    expect(!r.ok && r.issues.map((i) => i.file)).toEqual([w.userFile, w.projectFile])
  })

  test("an empty file is an empty config", () => {
    const w = world({ user: "   // nothing yet\n" })
    expect(loadConfig({ env: w.env, directory: w.directory }).ok).toBe(true)
  })
})
