// `bun script/health-contention.ts [seconds] [writers]`: the shared state file under contention, measured.
// 1. Lost updates: N processes (default 8) record cooldowns as fast as they can for the given time (default
//    10 s); every record must reach the file. 2. Re-read latency: a running process polls `cooling()` every
//    2 ms while another process writes a cooldown; how long after the write completed is it seen?
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createModelHealth } from "../src/fallback/health.ts"
import { createFileStore, DEFAULT_POLL_MS } from "../src/fallback/health-sync.ts"
import { systemClock } from "../src/host/clock.ts"
import { runWriters } from "../test/support/health-contention.ts"

const seconds = Number(process.argv[2] ?? 10)
const writers = Number(process.argv[3] ?? 8)
const dir = mkdtempSync(join(tmpdir(), "orf-contention-"))
try {
  const r = await runWriters({ file: join(dir, "contention.json"), writers, durationMs: seconds * 1000, keys: 32 })
  console.log(`${writers} processes × ${seconds} s: ${r.written} cooldown records written, ${r.lost} lost, ${r.entries} models in the file (wall ${r.wallMs} ms)`)
  if (r.failedWriters.length) console.log(`writer problems: ${r.failedWriters.join("; ")}`)

  const file = join(dir, "latency.json")
  const store = createFileStore({ file, clock: systemClock, node: "reader", prune: { memoryMs: 86_400_000, clearKeepMs: 3_600_000, maxMs: 3_600_000 }, log: () => {} })
  const health = createModelHealth({ baseMs: 60_000, factor: 1, maxMs: 3_600_000 }, { store, node: "reader" })
  const latencies: number[] = []
  for (let i = 0; i < 20; i++) {
    const model = { providerID: "lat", modelID: `m${i}` }
    const child = spawn(process.execPath, [resolve(import.meta.dir, "../test/support/health-notify.ts"), file, `lat/m${i}`, String(200 + Math.floor(Math.random() * 300))], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (b) => (out += b))
    const exited = new Promise((r) => child.on("exit", r))
    let seenAt = 0
    const deadline = Date.now() + 30_000
    while (!seenAt && Date.now() < deadline) {
      if (health.cooling(model, Date.now())) seenAt = Date.now()
      else await new Promise((r) => setTimeout(r, 2))
    }
    await exited
    latencies.push(seenAt - Number(out.trim()))
  }
  latencies.sort((a, b) => a - b)
  console.log(`re-read latency (write completed → seen by a running process; pollMs ${DEFAULT_POLL_MS}): median ${latencies[10]} ms, max ${latencies[19]} ms over 20 writes`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
