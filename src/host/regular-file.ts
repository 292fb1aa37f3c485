// Reading files a user (or a cloned repository) can point us at: only regular files, at most `maxBytes`.
// A path that is a directory, a FIFO, a socket or a device (also through a symlink: /dev/stdin, /dev/zero) is
// refused before it is read, so start-up neither hangs on a pipe nor reads a gigabyte of zeros. The file is
// checked again on the open descriptor (opened non-blocking) so a swap between check and open changes nothing.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from "node:fs"

export type FileSig = { ino: number; size: number; mtimeMs: number; ctimeMs: number }

export type RegularRead =
  | { ok: true; text: string; truncated: boolean; sig: FileSig }
  | { ok: false; reason: "missing" | "not-regular" | "error"; message: string }

export type ReadOptions = {
  maxBytes: number
  /** Follow a symlink to a regular file (config files in dotfile repos); default true. */
  followSymlinks?: boolean
}

export function sigOf(st: Stats): FileSig {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs }
}

export function sameSig(a: FileSig | undefined, b: FileSig | undefined): boolean {
  return !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs
}

function kind(st: Stats): string {
  if (st.isDirectory()) return "a directory"
  if (st.isSymbolicLink()) return "a symbolic link"
  if (st.isFIFO()) return "a pipe"
  if (st.isSocket()) return "a socket"
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device"
  return "not a regular file"
}

/** The path's kind without reading it: a regular file, missing, or something else (with a description). */
export function regularFileStatus(path: string, followSymlinks = true): { state: "file"; sig: FileSig } | { state: "missing" } | { state: "other"; what: string } | { state: "error"; message: string } {
  try {
    const st = followSymlinks ? statSync(path, { throwIfNoEntry: false }) : lstatSync(path, { throwIfNoEntry: false })
    if (!st) return { state: "missing" }
    return st.isFile() ? { state: "file", sig: sigOf(st) } : { state: "other", what: kind(st) }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return { state: "missing" }
    return { state: "error", message: (e as Error).message }
  }
}

export function readRegularFile(path: string, o: ReadOptions): RegularRead {
  const follow = o.followSymlinks ?? true
  const pre = regularFileStatus(path, follow)
  if (pre.state === "missing") return { ok: false, reason: "missing", message: `${path} does not exist` }
  if (pre.state === "error") return { ok: false, reason: "error", message: pre.message }
  if (pre.state === "other") return { ok: false, reason: "not-regular", message: `${path} is ${pre.what}, not a regular file` }
  let fd: number | undefined
  try {
    const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0) | (follow ? 0 : (constants.O_NOFOLLOW ?? 0))
    fd = openSync(path, flags)
    const st = fstatSync(fd)
    if (!st.isFile()) return { ok: false, reason: "not-regular", message: `${path} is ${kind(st)}, not a regular file` }
    const cap = Math.max(0, Math.floor(o.maxBytes))
    const buf = Buffer.allocUnsafe(Math.min(st.size, cap) + 1)
    let n = 0
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n)
      if (r <= 0) break
      n += r
    }
    const truncated = n > cap
    return { ok: true, text: buf.subarray(0, Math.min(n, cap)).toString("utf8"), truncated, sig: sigOf(st) }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT") return { ok: false, reason: "missing", message: `${path} does not exist` }
    if (code === "ELOOP") return { ok: false, reason: "not-regular", message: `${path} is a symbolic link, not a regular file` }
    return { ok: false, reason: "error", message: (e as Error).message }
  } finally {
    if (fd !== undefined)
      try {
        closeSync(fd)
      } catch {}
  }
}
