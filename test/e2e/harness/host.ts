// Starts a real `opencode serve` in an isolated sandbox (temp HOME and XDG dirs, loopback only), points it at
// the fake provider, loads the plugin under test, and records events, the host log and the provider log.
// Waiting is event-based: every wait resolves on an event (or a provider request) and has a generous timeout.
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk"
import type { FakeProvider, Protocol } from "./fake-provider.ts"
import { envHostDefaults, stubRipgrepPath } from "./hosts.ts"

export const REPO_ROOT = resolve(import.meta.dir, "..", "..", "..")
export const OPENCODE_BIN = join(REPO_ROOT, "node_modules", "opencode-ai", "bin", "opencode.exe")

export type HostEvent = { t: number; type: string; properties: any }

/**
 * Built-in providers of the host, pointed at the fake by `provider.<id>.options.baseURL` (+ a dummy apiKey):
 * no install, the host's bundled SDK speaks to the fake. The package serving each, as `GET /config/providers`
 * reports it (`api.npm`) on opencode 1.18.33: anthropic → @ai-sdk/anthropic (POST /v1/messages), openai →
 * @ai-sdk/openai (Responses API, POST /v1/responses), google → @ai-sdk/google
 * (POST /v1beta/models/<id>:streamGenerateContent?alt=sse), openrouter → @openrouter/ai-sdk-provider
 * (POST /api/v1/chat/completions). The harness's own `fake` provider is @ai-sdk/openai-compatible.
 */
export const BUILTIN_PROTOCOL = { anthropic: "anthropic", openai: "openai-responses", google: "google", openrouter: "openrouter" } as const satisfies Record<string, Protocol>
export type BuiltinProvider = keyof typeof BUILTIN_PROTOCOL
export type PluginSpec = string | [string, Record<string, unknown>]

export type HostOptions = {
  provider: FakeProvider
  /** Plugin entries for opencode.json. Default: this checkout as a local path plugin. `[]` runs the bare host. */
  plugins?: PluginSpec[]
  /** Fake model ids to declare (default behaviours come from the id prefix). */
  models?: string[]
  /** Extra keys of a fake model's declaration (e.g. `limit`, `attachment`, `tool_call`), by model id. */
  modelSpecs?: Record<string, Record<string, unknown>>
  /** Built-in providers to enable, each with the model ids to declare on it (served by the fake). */
  builtin?: Partial<Record<BuiltinProvider, string[]>>
  /** Primary model for new sessions, as "fake/<id>". */
  model?: string
  /** More provider ids served by the same fake provider: { "<provider id>": ["<model id>", …] }. */
  extraProviders?: Record<string, string[]>
  /** Extra keys merged into opencode.json (agents, etc.). */
  config?: Record<string, unknown>
  /** Files to write, relative to the sandbox root (e.g. "config/opencode/runtime-fallback.jsonc"). */
  files?: Record<string, string>
  /** Reuse a sandbox directory (host restarts keep state). */
  sandbox?: string
  env?: Record<string, string>
  label?: string
  /** Host binary (default: $ORF_HOST_VERSION's from .hosts/, else the devDependency; see harness/hosts.ts). */
  bin?: string
}

export type Host = {
  url: string
  client: OpencodeClient
  sandbox: string
  project: string
  events: HostEvent[]
  startedAt: number
  /** Host log captured from --print-logs (stderr). */
  log(): string
  waitForEvent(pred: (e: HostEvent) => boolean, timeoutMs?: number, label?: string): Promise<HostEvent>
  /** Resolves when the session is idle and its last assistant message is completed. */
  waitForIdle(sessionID: string, timeoutMs?: number): Promise<void>
  createSession(title?: string): Promise<string>
  prompt(sessionID: string, text: string, model?: string, extra?: Record<string, unknown>): Promise<void>
  messages(sessionID: string): Promise<Array<{ info: any; parts: any[] }>>
  /** Plugin trace records (JSONL written by the plugin when `trace` is configured by the harness). */
  trace(): any[]
  stop(opts?: { keepSandbox?: boolean }): Promise<void>
}

const DEFAULT_MODELS = ["ok-model", "title-model", "backup-model"]

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once("error", rej)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port
      s.close(() => res(port))
    })
  })
}

export function sandboxEnv(sandbox: string, extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {}
  for (const k of ["PATH", "LANG", "TERM", "TMPDIR"]) if (process.env[k]) base[k] = process.env[k]!
  return {
    ...base,
    HOME: join(sandbox, "home"),
    XDG_CONFIG_HOME: join(sandbox, "config"),
    XDG_DATA_HOME: join(sandbox, "data"),
    XDG_CACHE_HOME: join(sandbox, "cache"),
    XDG_STATE_HOME: join(sandbox, "state"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    // The host npm-installs @opencode-ai/plugin into config dirs; keep that off the network and fast.
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_fetch_retries: "0",
    npm_config_offline: "true",
    NO_COLOR: "1",
    ...extra,
  }
}

/** Pre-seed a config dir so the host does not try to npm-install @opencode-ai/plugin into it. */
function seedConfigDir(dir: string) {
  mkdirSync(join(dir, "node_modules"), { recursive: true })
  const pkg = { dependencies: { "@opencode-ai/plugin": "1.18.33" } }
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2))
  if (!existsSync(join(dir, "package-lock.json")))
    writeFileSync(
      join(dir, "package-lock.json"),
      JSON.stringify({ name: "", lockfileVersion: 3, requires: true, packages: { "": { dependencies: pkg.dependencies } } }, null, 2),
    )
}

export function opencodeConfig(provider: FakeProvider, o: HostOptions): Record<string, unknown> {
  const models = [...new Set([...DEFAULT_MODELS, ...(o.models ?? [])])]
  const plugins = o.plugins ?? [REPO_ROOT]
  const builtin = Object.entries(o.builtin ?? {}) as Array<[BuiltinProvider, string[]]>
  const declare = (ids: string[]) => Object.fromEntries(ids.map((m) => [m, { name: m, limit: { context: 32000, output: 4096 }, ...(o.modelSpecs?.[m] ?? {}) }]))
  const fakeProvider = (name: string, ids: string[]) => ({
    npm: "@ai-sdk/openai-compatible",
    name,
    options: { baseURL: provider.url, apiKey: "sk-fake-not-a-secret" },
    models: declare(ids),
  })
  const extra = Object.entries(o.extraProviders ?? {})
  return {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: o.model ?? "fake/ok-model",
    small_model: "fake/title-model",
    enabled_providers: ["fake", ...extra.map(([id]) => id), ...builtin.map(([id]) => id)],
    provider: {
      fake: fakeProvider("Fake loopback provider", models),
      ...Object.fromEntries(extra.map(([id, ids]) => [id, fakeProvider(`Fake loopback provider (${id})`, ids)])),
      ...Object.fromEntries(
        builtin.map(([id, ids]) => [id, { options: { baseURL: provider.urls[BUILTIN_PROTOCOL[id]], apiKey: "sk-fake-not-a-secret" }, models: declare(ids) }]),
      ),
    },
    plugin: plugins,
    ...(o.config ?? {}),
  }
}

/** The sandbox a host runs in: temp HOME/XDG dirs, seeded config dirs, the project's opencode.json, extra files. */
export function prepareSandbox(o: HostOptions): { sandbox: string; project: string; env: Record<string, string> } {
  const sandbox = o.sandbox ?? mkdtempSync(join(tmpdir(), `orf-e2e-${o.label ?? "host"}-`))
  const project = join(sandbox, "project")
  for (const d of ["home", "config/opencode", "data", "cache", "state", "project/.opencode"]) mkdirSync(join(sandbox, d), { recursive: true })
  seedConfigDir(join(sandbox, "config", "opencode"))
  seedConfigDir(join(project, ".opencode"))
  if (!existsSync(join(project, ".git"))) mkdirSync(join(project, ".git"), { recursive: true })
  writeFileSync(join(project, "opencode.json"), JSON.stringify(opencodeConfig(o.provider, o), null, 2))
  for (const [rel, content] of Object.entries(o.files ?? {})) {
    const p = join(sandbox, rel)
    mkdirSync(resolve(p, ".."), { recursive: true })
    writeFileSync(p, content)
  }
  return { sandbox, project, env: sandboxEnv(sandbox, { ORF_TRACE_FILE: join(sandbox, "plugin-trace.jsonl"), ...(o.env ?? {}) }) }
}

export async function startHost(o: HostOptions): Promise<Host> {
  const defaults = envHostDefaults()
  if (!o.plugins && defaults.plugins) o = { ...o, plugins: defaults.plugins, env: { ...defaults.env, ...o.env } }
  const bin = o.bin ?? defaults.bin ?? OPENCODE_BIN
  const { sandbox, project, env } = prepareSandbox(o)
  // Hosts other than the devDependency (1.14/1.15 download ripgrep at start) get a stub rg on PATH.
  if (bin !== OPENCODE_BIN) env.PATH = stubRipgrepPath(sandbox, env.PATH)
  const port = await freePort()
  const child: ChildProcess = spawn(
    bin,
    ["serve", "--hostname", "127.0.0.1", "--port", String(port), "--print-logs", "--log-level", "INFO"],
    { cwd: project, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  )
  let logText = ""
  const onData = (b: Buffer) => {
    logText += b.toString("utf8")
  }
  child.stdout!.on("data", onData)
  child.stderr!.on("data", onData)
  let exited = false
  child.on("exit", () => {
    exited = true
  })

  const startedAt = Date.now()
  const url = `http://127.0.0.1:${port}`
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`opencode serve did not start within 60 s:\n${logText.slice(-3000)}`)), 60_000)
    const check = () => {
      if (logText.includes("opencode server listening")) {
        clearTimeout(timer)
        child.stdout!.off("data", check)
        child.stderr!.off("data", check)
        res()
      } else if (exited) {
        clearTimeout(timer)
        rej(new Error(`opencode serve exited:\n${logText.slice(-3000)}`))
      }
    }
    child.stdout!.on("data", check)
    child.stderr!.on("data", check)
    child.on("exit", check)
  })

  return observeHost({
    url,
    project,
    sandbox,
    model: o.model,
    startedAt,
    log: () => logText,
    keepSandbox: !!o.sandbox,
    stopProcess: async () => {
      if (exited || !child.pid) return
      try {
        process.kill(-child.pid, "SIGTERM")
      } catch {}
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL")
          } catch {}
          r()
        }, 5000)
        child.once("exit", () => (clearTimeout(t), r()))
      })
    },
  })
}

/**
 * The observer side of a running host (an `opencode serve`, or the server of a TUI): its SDK client, every
 * event of the project (a plain SSE reader), and the waits and reads the tests use.
 */
export async function observeHost(o: {
  url: string
  project: string
  sandbox: string
  model?: string
  startedAt: number
  log: () => string
  keepSandbox: boolean
  stopProcess: () => Promise<void>
}): Promise<Host> {
  const { url, project, sandbox } = o
  const client = createOpencodeClient({ baseUrl: url, directory: project })
  const events: HostEvent[] = []
  const waiters: Array<{ pred: (e: HostEvent) => boolean; resolve: (e: HostEvent) => void }> = []
  const abort = new AbortController()
  let connected!: () => void
  const ready = new Promise<void>((r) => (connected = r))
  ;(async () => {
    // A plain SSE reader (not the SDK's, which reconnects forever and keeps the process alive after stop).
    try {
      const res = await fetch(`${url}/event?directory=${encodeURIComponent(project)}`, { signal: abort.signal })
      const reader = res.body!.getReader()
      const dec = new TextDecoder()
      let buf = ""
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buf += dec.decode(value, { stream: true })
        let nl: number
        while ((nl = buf.indexOf("\n\n")) >= 0) {
          const frame = buf.slice(0, nl)
          buf = buf.slice(nl + 2)
          const data = frame
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n")
          if (!data) continue
          let ev: any
          try {
            ev = JSON.parse(data)
          } catch {
            continue
          }
          const rec: HostEvent = { t: Date.now(), type: ev?.type, properties: ev?.properties }
          if (rec.type === "server.connected") connected()
          events.push(rec)
          for (let i = waiters.length - 1; i >= 0; i--) {
            if (waiters[i]!.pred(rec)) waiters.splice(i, 1)[0]!.resolve(rec)
          }
        }
      }
    } catch {
      // the stream ends when the host stops
    }
  })()
  await Promise.race([ready, new Promise((r) => setTimeout(r, 10_000))])

  const waitForEvent: Host["waitForEvent"] = (pred, timeoutMs = 60_000, label = "event") => {
    const hit = events.find(pred)
    if (hit) return Promise.resolve(hit)
    return new Promise((res, rej) => {
      const w = { pred, resolve: (e: HostEvent) => (clearTimeout(timer), res(e)) }
      const timer = setTimeout(() => {
        const i = waiters.indexOf(w)
        if (i >= 0) waiters.splice(i, 1)
        rej(new Error(`timed out after ${timeoutMs} ms waiting for ${label}`))
      }, timeoutMs)
      waiters.push(w)
    })
  }

  const messages: Host["messages"] = async (sessionID) => {
    const r = await client.session.messages({ path: { id: sessionID } })
    return (r.data ?? []) as any
  }

  /**
   * The plugin under test is done with the session's latest turn (its trace says so), or is not following it.
   * After a failure the host goes idle before the plugin's rescue starts: idle alone does not end a turn.
   */
  const pluginSettled = (sessionID: string): boolean => {
    const p = join(sandbox, "plugin-trace.jsonl")
    if (!existsSync(p)) return true
    let last: any
    for (const line of readFileSync(p, "utf8").split("\n")) {
      if (!line.includes(sessionID)) continue
      try {
        const r = JSON.parse(line)
        if (r.session === sessionID && r.input && r.phase) last = r
      } catch {}
    }
    return !last || last.phase === "settled" || last.phase === "none"
  }

  const host: Host = {
    url,
    client,
    sandbox,
    project,
    events,
    startedAt: o.startedAt,
    log: o.log,
    waitForEvent,
    async waitForIdle(sessionID, timeoutMs = 120_000) {
      // Idle is published (possibly twice) after the last message update; wait for an idle that follows
      // a completed assistant message, re-checking on each idle so a mid-turn idle does not end the wait.
      const deadline = Date.now() + timeoutMs
      let from = 0
      for (;;) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`session ${sessionID} did not settle within ${timeoutMs} ms`)
        const startIdx = from
        const ev = await waitForEvent(
          (e) => events.indexOf(e) >= startIdx && e.type === "session.idle" && e.properties?.sessionID === sessionID,
          left,
          `session.idle of ${sessionID}`,
        )
        from = events.indexOf(ev) + 1
        // The plugin reacts to the same idle: give it a moment to record its decision (polled, bounded), and
        // start over at the next idle if the session runs again meanwhile.
        for (let k = 0; k < 40; k++) {
          if (events.slice(from).some((e) => e.properties?.sessionID === sessionID && e.type === "session.idle")) break
          const status = await client.session.status({}).then((r) => (r.data as any)?.[sessionID]).catch(() => undefined)
          if (!status || status.type === "idle") {
            const msgs = await messages(sessionID)
            // The plugin's own prompts store empty user messages (a re-dispatch, the model restore): they say
            // nothing, so the turn is over when the last message that does is a completed assistant row.
            const said = msgs.filter((m) => m.info?.role === "assistant" || (m.parts ?? []).some((p: any) => (p.type === "text" && !p.synthetic && p.text) || p.type === "file"))
            const last = said[said.length - 1]
            if (last?.info?.role === "assistant" && last.info.time?.completed && pluginSettled(sessionID)) return
          }
          await new Promise((r) => setTimeout(r, 100))
        }
      }
    },
    async createSession(title = "e2e") {
      const r = await client.session.create({ body: { title } })
      if (!r.data) throw new Error(`session.create failed: ${JSON.stringify(r.error)}`)
      return r.data.id
    },
    async prompt(sessionID, text, model, extra = {}) {
      const [providerID, modelID] = (model ?? o.model ?? "fake/ok-model").split("/") as [string, string]
      const r = await client.session.promptAsync({
        path: { id: sessionID },
        body: { model: { providerID, modelID }, parts: [{ type: "text", text }], ...extra } as any,
      })
      if (r.error) throw new Error(`promptAsync failed: ${JSON.stringify(r.error)}`)
    },
    messages,
    trace() {
      const p = join(sandbox, "plugin-trace.jsonl")
      if (!existsSync(p)) return []
      return readFileSync(p, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    },
    async stop(opts = {}) {
      waiters.length = 0
      abort.abort()
      await o.stopProcess()
      if (!opts.keepSandbox && !o.keepSandbox && !process.env.ORF_KEEP_SANDBOX) rmSync(sandbox, { recursive: true, force: true })
    },
  }
  return host
}


/** "provider/model" → the npm package the host serves it with (`GET /config/providers`, `api.npm`). */
export async function servingPackages(host: Host): Promise<Record<string, string>> {
  const r = await fetch(`${host.url}/config/providers?directory=${encodeURIComponent(host.project)}`)
  const body = (await r.json()) as { providers?: Array<{ id: string; models: Record<string, { id: string; api?: { npm?: string } }> }> }
  const out: Record<string, string> = {}
  for (const p of body.providers ?? []) for (const m of Object.values(p.models)) out[`${p.id}/${m.id}`] = m.api?.npm ?? ""
  return out
}

export function hostLogFiles(sandbox: string): string[] {
  const dir = join(sandbox, "data", "opencode", "log")
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : []
}
