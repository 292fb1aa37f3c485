// The CLI (explain, doctor, argument parsing) with injected IO, env and temp dirs, and the generated config
// docs (schema.json and the README reference block) against the zod schema.
import { afterEach, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { configSchema } from "../../src/config/schema.ts"
import { currentReferenceBlock, renderJsonSchema, renderReferenceBlock, renderReferenceTable, replaceReferenceBlock } from "../../src/cli/config-reference.ts"
import type { CliIo } from "../../src/cli/format.ts"
import { HELP, parseArgs, runCli, VERSION } from "../../src/cli/main.ts"

const ROOT = resolve(import.meta.dir, "..", "..")
const NOW = Date.parse("2025-06-01T12:00:00.000Z")
const dirs: string[] = []

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

type Sandbox = { root: string; project: string; userDir: string; stateFile: string; env: Record<string, string> }

function sandbox(files: Record<string, string> = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "orf-cli-"))
  dirs.push(root)
  const s: Sandbox = {
    root,
    project: join(root, "project"),
    userDir: join(root, "config", "opencode"),
    stateFile: join(root, "state", "opencode", "runtime-fallback", "model-health.json"),
    env: { XDG_CONFIG_HOME: join(root, "config"), XDG_STATE_HOME: join(root, "state"), HOME: join(root, "home") },
  }
  mkdirSync(join(s.project, ".opencode"), { recursive: true })
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel)
    mkdirSync(dirname(p), { recursive: true })
    writeFileSync(p, text)
  }
  return s
}

async function cli(argv: string[], s: Sandbox, stdin = ""): Promise<{ code: number; out: string; err: string }> {
  let out = ""
  let err = ""
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: s.env,
    cwd: s.project,
    home: join(s.root, "home"),
    now: () => NOW,
    color: false,
    readStdin: async () => stdin,
  }
  const code = await runCli(argv, io)
  return { code, out, err }
}

const PROJECT_CONFIG = "project/.opencode/runtime-fallback.jsonc"
const USER_CONFIG = "config/opencode/runtime-fallback.jsonc"

describe("argument parsing", () => {
  test("help, version and usage errors", async () => {
    const s = sandbox()
    const help = await cli(["--help"], s)
    expect(help.code).toBe(0)
    expect(help.out).toBe(HELP)
    for (const line of ["0  all good", "1  config invalid", "2  usage error", "3  config valid, with warnings"]) expect(HELP).toContain(line)
    expect((await cli([], s)).out).toBe(HELP)
    expect((await cli(["-v"], s)).out).toBe(`${VERSION}\n`)
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version)
    for (const argv of [["frobnicate"], ["explain"], ["doctor", "extra"], ["doctor", "--nope"], ["explain", "--config"], ["doctor", "--config", "x.jsonc"], ["explain", "-x", "boom"]]) {
      const r = await cli(argv, s)
      expect(r.code).toBe(2)
      expect(r.err).toContain("--help")
      expect(r.out).toBe("")
    }
  })

  test("flags in any position, --flag=value, and words joined into one error text", () => {
    expect(parseArgs(["explain", "--json", "model", "not", "found", "--config=a.jsonc"])).toEqual({ kind: "explain", input: "model not found", json: true, configFile: "a.jsonc" })
    expect(parseArgs(["doctor", "--directory", "/x", "--json"])).toEqual({ kind: "doctor", json: true, directory: "/x" })
    expect(parseArgs(["explain", "--", "--looks-like-a-flag"])).toMatchObject({ kind: "explain", input: "--looks-like-a-flag" })
  })
})

describe("explain", () => {
  test("plain text: code, action, cooldown, rule and reason", async () => {
    const r = await cli(["explain", "You exceeded your current quota, please check your plan and billing details."], sandbox())
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^code\s+quota_exhausted$/m)
    expect(r.out).toMatch(/^action\s+fallback/m)
    expect(r.out).toMatch(/^rule\s+\S+/m)
    expect(r.out).toMatch(/^why\s+\S+/m)
    expect(r.out).toContain("built-in (no config file found)")
  })

  test("a JSON APIError: status, retry-after (relative and absolute), and secrets stay redacted", async () => {
    const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
    const err = {
      name: "APIError",
      data: {
        message: `Rate limit reached for key ${secret}`,
        statusCode: 429,
        isRetryable: true,
        responseHeaders: { "retry-after": "20" },
        responseBody: JSON.stringify({ error: { message: `Rate limit reached for key ${secret}`, type: "rate_limit_error" } }),
      },
    }
    const r = await cli(["explain", JSON.stringify(err)], sandbox())
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^code\s+rate_limited$/m)
    expect(r.out).toMatch(/^status\s+429$/m)
    expect(r.out).toMatch(/^retry after\s+20s \(20000 ms\), at 2025-06-01T12:00:20\.000Z$/m)
    expect(r.out + r.err).not.toContain(secret)

    const j = await cli(["explain", "--json", JSON.stringify(err)], sandbox())
    const parsed = JSON.parse(j.out)
    expect(parsed.failure).toMatchObject({ code: "rate_limited", action: "retry", statusCode: 429, retryAfterMs: 20_000 })
    expect(parsed.retryAfter).toBe("20s")
    expect(j.out).not.toContain(secret)
  })

  test("a long wait becomes quota_exhausted with a reset time, absolute and relative", async () => {
    const r = await cli(["explain", "--json", JSON.stringify({ name: "APIError", data: { message: "Too many requests", statusCode: 429, responseHeaders: { "retry-after": "7200" } } })], sandbox())
    const p = JSON.parse(r.out)
    expect(p.failure.code).toBe("quota_exhausted")
    expect(p.failure.resetAt).toBe(NOW + 7_200_000)
    expect(p.resetAt).toBe("2025-06-01T14:00:00.000Z")
    const t = await cli(["explain", JSON.stringify({ name: "APIError", data: { message: "Too many requests", statusCode: 429, responseHeaders: { "retry-after": "7200" } } })], sandbox())
    expect(t.out).toMatch(/^resets at\s+2025-06-01T14:00:00\.000Z \(in 2h\)$/m)
    expect(t.out).toContain("skipped until 2025-06-01T14:00:00.000Z")
  })

  test("evidence: the wait, the status, a body field or the wording that decided, strongest first", async () => {
    const gemini = { name: "APIError", data: { statusCode: 429, message: "You exceeded your current quota", responseBody: JSON.stringify({ error: { code: 429, message: "You exceeded your current quota. Please retry in 7.97s.", status: "RESOURCE_EXHAUSTED" } }) } }
    const w = await cli(["explain", JSON.stringify(gemini)], sandbox())
    expect(w.out).toMatch(/^code\s+rate_limited$/m)
    expect(w.out).toMatch(/^evidence\s+wait 8s \(retry hint in message\); then wording "exceeded your current quota"$/m)

    const status = await cli(["explain", JSON.stringify({ name: "APIError", data: { statusCode: 503, message: "" } })], sandbox())
    expect(status.out).toMatch(/^evidence\s+status HTTP 503$/m)

    const field = await cli(["explain", "--json", '{"error":{"code":"insufficient_quota","message":"quota"}}'], sandbox())
    expect(JSON.parse(field.out).decidedBy).toEqual({ kind: "field", detail: '"insufficient_quota"' })

    const proxy = await cli(["explain", "--json", "HTTP 403: read ECONNRESET"], sandbox())
    const p = JSON.parse(proxy.out)
    expect(p.failure).toMatchObject({ code: "network", action: "retry", statusCode: 403 })
    expect(p.decidedBy).toEqual({ kind: "wording", detail: '"econnreset"' })
  })

  test("reads stdin for -", async () => {
    const r = await cli(["explain", "-", "--json"], sandbox(), '{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}')
    expect(JSON.parse(r.out).failure.code).toBe("quota_exhausted")
    const empty = await cli(["explain", "-"], sandbox(), "  \n")
    expect(empty.code).toBe(2)
  })

  test("user rules from --config and from the discovered project file come first", async () => {
    const rules = JSON.stringify({ classify: { rules: [{ match: "flux capacitor", code: "model_missing" }] } })
    const s = sandbox({ "elsewhere/rf.jsonc": `// my rules\n${rules}`, [PROJECT_CONFIG]: JSON.stringify({ classify: { rules: [{ match: "warp core", code: "overloaded", action: "fallback" }] } }) })
    const viaFlag = await cli(["explain", "--config", join(s.root, "elsewhere/rf.jsonc"), "the flux capacitor is gone"], s)
    expect(viaFlag.code).toBe(0)
    expect(viaFlag.out).toMatch(/^code\s+model_missing$/m)
    expect(viaFlag.out).toMatch(/^rule\s+user\.0$/m)
    expect(viaFlag.out).toContain('user rule #1 matched "flux capacitor"')
    expect(viaFlag.out).toContain("1 user rule (from ")

    const discovered = await cli(["explain", "--json", "warp core breach"], s)
    const p = JSON.parse(discovered.out)
    expect(p.failure).toMatchObject({ code: "overloaded", action: "fallback", rule: "user.0" })
    expect(p.config.sources).toEqual([join(s.project, ".opencode", "runtime-fallback.jsonc")])
  })

  test("an invalid config: exit 1, built-in rules, the issue is named", async () => {
    const s = sandbox({ [USER_CONFIG]: '{ "classify": { "rules": [{ "match": "x", "code": "nope" }] } }', "bad.jsonc": "{ oops" })
    const r = await cli(["explain", "You exceeded your current quota"], s)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/^code\s+quota_exhausted$/m)
    expect(r.out).toContain("built-in rules only")
    expect(r.err).toContain("classify.rules[0].code")
    const missing = await cli(["explain", "--config", "nope.jsonc", "boom"], s)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain("file not found")
    const syntax = await cli(["explain", "--config", join(s.root, "bad.jsonc"), "boom"], s)
    expect(syntax.code).toBe(1)
    expect(syntax.err).toContain("JSONC syntax error")
  })
})

describe("doctor: chains written on agents, and neighbours", () => {
  const AGENT_MD = "---\ndescription: helper\nfallback_models:\n  - fake/one\n  - model: fake/two\n    variant: high\n---\nYou help.\n"

  test("fallback_models in opencode.json and in an agent's Markdown are shown with the file they came from", async () => {
    const s = sandbox({
      "project/opencode.json": JSON.stringify({ agent: { build: { fallback_models: ["openai/gpt-4.1"] } } }),
      "project/.opencode/agent/helper.md": AGENT_MD,
    })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/agent \(fallback_models\)\s+build\s+\(primary\) → openai\/gpt-4\.1\s+from \S+opencode\.json agent\.build\.fallback_models/)
    expect(r.out).toMatch(/agent \(fallback_models\)\s+helper\s+\(primary\) → fake\/one → fake\/two \(high\)\s+from \S+helper\.md frontmatter fallback_models/)
    expect(r.out).not.toContain("no chains configured")
    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.chains).toContainEqual({ scope: "agent-field", key: "build", models: ["(primary)", "openai/gpt-4.1"], source: `${join(s.project, "opencode.json")} agent.build.fallback_models` })
  })

  test("a bad entry is a warning naming the file, the agent and the key", async () => {
    const s = sandbox({ "project/opencode.json": JSON.stringify({ agent: { plan: { options: { fallback_models: ["fake/ok", "nope"] } } } }) })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain(`${join(s.project, "opencode.json")} agent.plan.options.fallback_models[1]: expected "provider/model"`)
  })

  test("chains.agents in runtime-fallback.jsonc takes precedence over the agent's fallback_models, and doctor says so", async () => {
    const s = sandbox({
      [PROJECT_CONFIG]: '{ "chains": { "agents": { "build": ["a/b"] } } }',
      "config/opencode/opencode.json": JSON.stringify({ agent: { build: { fallback_models: ["c/d"] } } }),
    })
    const r = await cli(["doctor"], s)
    expect(r.out).toMatch(/agent\s+build\s+\(primary\) → a\/b/)
    expect(r.out).not.toMatch(/→ c\/d/)
    expect(r.out).toContain("agent.build.fallback_models is not used: chains.agents[\"build\"] in runtime-fallback.jsonc takes precedence")
  })

  test("oh-my-openagent with its runtime fallback on: it acts, this plugin stands back", async () => {
    const s = sandbox({
      [USER_CONFIG]: '{ "chains": { "default": ["a/b"] } }',
      "config/opencode/opencode.json": JSON.stringify({ plugin: ["oh-my-openagent@4.19.4"] }),
      "home/.omo/omo.jsonc": '{ "runtime_fallback": true }',
    })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain("oh-my-openagent's runtime_fallback")
    expect(r.out).toContain("this plugin stands back")
    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.neighbours).toEqual({ found: [{ peer: "oh-my-openagent's runtime_fallback", where: join(s.root, "home", ".omo", "omo.jsonc") }], acting: "the other" })
  })

  test('"neighbours": "act": both act, and doctor warns', async () => {
    const s = sandbox({
      [USER_CONFIG]: '{ "chains": { "default": ["a/b"] }, "neighbours": "act" }',
      "project/opencode.json": JSON.stringify({ plugin: ["opencode-rate-limit-fallback"] }),
    })
    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.neighbours.acting).toBe("both")
    expect(j.warnings.some((w: string) => w.includes("re-sent twice"))).toBe(true)
  })

  test("no neighbour: this plugin acts", async () => {
    const s = sandbox({ [USER_CONFIG]: '{ "chains": { "default": ["a/b"] } }' })
    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.neighbours).toEqual({ found: [], acting: "this plugin" })
  })
})

describe("doctor", () => {
  test("no config: defaults, no chains → warning (exit 3)", async () => {
    const s = sandbox()
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain(join(s.userDir, "runtime-fallback.jsonc"))
    expect(r.out).toContain(join(s.project, ".opencode", "runtime-fallback.jsonc"))
    expect(r.out).toMatch(/not found/)
    expect(r.out).toContain("no chains configured")
    expect(r.out).toContain("no failures recorded")
    expect(r.out).toContain("exit 3")
  })

  test("valid config with chains: resolved chains, exit 0; project wins over user", async () => {
    const s = sandbox({
      [USER_CONFIG]: `{
        // user defaults
        "chains": { "default": ["openai/gpt-4.1"], "models": { "anthropic/claude-sonnet-4": ["openai/gpt-4.1", { "model": "google/gemini-2.5-pro", "variant": "high" }] } },
      }`,
      [PROJECT_CONFIG]: '{ "chains": { "agents": { "build": ["openrouter/deepseek/deepseek-r1"] } } }',
    })
    const r = await cli(["doctor"], s)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/user\s+\S+runtime-fallback\.jsonc\s+valid/)
    expect(r.out).toMatch(/project\s+\S+runtime-fallback\.jsonc\s+valid/)
    expect(r.out).toMatch(/agent\s+build\s+\(primary\) → openrouter\/deepseek\/deepseek-r1/)
    expect(r.out).toMatch(/model\s+anthropic\/claude-sonnet-4\s+anthropic\/claude-sonnet-4 → openai\/gpt-4\.1 → google\/gemini-2\.5-pro \(high\)/)
    expect(r.out).toMatch(/default\s+\(primary\) → openai\/gpt-4\.1/)
    expect(r.out).toContain("all good")

    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.exitCode).toBe(0)
    expect(j.chains).toContainEqual({ scope: "agent", key: "build", models: ["(primary)", "openrouter/deepseek/deepseek-r1"], source: `${join(s.project, ".opencode", "runtime-fallback.jsonc")} chains.agents.build` })
    expect(j.chains).toContainEqual(expect.objectContaining({ scope: "default", source: `${join(s.userDir, "runtime-fallback.jsonc")} chains.default` }))
    expect(j.files.map((f: { valid?: boolean }) => f.valid)).toEqual([true, true])
  })

  test("--directory picks the project", async () => {
    const s = sandbox({ "other/.opencode/runtime-fallback.json": '{ "chains": { "default": ["a/b"] } }' })
    const r = await cli(["doctor", "--directory", join(s.root, "other")], s)
    expect(r.code).toBe(0)
    expect(r.out).toContain(join(s.root, "other", ".opencode", "runtime-fallback.json"))
  })

  test("invalid JSONC: exit 1, names the file and the position", async () => {
    const s = sandbox({ [PROJECT_CONFIG]: '{ "chains": { "default": ["a/b" } }' })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/project\s+\S+\s+INVALID/)
    expect(r.out).toContain(join(s.project, ".opencode", "runtime-fallback.jsonc"))
    expect(r.out).toMatch(/JSONC syntax error at line 1, column \d+/)
    expect(r.out).toContain("config invalid")
  })

  test("wrong type: exit 1 with the key path", async () => {
    const s = sandbox({ [USER_CONFIG]: '{ "retry": { "maxHostAttempts": "three" }, "chains": { "default": ["not-a-model"] } }' })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(1)
    expect(r.out).toContain("retry.maxHostAttempts: ")
    expect(r.out).toContain("chains.default[0]")
    expect(r.out).toMatch(/user\s+\S+\s+INVALID/)
    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.issues.map((i: { path: string }) => i.path)).toContain("retry.maxHostAttempts")
    expect(j.exitCode).toBe(1)
  })

  test("unknown key: exit 1, the key is named", async () => {
    const s = sandbox({ [PROJECT_CONFIG]: '{ "chains": { "defualt": ["a/b"] }, "colour": true }' })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(1)
    expect(r.out).toContain("chains.defualt")
    expect(r.out).toContain("colour")
    expect(r.out).toMatch(/unknown key/)
  })

  test("a cooling model in the state file: exit 3 with time left; an expired one is shown as ok", async () => {
    const s = sandbox({ [USER_CONFIG]: '{ "chains": { "default": ["openai/gpt-4.1"] } }' })
    mkdirSync(dirname(s.stateFile), { recursive: true })
    const entries = [
      { model: "anthropic/claude-sonnet-4", code: "quota_exhausted", message: "quota used up", until: NOW + 42 * 60_000, strikes: 2, at: NOW - 60_000 },
      { model: "openai/gpt-4.1", code: "auth", message: "bad key [redacted-key]", until: NOW - 5 * 60_000, strikes: 1, at: NOW - 20 * 60_000 },
    ]
    writeFileSync(s.stateFile, JSON.stringify({ version: 1, entries }))
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain(s.stateFile)
    expect(r.out).toMatch(/anthropic\/claude-sonnet-4\s+cooling, 42m left\s+until 2025-06-01T12:42:00\.000Z\s+quota_exhausted\s+strikes 2/)
    expect(r.out).toMatch(/openai\/gpt-4\.1\s+ok, cooldown ended 5m ago/)
    expect(r.out).toContain("anthropic/claude-sonnet-4 is cooling down for 42m")

    const j = JSON.parse((await cli(["doctor", "--json"], s)).out)
    expect(j.health[0]).toMatchObject({ model: "anthropic/claude-sonnet-4", cooling: true, leftMs: 42 * 60_000 })
    expect(j.health[1]).toMatchObject({ model: "openai/gpt-4.1", cooling: false, leftMs: 0 })
  })

  test("cooldown.stateFile from config is used; a damaged state file is a warning", async () => {
    const custom = "custom/health.json"
    const s = sandbox({ [custom]: '{"version":2,"entries":[\n{"key":"a/b","scope":', [USER_CONFIG]: "" })
    writeFileSync(join(s.userDir, "runtime-fallback.jsonc"), JSON.stringify({ chains: { default: ["a/b"] }, cooldown: { stateFile: join(s.root, custom) } }))
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain(`ignoring damaged state file ${join(s.root, custom)}`)
  })

  test("warnings: a chain naming its own model, a duplicate, a shadowed .json file, disabled", async () => {
    const s = sandbox({
      [USER_CONFIG]: '{ "enabled": false, "chains": { "models": { "a/b": ["a/b", "c/d", "c/d"] } } }',
      "config/opencode/runtime-fallback.json": "{}",
    })
    const r = await cli(["doctor"], s)
    expect(r.code).toBe(3)
    expect(r.out).toContain('chains.models["a/b"] names its own model a/b')
    expect(r.out).toContain('chains.models["a/b"] lists c/d more than once')
    expect(r.out).toMatch(/runtime-fallback\.json is ignored: .*runtime-fallback\.jsonc takes precedence/)
    expect(r.out).toContain("disabled")
    expect(r.out).toMatch(/model\s+a\/b\s+a\/b → c\/d/)
  })
})

describe("generated config docs", () => {
  function leafKeys(schema: unknown, prefix = ""): string[] {
    // Walk the zod object shapes (independently of the JSON Schema the generator uses).
    let s = schema as { _zod: { def: { type: string; shape?: Record<string, unknown>; innerType?: unknown } } }
    while (["default", "prefault", "optional"].includes(s._zod.def.type)) s = s._zod.def.innerType as typeof s
    if (s._zod.def.type !== "object" || !s._zod.def.shape) return prefix ? [prefix] : []
    return Object.entries(s._zod.def.shape).flatMap(([k, v]) => (k === "$schema" ? [] : leafKeys(v, prefix ? `${prefix}.${k}` : k)))
  }

  test("the reference table names every key of the schema", () => {
    const keys = leafKeys(configSchema)
    expect(keys).toContain("retry.maxHostAttempts")
    expect(keys.length).toBeGreaterThan(15)
    const table = renderReferenceTable()
    for (const k of keys) expect(table).toContain(`| \`${k}\` |`)
    expect(table).toContain("`classify.rules[].match`")
    expect(table).toContain("`chains.models.<provider/model>`")
  })

  test("README's config reference block is current (when README.md has the markers)", () => {
    const readme = join(ROOT, "README.md")
    const block = existsSync(readme) ? currentReferenceBlock(readFileSync(readme, "utf8")) : undefined
    if (block !== undefined) expect(block).toBe(renderReferenceBlock())
    else expect(renderReferenceBlock()).toContain(renderReferenceTable())
  })

  test("the README block is replaced between the markers only", () => {
    const readme = `# Title\n\nintro\n\n${"<!-- config-reference:start -->"}\nold table\n${"<!-- config-reference:end -->"}\n\n## After\n`
    const next = replaceReferenceBlock(readme)!
    expect(next.startsWith("# Title\n\nintro\n\n")).toBe(true)
    expect(next.endsWith("\n\n## After\n")).toBe(true)
    expect(currentReferenceBlock(next)).toBe(renderReferenceBlock())
    expect(replaceReferenceBlock(next)).toBe(next) // idempotent
    expect(replaceReferenceBlock("# no markers\n")).toBeUndefined()
  })

  test("schema.json is current and carries $id, title and descriptions", () => {
    const text = readFileSync(join(ROOT, "schema.json"), "utf8")
    expect(text).toBe(renderJsonSchema())
    const json = JSON.parse(text)
    expect(json.$id).toMatch(/schema\.json$/)
    expect(json.title).toBe("opencode-turn-fallback config")
    expect(json.properties.retry.properties.maxHostAttempts).toMatchObject({ default: 2, type: "integer", minimum: 0, maximum: 20 })
    expect(json.properties.retry.properties.maxHostAttempts.description).toBeString()
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER))
  })
})
