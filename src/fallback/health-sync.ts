// Keeps a process's model health in step with the state file. Reading: whenever health is asked and the last
// look is `pollMs` old, one stat of the file; a changed file (inode, size, mtime, ctime) is read and merged, so
// a process sees another's cooldowns at the next decision after `pollMs`. Writing: records wait in a bounded
// pending state (merged per key) until a locked read-merge-rename succeeds (health-store.ts); when the lock is
// busy the write is retried on a timer (unref'd) and once more at exit. Never throws; each kind of IO problem
// is logged once.
import type { Clock, TimerHandle } from "../host/clock.ts"
import { regularFileStatus, sameSig, type FileSig } from "../host/regular-file.ts"
import type { HealthStore } from "./health.ts"
import { applyOp, cloneState, DEFAULT_LIMITS, emptyState, pruneState, type HealthOp, type HealthState, type PruneOptions, type StateLimits } from "./health-state.ts"
import { commitStateFile, readStateFile } from "./health-store.ts"

/** How stale a process's view of the file may get: one stat per this interval at most. */
export const DEFAULT_POLL_MS = 250
/** How long a write may wait (synchronously) for the lock before it is retried on a timer. */
export const SYNC_LOCK_WAIT_MS = 20
/** Retry delays for a busy lock (jittered) and for IO errors (doubling). */
export const BUSY_RETRY_MS = 15
export const ERROR_RETRY_MS = 1_000
export const ERROR_RETRY_MAX_MS = 60_000

export type FileStoreOptions = {
  file: string
  clock: Clock
  node: string
  prune: PruneOptions
  /** Reports an IO problem; called once per kind of problem. */
  log: (level: "warn" | "info", message: string) => void
  pollMs?: number
  limits?: StateLimits
  /** Synchronous sleep while waiting for the lock (tests inject). */
  sleep?: (ms: number) => void
  random?: () => number
}

export type FileStore = HealthStore & {
  /** Tries to save pending records now, waiting for the lock up to `waitMs`. True when nothing is left. */
  flush(waitMs?: number): boolean
  /** Pending records (entries + clears). */
  pending(): number
  dispose(): void
}

const sleepBuffer = typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4)) : undefined
function realSleep(ms: number) {
  if (sleepBuffer) Atomics.wait(sleepBuffer, 0, 0, ms)
}

export function createFileStore(o: FileStoreOptions): FileStore {
  const limits = o.limits ?? DEFAULT_LIMITS
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS
  const sleep = o.sleep ?? realSleep
  const random = o.random ?? Math.random
  const warned = new Set<string>()
  let disk: HealthState = emptyState()
  let pend: HealthState = emptyState()
  let sig: FileSig | undefined
  let lastLook = -Infinity
  /** Set after our own write: the view should take what it merged from other processes. */
  let written = false
  let repair = false
  let timer: TimerHandle | undefined
  let errorDelay = ERROR_RETRY_MS
  let disposed = false

  const warnOnce = (kind: string, message: string, level: "warn" | "info" = "warn") => {
    if (warned.has(kind)) return
    warned.add(kind)
    o.log(level, message)
  }

  const merged = (): HealthState => {
    const s = cloneState(disk)
    mergePending(s)
    return s
  }
  function mergePending(s: HealthState) {
    for (const c of pend.clears.values()) applyOp(s, { type: "clear", clear: c }, limits)
    for (const e of pend.entries.values()) applyOp(s, { type: "cool", entry: e }, limits)
  }

  function load(now: number): boolean {
    const r = readStateFile(o.file, limits)
    switch (r.status) {
      case "missing":
        if (sig === undefined && disk.entries.size === 0 && disk.clears.size === 0) return false
        disk = emptyState()
        sig = undefined
        return true
      case "not-regular":
      case "foreign":
        warnOnce("refused", `model health: ${r.message}; keeping model health in memory only`)
        return false
      case "error":
        warnOnce("read", `model health: cannot read ${o.file}: ${r.message}`)
        return false
      case "damaged":
        warnOnce("damaged", `model health: ${r.message}; repairing it`)
        repair = true
        schedule(0)
    }
    pruneState(r.state, now, o.prune)
    disk = r.state
    sig = r.sig
    return true
  }

  /** One stat; a changed (or vanished) file is read. True when `disk` changed. */
  function lookedChanged(now: number): boolean {
    try {
      const st = regularFileStatus(o.file, false)
      if (st.state === "file" && sameSig(st.sig, sig)) return false
      if (st.state === "other") {
        warnOnce("refused", `model health: ${o.file} is ${st.what}, not a regular file; keeping model health in memory only`)
        return false
      }
      if (st.state === "missing" && sig === undefined) return false
      return load(now)
    } catch {
      return false
    }
  }

  function flush(waitMs = SYNC_LOCK_WAIT_MS): boolean {
    if (disposed) return true
    const empty = pend.entries.size === 0 && pend.clears.size === 0
    if (empty && !repair) return true
    const deadline = Date.now() + waitMs
    for (;;) {
      const now = o.clock.now()
      const r = commitStateFile(o.file, { node: o.node, now, prune: o.prune, limits, merge: mergePending })
      if (r.ok) {
        disk = r.state
        written = true
        sig = r.sig
        pend = emptyState()
        repair = false
        errorDelay = ERROR_RETRY_MS
        return true
      }
      if (r.reason !== "busy") {
        warnOnce(r.reason, `model health: ${r.message}; keeping model health in memory${r.reason === "error" ? " and retrying" : " only"}`)
        if (r.reason === "error") {
          schedule(errorDelay)
          errorDelay = Math.min(errorDelay * 2, ERROR_RETRY_MAX_MS)
        }
        return false
      }
      if (Date.now() >= deadline) break
      sleep(1 + random() * 3)
    }
    schedule(BUSY_RETRY_MS * (0.5 + random()))
    return false
  }

  function schedule(ms: number) {
    if (timer || disposed) return
    timer = o.clock.setTimeout(() => {
      timer = undefined
      try {
        flush()
      } catch {}
    }, ms)
  }

  return {
    poll(now) {
      if (!Number.isFinite(now)) return undefined
      if (Math.abs(now - lastLook) >= pollMs) {
        lastLook = now
        if (lookedChanged(now)) {
          written = false
          return merged()
        }
      }
      if (!written) return undefined
      // Our own write merged what other processes had written: hand that on.
      written = false
      return merged()
    },
    push(op, now) {
      try {
        applyOp(pend, op, limits)
        // A retry is already due (the lock was busy): it saves this record too, without blocking now.
        if (!timer && Number.isFinite(now)) flush()
      } catch (e) {
        warnOnce("push", `model health: cannot save a record: ${(e as Error).message}`)
      }
    },
    flush(waitMs) {
      try {
        return flush(waitMs)
      } catch (e) {
        warnOnce("flush", `model health: cannot save: ${(e as Error).message}`)
        return false
      }
    },
    pending: () => pend.entries.size + pend.clears.size,
    dispose() {
      if (timer) o.clock.clearTimeout(timer)
      timer = undefined
      disposed = true
    },
  }
}
