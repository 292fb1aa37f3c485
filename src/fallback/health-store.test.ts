import { afterEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { tryLock } from "./file-lock.ts"
import { applyOp, emptyState, type CooldownEntry, type HealthState } from "./health-state.ts"
import { commitStateFile, defaultStateFile, readHealthFile, readStateFile, serializeState } from "./health-store.ts"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "orf-store-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const NOW = 1_700_000_000_000
const prune = { memoryMs: 86_400_000, clearKeepMs: 3_600_000, maxMs: 6 * 3_600_000 }
const entry = (model: string, extra: Partial<CooldownEntry> = {}): CooldownEntry => ({ key: model, scope: "model", model, code: "quota_exhausted", message: "429", until: NOW + 60_000, strikes: 1, at: NOW, seq: 0, node: "t", ...extra })
const commit = (file: string, ...entries: CooldownEntry[]) =>
  commitStateFile(file, { node: "t", now: NOW, prune, merge: (s) => entries.forEach((e) => applyOp(s, { type: "cool", entry: e })) })
const keys = (s: HealthState) => [...s.entries.keys()].sort()
const tmpFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".tmp") || n.includes(".lock"))

describe("state file", () => {
  test("default location follows XDG_STATE_HOME", () => {
    expect(defaultStateFile({ XDG_STATE_HOME: "/s" })).toBe("/s/opencode/runtime-fallback/model-health.json")
  })
  test("written under a lock with mode 0600, one record per line, nothing left behind", () => {
    const dir = tmp()
    const file = join(dir, "nested", "model-health.json")
    expect(commit(file, entry("p/a"), entry("p/b")).ok).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(tmpFiles(join(dir, "nested"))).toEqual([])
    const lines = readFileSync(file, "utf8").split("\n")
    expect(lines.filter((l) => l.startsWith('{"key":"p/'))).toHaveLength(2)
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 2, format: "opencode-turn-fallback/model-health" })
    expect(keys(readStateFile(file).state)).toEqual(["p/a", "p/b"])
  })
  test("a commit merges what is on disk (another process's records survive)", () => {
    const file = join(tmp(), "h.json")
    commit(file, entry("p/a"))
    commit(file, entry("p/b"))
    expect(keys(readStateFile(file).state)).toEqual(["p/a", "p/b"])
  })
  test("a version-1 file is read", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, JSON.stringify({ version: 1, entries: [{ model: "p/m", code: "auth", message: "", until: NOW, strikes: 2, at: NOW - 1 }] }, null, 2))
    expect(readStateFile(file).state.entries.get("p/m")).toMatchObject({ key: "p/m", scope: "model", strikes: 2 })
  })
  test("entries read from disk are capped: no cooldown beyond maxMs", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, serializeState(stateOf(entry("p/a", { until: 1e300 }))))
    const r = commitStateFile(file, { node: "t", now: NOW, prune, merge: () => {} })
    expect(r.ok && r.state.entries.get("p/a")?.until).toBe(NOW + prune.maxMs)
  })
})

function stateOf(...entries: CooldownEntry[]): HealthState {
  const s = emptyState()
  for (const e of entries) applyOp(s, { type: "cool", entry: e })
  return s
}

describe("damaged files are repaired without losing valid records", () => {
  test("truncated mid-record", () => {
    const file = join(tmp(), "h.json")
    const text = serializeState(stateOf(entry("p/a"), entry("p/b"), entry("p/c")))
    writeFileSync(file, text.slice(0, text.indexOf('"key":"p/c"') + 20))
    const r = readStateFile(file)
    expect(r.status).toBe("damaged")
    expect(keys(r.state)).toEqual(["p/a", "p/b"])
    expect(commit(file, entry("p/d")).ok).toBe(true)
    const after = readStateFile(file)
    expect(after.status).toBe("ok")
    expect(keys(after.state)).toEqual(["p/a", "p/b", "p/d"])
  })
  test("garbage appended, NULs, a broken record in the middle", () => {
    const file = join(tmp(), "h.json")
    const text = serializeState(stateOf(entry("p/a"), entry("p/b"), entry("p/c")))
    writeFileSync(file, text.replace('"key":"p/b"', '"key":p/b"') + "\0\0garbage{{")
    const r = readStateFile(file)
    expect(r.status).toBe("damaged")
    expect(keys(r.state)).toEqual(["p/a", "p/c"])
  })
  test("deeply nested JSON neither throws nor counts as ours", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, "[".repeat(50_000) + "]".repeat(50_000))
    expect(readStateFile(file).status).toBe("foreign")
  })
  test("an empty file is simply empty", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, "")
    expect(readStateFile(file).status).toBe("ok")
  })
})

describe("only our own regular file is read or replaced", () => {
  test("a file that is not ours is never overwritten", () => {
    const file = join(tmp(), ".bashrc")
    writeFileSync(file, "export PATH=$HOME/bin:$PATH\nalias ll='ls -l'\n")
    const r = commit(file, entry("p/a"))
    expect(r.ok).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("export PATH=$HOME/bin:$PATH\nalias ll='ls -l'\n")
    expect(tmpFiles(join(file, ".."))).toEqual([])
  })
  test("a state path that is a directory fails cleanly, with no temp file left", () => {
    const dir = tmp()
    const file = join(dir, "model-health.json")
    mkdirSync(file)
    const r = commit(file, entry("p/a"))
    expect(r).toMatchObject({ ok: false, reason: "refused" })
    expect(tmpFiles(dir)).toEqual([])
    expect(statSync(file).isDirectory()).toBe(true)
    expect(readStateFile(file).status).toBe("not-regular")
  })
  test("a symlink to /dev/zero is refused, read and write", () => {
    const dir = tmp()
    const file = join(dir, "h.json")
    symlinkSync("/dev/zero", file)
    expect(readStateFile(file).status).toBe("not-regular")
    expect(commit(file, entry("p/a")).ok).toBe(false)
    expect(tmpFiles(dir)).toEqual([])
  })
  test("a FIFO is refused without blocking", () => {
    const dir = tmp()
    const file = join(dir, "h.json")
    if (spawnSync("mkfifo", [file]).status !== 0) return // no mkfifo on this system
    expect(readStateFile(file).status).toBe("not-regular")
    expect(readHealthFile(file, () => {})).toEqual([])
  })
  test("reads are capped", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, serializeState(stateOf(...Array.from({ length: 50 }, (_, i) => entry(`p/m${i}`)))))
    const r = readStateFile(file, undefined, 2_000)
    expect(r.status).toBe("damaged")
    expect(r.state.entries.size).toBeGreaterThan(0)
    expect(r.state.entries.size).toBeLessThan(50)
  })
})

describe("lock", () => {
  const opts = (node: string, now = NOW, alive = (_: number) => true) => ({ staleMs: 10_000, node, now: () => now, alive })
  test("exclusive while held, free after release", () => {
    const lock = join(tmp(), "h.json.lock")
    const a = tryLock(lock, opts("a"))
    expect(a.ok).toBe(true)
    expect(tryLock(lock, opts("b")).ok).toBe(false)
    if (a.ok) a.release()
    expect(existsSync(lock)).toBe(false)
    expect(tryLock(lock, opts("b")).ok).toBe(true)
  })
  test("a lock whose holder died is broken", () => {
    const lock = join(tmp(), "h.json.lock")
    expect(tryLock(lock, opts("a")).ok).toBe(true) // never released
    expect(tryLock(lock, { ...opts("b"), alive: () => false }).ok).toBe(false) // same pid: alive by definition
    writeFileSync(lock, JSON.stringify({ pid: 999_999_999, host: readHolderHost(lock), node: "ghost", t: NOW }))
    const b = tryLock(lock, opts("b", NOW, () => false))
    expect(b.ok).toBe(true)
    expect(JSON.parse(readFileSync(lock, "utf8")).node).toBe("b")
  })
  test("a lock older than staleMs is broken; nothing is left aside", () => {
    const dir = tmp()
    const lock = join(dir, "h.json.lock")
    expect(tryLock(lock, opts("a", NOW)).ok).toBe(true)
    expect(tryLock(lock, opts("b", NOW + 9_000)).ok).toBe(false)
    expect(tryLock(lock, opts("b", NOW + 11_000)).ok).toBe(true)
    expect(readdirSync(dir)).toEqual(["h.json.lock"])
  })
  test("a broken holder notices before it renames, so it cannot clobber the new holder's write", () => {
    const lock = join(tmp(), "h.json.lock")
    const a = tryLock(lock, opts("a", NOW))
    const b = tryLock(lock, opts("b", NOW + 11_000))
    expect(a.ok && b.ok).toBe(true)
    if (a.ok) {
      expect(a.stillHeld()).toBe(false)
      a.release() // must not remove b's lock
    }
    expect(existsSync(lock)).toBe(true)
  })
})

function readHolderHost(lock: string): string {
  return JSON.parse(readFileSync(lock, "utf8")).host
}
