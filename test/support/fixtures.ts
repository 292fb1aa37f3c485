// Recorded real-host streams (test/fixtures/*.jsonl, written by script/record-fixtures.ts): every event and
// chat hook the recorder plugin saw, in order.
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"

export const FIXTURES_DIR = join(import.meta.dir, "..", "fixtures")

export type Recorded = { t: number; kind: string; data: any }

export function loadRecording(name: string): Recorded[] {
  const p = join(FIXTURES_DIR, `${name}.jsonl`)
  if (!existsSync(p)) throw new Error(`missing fixture ${p}: run npm run record`)
  return readFileSync(p, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Recorded)
}

export function recordingNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".jsonl") && !f.startsWith("provider-errors"))
    .map((f) => f.replace(/\.jsonl$/, ""))
}

export function recordedEvents(name: string): any[] {
  return loadRecording(name)
    .filter((r) => r.kind === "event")
    .map((r) => r.data)
}
