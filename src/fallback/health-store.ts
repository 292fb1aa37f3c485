// The state file: model health kept across restarts and shared by every OpenCode process of the user.
//
// Why a lock and not a journal: the state is small (a few KB), changes are rare (a failure, a recovery), and a
// read-merge-rename under a lock takes about a millisecond. A journal would need a lock for its compaction
// anyway (an append racing the compactor's rename is lost) and makes every reader replay history. So: an
// O_EXCL lock file with stale-lock recovery (file-lock.ts); under it, read what is on disk, merge this
// process's unsaved records into it (health-state.ts: commutative, so nothing another process wrote is lost),
// write a temp file (0600, fsync'd) and rename it over the state file. Readers need no lock: a rename is atomic.
//
// The file holds one record per line, so a damaged file (truncated, garbage appended) is repaired by keeping
// every record that still parses. Only a regular file is read or replaced (never a symlink, a directory or a
// device), reads are capped, and a file that is not ours (no trace of our format) is never overwritten.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { readRegularFile, regularFileStatus, sigOf, type FileSig } from "../host/regular-file.ts"
import { tryLock } from "./file-lock.ts"
import { applyOp, clearFrom, clearRecord, DEFAULT_LIMITS, emptyState, entryFrom, entryRecord, pruneState, type CooldownEntry, type HealthState, type PruneOptions, type StateLimits } from "./health-state.ts"

export const STATE_VERSION = 2
export const STATE_FORMAT = "opencode-turn-fallback/model-health"
/** Larger state files are read only this far (MAX_ENTRIES records take about 200 KB). */
export const MAX_STATE_BYTES = 1 << 20
/** A lock held longer than this is stale (a write holds it for about a millisecond). */
export const LOCK_STALE_MS = 10_000

export function defaultStateFile(env: Record<string, string | undefined> = process.env): string {
  let home = env.HOME ?? "."
  try {
    home = homedir()
  } catch {}
  const base = env.XDG_STATE_HOME || join(home, ".local", "state")
  return join(base, "opencode", "runtime-fallback", "model-health.json")
}

export type StateRead = {
  state: HealthState
  status: "ok" | "missing" | "damaged" | "foreign" | "not-regular" | "error"
  message?: string
  sig?: FileSig
}

export type ParsedState = { state: HealthState; damaged: boolean; foreign: boolean; records: number }

/** Parses the file's text; a damaged text keeps every record that still parses. */
export function parseStateText(text: string, limits: StateLimits = DEFAULT_LIMITS): ParsedState {
  const state = emptyState()
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (/^[\s\0]*$/.test(body)) return { state, damaged: false, foreign: false, records: 0 }
  let records = 0
  const add = (v: unknown) => {
    const e = entryFrom(v)
    if (e) {
      applyOp(state, { type: "cool", entry: e }, limits)
      records++
      return
    }
    const c = clearFrom(v)
    if (c) {
      applyOp(state, { type: "clear", clear: c }, limits)
      records++
    }
  }
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {}
  if (data && typeof data === "object" && !Array.isArray(data) && Array.isArray((data as { entries?: unknown }).entries)) {
    const d = data as { entries: unknown[]; clears?: unknown }
    for (const v of d.entries.slice(0, limits.maxEntries * 4)) add(v)
    if (Array.isArray(d.clears)) for (const v of d.clears.slice(0, limits.maxClears * 4)) add(v)
    return { state, damaged: false, foreign: false, records }
  }
  for (const candidate of flatObjects(body, (limits.maxEntries + limits.maxClears) * 4))
    try {
      add(JSON.parse(candidate))
    } catch {}
  const ours = records > 0 || /"(?:entries|version|format)"\s*:/.test(body.slice(0, 4_096))
  return { state, damaged: ours, foreign: !ours, records }
}

/** Every `{…}` without a nested `{` (our records are flat), honouring strings; at most `max`. */
function flatObjects(text: string, max: number): string[] {
  const out: string[] = []
  let start = -1
  let inString = false
  for (let i = 0; i < text.length && out.length < max; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 92) i++ // backslash: skip the escaped char
      else if (ch === 34 || ch === 10) inString = false
      continue
    }
    if (ch === 34) inString = start >= 0
    else if (ch === 123) start = i
    else if (ch === 125 && start >= 0) {
      out.push(text.slice(start, i + 1))
      start = -1
    }
  }
  return out
}

export function serializeState(s: HealthState): string {
  const lines = (rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(r)).join(",\n")
  const entries = [...s.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(entryRecord)
  const clears = [...s.clears.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(clearRecord)
  return `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"entries":[\n${lines(entries)}\n],"clears":[\n${lines(clears)}\n]}\n`
}

/** Reads the state file (only a regular file, not through a symlink; capped). Never throws. */
export function readStateFile(path: string, limits: StateLimits = DEFAULT_LIMITS, maxBytes = MAX_STATE_BYTES): StateRead {
  const r = readRegularFile(path, { maxBytes, followSymlinks: false })
  if (!r.ok) {
    if (r.reason === "missing") return { state: emptyState(), status: "missing" }
    return { state: emptyState(), status: r.reason === "not-regular" ? "not-regular" : "error", message: r.message }
  }
  const p = parseStateText(r.text, limits)
  if (p.foreign) return { state: p.state, status: "foreign", message: `${path} is not a model-health file`, sig: r.sig }
  if (p.damaged || r.truncated)
    return { state: p.state, status: "damaged", message: `${path} was damaged${r.truncated ? ` or larger than ${maxBytes} bytes` : ""}; kept ${p.records} valid record${p.records === 1 ? "" : "s"}`, sig: r.sig }
  return { state: p.state, status: "ok", sig: r.sig }
}

export type CommitOptions = {
  node: string
  now: number
  prune: PruneOptions
  limits?: StateLimits
  /** Applies this process's unsaved records to the state read from disk. */
  merge: (disk: HealthState) => void
}

export type CommitResult =
  | { ok: true; state: HealthState; sig?: FileSig; repaired?: string }
  | { ok: false; reason: "busy" | "refused" | "error"; message: string }

let tmpSeq = 0

/** One locked read-merge-rename. Leaves no temp file behind, whatever fails. */
export function commitStateFile(path: string, o: CommitOptions): CommitResult {
  const limits = o.limits ?? DEFAULT_LIMITS
  const before = regularFileStatus(path, false)
  if (before.state === "other") return { ok: false, reason: "refused", message: `${path} is ${before.what}, not a regular file` }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  } catch (e) {
    return { ok: false, reason: "error", message: `cannot create ${dirname(path)}: ${(e as Error).message}` }
  }
  const lock = tryLock(`${path}.lock`, { staleMs: LOCK_STALE_MS, node: o.node, now: () => o.now })
  if (!lock.ok) return lock.reason === "busy" ? { ok: false, reason: "busy", message: "locked by another process" } : { ok: false, reason: "error", message: `cannot lock ${path}: ${lock.message}` }
  let tmp: string | undefined
  try {
    const disk = readStateFile(path, limits)
    if (disk.status === "foreign" || disk.status === "not-regular") return { ok: false, reason: "refused", message: `${disk.message}; refusing to replace it` }
    if (disk.status === "error") return { ok: false, reason: "error", message: `cannot read ${path}: ${disk.message}` }
    const state = disk.state
    o.merge(state)
    pruneState(state, o.now, o.prune)
    tmp = `${path}.${o.node}.${++tmpSeq}.tmp`
    const fd = openSync(tmp, "wx", 0o600)
    try {
      writeSync(fd, serializeState(state))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    if (!lock.stillHeld()) return { ok: false, reason: "busy", message: "the lock was broken while writing" }
    renameSync(tmp, path)
    tmp = undefined
    let sig: FileSig | undefined
    try {
      sig = sigOf(statSync(path))
    } catch {}
    return { ok: true, state, sig, ...(disk.status === "damaged" ? { repaired: disk.message } : {}) }
  } catch (e) {
    return { ok: false, reason: "error", message: `cannot write ${path}: ${(e as Error).message}` }
  } finally {
    if (tmp)
      try {
        unlinkSync(tmp)
      } catch {}
    lock.release()
  }
}

/** The cooldown entries of a state file (doctor). A damaged file is reported through `onError`. */
export function readHealthFile(path: string, onError?: (message: string) => void): CooldownEntry[] {
  const r = readStateFile(path)
  if (r.status === "damaged") onError?.(`ignoring damaged state file ${path}: only its valid records are used (${r.message})`)
  else if (r.status !== "ok" && r.status !== "missing") onError?.(`ignoring state file ${path}: ${r.message}${r.status === "foreign" ? " (the plugin never overwrites it)" : ""}`)
  return [...r.state.entries.values()]
}
