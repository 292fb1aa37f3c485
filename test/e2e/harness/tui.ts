// The real OpenCode TUI in tmux, against the fake provider: a sandbox like the headless harness's, `opencode
// --port <n>` in a detached tmux session of a fixed size, and an observer on that port (events, messages, the
// plugin's trace) so a test can wait on what the host did and then assert on what the screen shows. Frames are
// captured in the background while `recording`, so a test can check every frame, not just the last one.
import { spawnSync } from "node:child_process"
import { freePort, observeHost, OPENCODE_BIN, prepareSandbox, type Host, type HostOptions } from "./host.ts"

export type Tui = {
  host: Host
  name: string
  /** The screen as plain text. */
  screen(): string
  /** Frames captured since `record()` (one every `frameMs`), newest last. */
  frames: string[]
  record(): void
  stopRecording(): void
  type(text: string): void
  key(...keys: string[]): void
  /** Types a prompt and sends it. */
  send(text: string): void
  waitForScreen(pred: (screen: string) => boolean, timeoutMs?: number, label?: string): Promise<string>
  stop(): Promise<void>
}

let tuis = 0

export function tmuxAvailable(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0
}

export async function startTui(o: HostOptions & { cols?: number; rows?: number; frameMs?: number }): Promise<Tui> {
  const { sandbox, project, env } = prepareSandbox(o)
  const port = await freePort()
  const name = `orf-tui-${process.pid}-${++tuis}`
  const envArgs = Object.entries({ ...env, TERM: "xterm-256color", COLORTERM: "truecolor" }).flatMap(([k, v]) => ["-e", `${k}=${v}`])
  const started = Date.now()
  const r = spawnSync("tmux", ["new-session", "-d", "-s", name, "-x", String(o.cols ?? 160), "-y", String(o.rows ?? 45), ...envArgs, "-c", project, OPENCODE_BIN, "--port", String(port)])
  if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr?.toString()}`)
  const screen = () => spawnSync("tmux", ["capture-pane", "-p", "-t", name]).stdout?.toString() ?? ""
  // The TUI is the pane's own process (and leads its process group). Killing the tmux session alone can leave
  // it running without a terminal, spinning a core for as long as the machine lives: end it ourselves.
  const pid = Number(spawnSync("tmux", ["list-panes", "-t", name, "-F", "#{pane_pid}"]).stdout?.toString().trim().split("\n")[0]) || undefined
  const kill = async () => {
    spawnSync("tmux", ["kill-session", "-t", name])
    if (pid) await endProcessGroup(pid)
  }
  const url = `http://127.0.0.1:${port}`
  // The TUI's server listens once the TUI has started; the first draw can take seconds on a cold, loaded machine.
  const deadline = Date.now() + 90_000
  for (;;) {
    const up = await fetch(`${url}/config?directory=${encodeURIComponent(project)}`, { signal: AbortSignal.timeout(3_000) }).then((x) => x.ok, () => false)
    if (up) break
    if (Date.now() > deadline) {
      const last = screen()
      await kill()
      throw new Error(`the TUI's server did not answer within 90 s; screen:\n${last}`)
    }
    await Bun.sleep(250)
  }
  const host = await observeHost({
    url,
    project,
    sandbox,
    model: o.model,
    startedAt: started,
    log: () => "",
    keepSandbox: !!o.sandbox,
    stopProcess: kill,
  })
  const frames: string[] = []
  let recorder: ReturnType<typeof setInterval> | undefined
  const tui: Tui = {
    host,
    name,
    screen,
    frames,
    record() {
      tui.stopRecording()
      frames.length = 0
      recorder = setInterval(() => {
        frames.push(screen())
        if (frames.length > 2_000) frames.shift()
      }, o.frameMs ?? 200)
    },
    stopRecording() {
      if (recorder) clearInterval(recorder)
      recorder = undefined
    },
    type(text) {
      spawnSync("tmux", ["send-keys", "-t", name, "-l", text])
    },
    key(...keys) {
      spawnSync("tmux", ["send-keys", "-t", name, ...keys])
    },
    send(text) {
      tui.type(text)
      tui.key("Enter")
    },
    async waitForScreen(pred, timeoutMs = 60_000, label = "screen") {
      const end = Date.now() + timeoutMs
      for (;;) {
        const s = screen()
        if (pred(s)) return s
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; screen:\n${s}`)
        await Bun.sleep(150)
      }
    },
    async stop() {
      tui.stopRecording()
      await host.stop()
    },
  }
  await tui.waitForScreen((s) => s.includes("Ask anything"), 90_000, "the prompt box")
  return tui
}

/** SIGTERM to the process group (or the process), then SIGKILL if it is still there after 5 s. */
async function endProcessGroup(pid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        // already gone
      }
    }
  }
  const alive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  signal("SIGTERM")
  for (const end = Date.now() + 5_000; alive() && Date.now() < end; ) await Bun.sleep(100)
  if (alive()) signal("SIGKILL")
}

/** How many times `needle` occurs in `screen`. */
export function occurrences(screen: string, needle: string): number {
  let n = 0
  for (let i = screen.indexOf(needle); i >= 0; i = screen.indexOf(needle, i + needle.length)) n++
  return n
}
