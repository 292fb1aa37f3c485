// Runs N writer processes (health-writer.ts) against one state file and counts what reached it.
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { readStateFile } from "../../src/fallback/health-store.ts"

export type ContentionResult = {
  written: number
  lost: number
  entries: number
  minWritesPerWriter: number
  failedWriters: string[]
  wallMs: number
}

const WRITER = resolve(import.meta.dir, "health-writer.ts")

export async function runWriters(o: { file: string; writers: number; durationMs: number; keys: number }): Promise<ContentionResult> {
  const started = Date.now()
  const outputs = await Promise.all(
    Array.from({ length: o.writers }, (_, i) =>
      new Promise<{ id: string; ok: boolean; out: string }>((res) => {
        const child = spawn(process.execPath, [WRITER, o.file, String(i + 1), String(o.durationMs), String(o.keys)], { stdio: ["ignore", "pipe", "pipe"] })
        let out = ""
        let err = ""
        child.stdout.on("data", (b) => (out += b))
        child.stderr.on("data", (b) => (err += b))
        child.on("exit", (code) => res({ id: String(i + 1), ok: code === 0, out: code === 0 ? out : err }))
      }),
    ),
  )
  const state = readStateFile(o.file).state
  let written = 0
  let lost = 0
  let minWrites = Infinity
  const failedWriters: string[] = []
  for (const r of outputs) {
    let report: { writes: number; counts: Record<string, number>; pending: number; errors: string[] }
    try {
      report = JSON.parse(r.out.trim().split("\n").pop()!)
    } catch {
      failedWriters.push(`${r.id}: ${r.out.slice(-500)}`)
      continue
    }
    if (!r.ok || report.pending > 0 || report.errors.length) failedWriters.push(`${r.id}: pending ${report.pending}, ${report.errors.join("; ")}`)
    written += report.writes
    minWrites = Math.min(minWrites, report.writes)
    for (const [key, count] of Object.entries(report.counts)) lost += Math.max(0, count - (state.entries.get(key)?.strikes ?? 0))
  }
  return { written, lost, entries: state.entries.size, minWritesPerWriter: minWrites, failedWriters, wallMs: Date.now() - started }
}


