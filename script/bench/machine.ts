// Facts about the machine and tool versions, for the results file.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { cpus, totalmem, release, platform, arch } from "node:os"
import { OPENCODE_BIN } from "../../test/e2e/harness/host.ts"

export type MachineFacts = { cpu: string; cores: number; ram: string; os: string; bun: string; node: string; opencode: string }

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 }).trim()
  } catch {
    return "not found"
  }
}

function osName(): string {
  let pretty = `${platform()} ${arch()}`
  try {
    if (existsSync("/etc/os-release")) {
      const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))
      if (m) pretty = m[1]!
    }
  } catch {}
  return `${pretty}, kernel ${release()} (${arch()})`
}

export function machineFacts(): MachineFacts {
  const list = cpus()
  const model = list[0]?.model?.trim() || "unknown"
  const mhz = list[0]?.speed ? ` @ ${list[0].speed} MHz` : ""
  return {
    cpu: `${model}${mhz}`,
    cores: list.length,
    ram: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: osName(),
    bun: typeof Bun !== "undefined" ? Bun.version : "not bun",
    node: run("node", ["--version"]),
    opencode: run(OPENCODE_BIN, ["--version"]),
  }
}
