// CLI entry: argument parsing and dispatch. bin/opencode-turn-fallback.mjs runs the bundled dist/cli.js,
// or this file through bun in a checkout without dist/.
//
// Exit codes (also in --help):
//   0  all good
//   1  config invalid (doctor; explain when the config it would use is invalid: built-in rules are used)
//   2  usage error (unknown command or flag, missing argument)
//   3  config valid, with warnings (doctor: opencode outside the supported range, no chains, a cooling model, …)
import { realpathSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { version } from "../../package.json" with { type: "json" }
import { doctor } from "./doctor.ts"
import { explain, EXIT_USAGE } from "./explain.ts"
import type { CliIo } from "./format.ts"

export const VERSION: string = version
const NAME = "opencode-turn-fallback"

export const HELP = `${NAME} ${VERSION}: check the runtime-fallback plugin's config and test its error rules.

Usage:
  ${NAME} explain [--json] [--config <file>] [--directory <dir>] '<error text or JSON>'
  ${NAME} explain [options] -            read the error from stdin
  ${NAME} doctor [--json] [--directory <dir>] [--opencode <path>]
  ${NAME} --help | --version

explain   Classify an error as the plugin would: failure code, action (retry / fallback / stop),
          status, retry-after and reset time, the rule that matched and why, the redacted message.
          User rules (classify.rules) come from --config <file>, else from the config files that
          apply to the project directory (see doctor).
doctor    Check that the installed opencode (\`opencode --version\`) is a version this plugin supports
          (outside that range the host skips the plugin without a word), find and validate the config
          files, show the fallback chain of every configured agent and model and the default chain,
          and the model health (cooldowns) from the state file.

Options:
  --json              machine-readable output
  --config <file>     explain: use this runtime-fallback.jsonc instead of the discovered files
  --directory <dir>   project directory (default: the current directory)
  --opencode <path>   doctor: the opencode binary to check (default: $OPENCODE_BIN, else opencode on PATH)
  -h, --help          this help
  -v, --version       print the version

Config files (project wins over user, key by key):
  user     $XDG_CONFIG_HOME/opencode/runtime-fallback.jsonc|json (default ~/.config/opencode)
  project  <directory>/.opencode/runtime-fallback.jsonc|json

Exit codes:
  0  all good
  1  config invalid (or an unexpected internal error)
  2  usage error
  3  config valid, with warnings (opencode outside the supported range, no chains configured, a chain
     naming its own model, a model cooling down, …)
`

type Parsed =
  | { kind: "help" | "version" }
  | { kind: "explain"; input: string; json: boolean; configFile?: string; directory?: string }
  | { kind: "doctor"; json: boolean; directory?: string; opencode?: string }
  | { kind: "error"; message: string }

export function parseArgs(argv: readonly string[]): Parsed {
  const positionals: string[] = []
  const flags: Record<string, string | true> = {}
  const takesValue = new Set(["--config", "--directory", "--opencode"])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a === "-h" || a === "--help") return { kind: "help" }
    if (a === "-v" || a === "--version") return { kind: "version" }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const name = eq > 0 ? a.slice(0, eq) : a
      if (takesValue.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
        if (value === undefined || value === "") return { kind: "error", message: `${name} needs a value` }
        flags[name] = value
      } else if (name === "--json" && eq < 0) flags[name] = true
      else return { kind: "error", message: `unknown option ${name}` }
    } else if (a.startsWith("-") && a !== "-") return { kind: "error", message: `unknown option ${a}` }
    else positionals.push(a)
  }
  const [command, ...rest] = positionals
  const json = flags["--json"] === true
  const directory = typeof flags["--directory"] === "string" ? flags["--directory"] : undefined
  switch (command) {
    case undefined:
      return { kind: "help" }
    case "explain": {
      if (!rest.length) return { kind: "error", message: "explain needs the error text (or - to read stdin)" }
      const configFile = typeof flags["--config"] === "string" ? flags["--config"] : undefined
      if (flags["--opencode"]) return { kind: "error", message: "--opencode is a doctor option" }
      return { kind: "explain", input: rest.join(" "), json, ...(configFile ? { configFile } : {}), ...(directory ? { directory } : {}) }
    }
    case "doctor":
      if (rest.length) return { kind: "error", message: `doctor takes no arguments (got ${rest.join(" ")})` }
      if (flags["--config"]) return { kind: "error", message: "--config is an explain option; doctor checks the discovered files" }
      const opencode = typeof flags["--opencode"] === "string" ? flags["--opencode"] : undefined
      return { kind: "doctor", json, ...(directory ? { directory } : {}), ...(opencode ? { opencode } : {}) }
    default:
      return { kind: "error", message: `unknown command ${JSON.stringify(command)}` }
  }
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const p = parseArgs(argv)
  switch (p.kind) {
    case "help":
      io.out(HELP)
      return 0
    case "version":
      io.out(VERSION + "\n")
      return 0
    case "error":
      io.err(`${NAME}: ${p.message}\nRun '${NAME} --help' for usage.\n`)
      return EXIT_USAGE
    case "explain":
      return explain(p, io)
    case "doctor":
      return doctor({ ...p, version: VERSION }, io)
  }
}

export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    color: !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb",
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer))
      return Buffer.concat(chunks).toString("utf8")
    },
  }
}

/** Runs the CLI on this process's argv and sets the exit code (used by bin/ and when run directly). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let code: number
  try {
    code = await runCli(argv, processIo())
  } catch (e) {
    process.stderr.write(`${NAME}: ${e instanceof Error ? e.message : String(e)}\n`)
    code = 1
  }
  process.exitCode = code
  return code
}

function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntry()) await main()
