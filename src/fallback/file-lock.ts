// An exclusive lock between processes: a lock file created with O_EXCL next to the file it guards. It is held
// only for one read-merge-rename (about a millisecond), so a lock older than `staleMs`, or one whose holder is
// a process of this host that no longer exists, is stale and broken. Breaking renames the lock aside first and
// checks that what it moved is the lock it judged stale, so two processes breaking the same stale lock cannot
// both win, and a fresh lock taken in between is put back. Never throws.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs"
import { hostname } from "node:os"

export type LockOptions = {
  /** A lock older than this is stale whatever its holder. */
  staleMs: number
  /** Writer id, written into the lock so its owner can recognise it. */
  node: string
  now: () => number
  /** Is a process of this host alive? (tests inject) */
  alive?: (pid: number) => boolean
}

export type LockResult = { ok: true; release: () => void; stillHeld: () => boolean } | { ok: false; reason: "busy" | "error"; message?: string }

type Holder = { pid: number; host: string; node: string; t: number }

const HOST = safeHostname()

function safeHostname(): string {
  try {
    return hostname()
  } catch {
    return ""
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8").slice(0, 1_000)) as Partial<Holder>
    if (typeof v.pid === "number" && typeof v.node === "string" && typeof v.t === "number") return { pid: v.pid, host: String(v.host ?? ""), node: v.node, t: v.t }
  } catch {}
  return undefined
}

function tryUnlink(path: string) {
  try {
    unlinkSync(path)
  } catch {}
}

export function tryLock(lockPath: string, o: LockOptions): LockResult {
  const alive = o.alive ?? processAlive
  const mine = JSON.stringify({ pid: process.pid, host: HOST, node: o.node, t: o.now() } satisfies Holder)
  const held = () => readHolder(lockPath)?.node === o.node
  const acquired: LockResult = {
    ok: true,
    stillHeld: held,
    release: () => {
      if (held()) tryUnlink(lockPath)
    },
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600)
      try {
        writeSync(fd, mine)
      } catch (e) {
        closeSync(fd)
        tryUnlink(lockPath)
        return { ok: false, reason: "error", message: (e as Error).message }
      }
      closeSync(fd)
      return acquired
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return { ok: false, reason: "error", message: (e as Error).message }
    }
    if (attempt > 0 || !breakIfStale(lockPath, o, alive)) return { ok: false, reason: "busy" }
  }
  return { ok: false, reason: "busy" }
}

function breakIfStale(lockPath: string, o: LockOptions, alive: (pid: number) => boolean): boolean {
  let mtime: number
  try {
    mtime = statSync(lockPath).mtimeMs
  } catch {
    return true // gone meanwhile: try again
  }
  const holder = readHolder(lockPath)
  const age = Math.abs(o.now() - (holder?.t ?? mtime))
  const dead = holder !== undefined && holder.host === HOST && holder.pid !== process.pid && !alive(holder.pid)
  // A lock without a readable holder is one being written right now, unless it is old.
  const stale = dead || age > o.staleMs || (holder === undefined && Math.abs(o.now() - mtime) > o.staleMs)
  if (!stale) return false
  const aside = `${lockPath}.${o.node}.stale`
  try {
    renameSync(lockPath, aside)
  } catch {
    return true // someone else broke it first: just try to take it
  }
  const moved = readHolder(aside)
  if (holder && moved && moved.node !== holder.node) {
    // We moved a fresh lock taken after our check: put it back unless another lock exists by now.
    try {
      linkSync(aside, lockPath)
    } catch {}
    tryUnlink(aside)
    return false
  }
  tryUnlink(aside)
  return true
}
