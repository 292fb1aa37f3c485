// CPU burners for tests that must hold on a loaded machine: plain busy loops in their own processes, each
// ending by itself after `maxMs` even if the test run dies without stopping them.
import { spawn, type ChildProcess } from "node:child_process"

export type Burners = { stop(): void; readonly count: number }

export function startBurners(count = 2, maxMs = 15 * 60_000): Burners {
  const code = `const end = Date.now() + ${Math.floor(maxMs)}; let x = 0; while (Date.now() < end) { x = (x * 31 + 7) % 1000003 }`
  const children: ChildProcess[] = []
  for (let i = 0; i < count; i++) children.push(spawn(process.execPath, ["-e", code], { stdio: "ignore" }))
  return {
    count,
    stop() {
      for (const c of children)
        try {
          c.kill("SIGKILL")
        } catch {}
    },
  }
}
