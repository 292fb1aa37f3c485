// Model health survives restarts in a small JSON file under the user's state directory, written atomically
// (temp file + rename) with mode 0600. Several host processes may share it: each write merges what is on
// disk first, so one process never erases another's cooldowns. IO errors are reported, never thrown.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { FAILURE_CODES, type FailureCode } from "../failure/types.ts"
import type { HealthEntry } from "./health.ts"

export const STATE_VERSION = 1

export function defaultStateFile(env: Record<string, string | undefined> = process.env): string {
  let home = env.HOME ?? "."
  try {
    home = homedir()
  } catch {}
  const base = env.XDG_STATE_HOME || join(home, ".local", "state")
  return join(base, "opencode", "runtime-fallback", "model-health.json")
}

const CODES = new Set<string>(FAILURE_CODES)

function validEntry(v: unknown): v is HealthEntry {
  if (!v || typeof v !== "object") return false
  const e = v as Record<string, unknown>
  return (
    typeof e.model === "string" &&
    e.model.includes("/") &&
    typeof e.code === "string" &&
    CODES.has(e.code) &&
    typeof e.until === "number" &&
    Number.isFinite(e.until) &&
    typeof e.strikes === "number" &&
    typeof e.at === "number" &&
    typeof e.message === "string"
  )
}

export type HealthFile = { version: number; entries: HealthEntry[] }

/** Reads the state file; a missing file is empty, a damaged one is reported through `onError` and ignored. */
export function readHealthFile(path: string, onError?: (message: string) => void): HealthEntry[] {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") onError?.(`cannot read ${path}: ${(e as Error).message}`)
    return []
  }
  try {
    const data = JSON.parse(text) as HealthFile
    if (!data || !Array.isArray(data.entries)) throw new Error("no entries array")
    return data.entries.filter(validEntry).map((e) => ({ ...e, code: e.code as FailureCode }))
  } catch (e) {
    onError?.(`ignoring damaged state file ${path}: ${(e as Error).message}`)
    return []
  }
}

/**
 * Writes entries merged with what is on disk (the newer record wins per model); `removed` models (they
 * answered since) are dropped from the file too.
 */
export function writeHealthFile(path: string, entries: readonly HealthEntry[], removed: readonly string[] = [], onError?: (message: string) => void): boolean {
  try {
    const merged = new Map<string, HealthEntry>()
    for (const e of readHealthFile(path)) merged.set(e.model, e)
    for (const m of removed) merged.delete(m)
    for (const e of entries) {
      const prev = merged.get(e.model)
      if (!prev || e.at >= prev.at) merged.set(e.model, e)
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
    const body: HealthFile = { version: STATE_VERSION, entries: [...merged.values()] }
    writeFileSync(tmp, JSON.stringify(body, null, 2) + "\n", { mode: 0o600 })
    chmodSync(tmp, 0o600)
    renameSync(tmp, path)
    return true
  } catch (e) {
    onError?.(`cannot write ${path}: ${(e as Error).message}`)
    return false
  }
}
