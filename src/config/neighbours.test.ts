// Finding another mechanism that re-sends failed turns: plugin entries, and oh-my-openagent's own config.
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { detectNeighbours, omoConfigFiles, omoRuntimeFallback, pluginName } from "./neighbours.ts"

let root: string
let home: string
let project: string
let env: Record<string, string>
const write = (rel: string, text: string) => {
  const p = join(root, rel)
  mkdirSync(join(p, ".."), { recursive: true })
  writeFileSync(p, text)
  return p
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "orf-neighbours-"))
  home = join(root, "home")
  project = join(root, "project")
  mkdirSync(home, { recursive: true })
  mkdirSync(project, { recursive: true })
  env = { HOME: home, XDG_CONFIG_HOME: join(root, "config") }
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const scan = (plugins: unknown[]) => detectNeighbours({ plugins, directory: project, env, home })

describe("plugin names from plugin entries", () => {
  test("npm specs, with versions and scopes", () => {
    expect(pluginName("oh-my-openagent")).toBe("oh-my-openagent")
    expect(pluginName("oh-my-opencode@4.19.4")).toBe("oh-my-opencode")
    expect(pluginName("@razroo/opencode-model-fallback@latest")).toBe("@razroo/opencode-model-fallback")
    expect(pluginName(["opencode-rate-limit-fallback@0.3.1", { x: 1 }])).toBe("opencode-rate-limit-fallback")
  })
  test("a path plugin: its package.json name, else its file name", () => {
    write("plugins/peer/package.json", JSON.stringify({ name: "oh-my-openagent" }))
    expect(pluginName(pathToFileURL(join(root, "plugins/peer")).href)).toBe("oh-my-openagent")
    expect(pluginName(pathToFileURL(join(root, "plugins/opencode-fallback.ts")).href)).toBe("opencode-fallback")
  })
  test("garbage is no name", () => {
    for (const g of [undefined, 1, "", [], [2], {}]) expect(pluginName(g)).toBeUndefined()
  })
})

describe("plugins that re-send failed turns whenever they are loaded", () => {
  test("found by name, whatever the version", () => {
    expect(scan(["@smart-coders-hq/opencode-model-fallback@1.3.4", "opencode-skills"])).toEqual([{ peer: "@smart-coders-hq/opencode-model-fallback", where: 'plugin entry "@smart-coders-hq/opencode-model-fallback"' }])
  })
  test("unrelated plugins are not neighbours", () => {
    expect(scan(["opencode-skills", "file:///x/opencode-turn-fallback"])).toEqual([])
  })
})

describe("oh-my-openagent's runtime_fallback (off by default)", () => {
  test("loaded but not enabled: not a neighbour", () => {
    write("home/.omo/omo.jsonc", "{ // nothing\n }")
    expect(scan(["oh-my-openagent"])).toEqual([])
  })
  test("enabled in ~/.omo/omo.jsonc (object form)", () => {
    const f = write("home/.omo/omo.jsonc", '{ "runtime_fallback": { "enabled": true, "max_fallback_attempts": 3 } }')
    expect(scan(["oh-my-openagent@4.19.4"])).toEqual([{ peer: "oh-my-openagent's runtime_fallback", where: f }])
  })
  test("enabled in the [opencode] block of omo.jsonc", () => {
    write("home/.omo/omo.jsonc", '{ "runtime_fallback": false, "[opencode]": { "runtime_fallback": true } }')
    expect(omoRuntimeFallback({ directory: project, env, home }).enabled).toBe(true)
  })
  test("the project file is merged over the user's", () => {
    write("home/.omo/omo.jsonc", '{ "runtime_fallback": true }')
    const f = write("project/.omo/omo.jsonc", '{ "runtime_fallback": { "enabled": false } }')
    expect(omoRuntimeFallback({ directory: project, env, home })).toEqual({ enabled: false, file: f })
  })
  test("disabled_hooks: [\"runtime-fallback\"] turns it off", () => {
    write("home/.omo/omo.jsonc", '{ "runtime_fallback": true, "disabled_hooks": ["runtime-fallback"] }')
    expect(scan(["oh-my-openagent"])).toEqual([])
  })
  test("earlier versions: oh-my-opencode.json in the OpenCode config dir, or oh-my-openagent.jsonc in the project", () => {
    const user = write("config/opencode/oh-my-opencode.json", '{ "runtime_fallback": true }')
    expect(scan(["oh-my-opencode"])).toEqual([{ peer: "oh-my-openagent's runtime_fallback", where: user }])
    const proj = write("project/.opencode/oh-my-openagent.jsonc", '{ "runtime_fallback": { "enabled": false } }')
    expect(omoConfigFiles({ directory: project, env, home })).toEqual([user, proj])
    expect(scan(["oh-my-opencode"])).toEqual([])
  })
  test("once an omo.jsonc exists the earlier files are not read (oh-my-openagent migrated them)", () => {
    write("config/opencode/oh-my-opencode.json", '{ "runtime_fallback": true }')
    write("home/.omo/omo.jsonc", "{}")
    expect(scan(["oh-my-opencode"])).toEqual([])
  })
  test("enabled in its config but not loaded: not a neighbour", () => {
    write("home/.omo/omo.jsonc", '{ "runtime_fallback": true }')
    expect(scan(["opencode-skills"])).toEqual([])
  })
  test("a broken config file is not read as enabled", () => {
    write("home/.omo/omo.jsonc", '{ "runtime_fallback": true, ')
    expect(scan(["oh-my-openagent"])).toEqual([])
  })
})
