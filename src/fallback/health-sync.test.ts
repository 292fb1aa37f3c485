import { afterEach, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Failure } from "../failure/types.ts"
import { createManualClock, type ManualClock } from "../host/clock.ts"
import { tryLock } from "./file-lock.ts"
import { createModelHealth } from "./health.ts"
import { readStateFile, serializeState } from "./health-store.ts"
import { createFileStore, DEFAULT_POLL_MS } from "./health-sync.ts"
import { applyOp, emptyState } from "./health-state.ts"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "orf-sync-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const policy = { baseMs: 60_000, factor: 2, maxMs: 3_600_000 }
const prune = { memoryMs: 86_400_000, clearKeepMs: 3_600_000, maxMs: policy.maxMs }
const M = { providerID: "p", modelID: "m" }
const M2 = { providerID: "p", modelID: "m2" }
const f = (code: Failure["code"], message: string = code): Failure => ({ code, action: "fallback", retryable: true, message, rule: "t", reason: "t" })

/** A process: its own clock, store and registry over the shared file. */
function proc(file: string, clock: ManualClock, node: string, logs: string[] = []) {
  const store = createFileStore({ file, clock, node, prune, log: (_l, m) => logs.push(m), sleep: () => {} })
  const health = createModelHealth(policy, { store, node })
  return { store, health, logs }
}

describe("two processes sharing the state file", () => {
  test("a running process sees the other's cooldown at its first look after pollMs", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    const b = proc(file, clock, "b")
    expect(b.health.cooling(M, clock.now())).toBeUndefined() // b looked just now
    a.health.recordFailure(M, f("quota_exhausted"), clock.now())
    expect(b.health.cooling(M, clock.now())).toBeUndefined() // within pollMs of its last look
    clock.advance(DEFAULT_POLL_MS)
    expect(b.health.cooling(M, clock.now())?.code).toBe("quota_exhausted")
  })
  test("a provider-wide cooldown reaches the other process's other models", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    const b = proc(file, clock, "b")
    a.health.recordFailure(M, f("payment_required"), clock.now())
    clock.advance(DEFAULT_POLL_MS)
    expect(b.health.cooling(M2, clock.now())?.key).toBe("p/*")
  })
  test("a success in one process does not delete a cooldown the other wrote after that attempt started", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    const b = proc(file, clock, "b")
    const started = clock.now()
    clock.advance(10)
    b.health.recordFailure(M, f("quota_exhausted"), clock.now())
    clock.advance(DEFAULT_POLL_MS)
    a.health.recordSuccess(M, started, clock.now())
    clock.advance(DEFAULT_POLL_MS)
    expect(b.health.cooling(M, clock.now())?.code).toBe("quota_exhausted")
    expect(readStateFile(file).state.entries.has("p/m")).toBe(true)
  })
  test("a success clears the other process's older cooldown, in both processes and on disk", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    const b = proc(file, clock, "b")
    b.health.recordFailure(M, f("quota_exhausted"), clock.now())
    clock.advance(DEFAULT_POLL_MS)
    expect(a.health.cooling(M, clock.now())).toBeDefined()
    a.health.recordSuccess(M, clock.now(), clock.now() + 5)
    clock.advance(DEFAULT_POLL_MS)
    expect(b.health.cooling(M, clock.now())).toBeUndefined()
    expect(readStateFile(file).state.entries.size).toBe(0)
  })
  test("ordering survives a clock that steps back: the later record wins although its wall time is earlier", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    const b = proc(file, clock, "b")
    a.health.recordFailure(M, f("model_missing", "first"), clock.now())
    clock.advance(DEFAULT_POLL_MS)
    b.health.cooling(M, clock.now()) // b reads a's record
    clock.set(clock.now() - 3_600_000) // the wall clock steps back an hour
    b.health.recordFailure(M, f("model_missing", "second"), clock.now())
    expect(readStateFile(file).state.entries.get("p/m")?.message).toBe("second")
    clock.advance(DEFAULT_POLL_MS)
    expect(a.health.cooling(M, clock.now())?.message).toBe("second")
  })
  test("a busy lock delays the write; a retry saves it", () => {
    const dir = tmp()
    const file = join(dir, "h.json")
    const clock = createManualClock()
    const held = tryLock(`${file}.lock`, { staleMs: 10_000, node: "other", now: () => clock.now() })
    const a = proc(file, clock, "a")
    a.health.recordFailure(M, f("auth"), clock.now())
    expect(a.store.pending()).toBe(2) // the account's cooldown and the model's own
    expect(a.health.cooling(M, clock.now())?.code).toBe("auth") // known locally at once
    expect(readStateFile(file).status).toBe("missing")
    if (held.ok) held.release()
    clock.advance(100)
    expect(a.store.pending()).toBe(0)
    expect(readStateFile(file).state.entries.get("p/*")?.code).toBe("auth")
    expect(readStateFile(file).state.entries.get(`p/${M.modelID}`)?.scope).toBe("model")
  })
  test("the state file deleted by hand: both processes forget", () => {
    const file = join(tmp(), "h.json")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    a.health.recordFailure(M, f("quota_exhausted"), clock.now())
    unlinkSync(file)
    clock.advance(DEFAULT_POLL_MS)
    expect(a.health.cooling(M, clock.now())).toBeUndefined()
  })
})

describe("problems are logged once and never thrown", () => {
  test("a state path that is a directory: memory only, one log line, no temp files", () => {
    const dir = tmp()
    const file = join(dir, "h.json")
    mkdirSync(file)
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    for (let i = 0; i < 5; i++) {
      a.health.recordFailure({ providerID: "p", modelID: `m${i}` }, f("quota_exhausted"), clock.now())
      clock.advance(DEFAULT_POLL_MS)
      a.health.cooling(M, clock.now())
    }
    expect(a.health.cooling({ providerID: "p", modelID: "m4" }, clock.now())).toBeDefined()
    expect(a.logs).toHaveLength(1)
    expect(a.logs[0]).toContain("not a regular file")
    expect(readdirSync(dir)).toEqual(["h.json"])
  })
  test("a damaged file is repaired once, keeping its valid records", () => {
    const file = join(tmp(), "h.json")
    const s = emptyState()
    for (const k of ["p/a", "p/b"]) applyOp(s, { type: "cool", entry: { key: k, scope: "model", model: k, code: "auth", message: "", until: 1_800_000_000_000, strikes: 1, at: 1, seq: 0, node: "x" } })
    writeFileSync(file, serializeState(s) + "}}garbage")
    const clock = createManualClock()
    const a = proc(file, clock, "a")
    expect(a.health.cooling({ providerID: "p", modelID: "b" }, clock.now())?.code).toBe("auth")
    clock.advance(10)
    expect(readStateFile(file).status).toBe("ok")
    expect([...readStateFile(file).state.entries.keys()].sort()).toEqual(["p/a", "p/b"])
    expect(a.logs.filter((l) => l.includes("damaged"))).toHaveLength(1)
    expect(readFileSync(file, "utf8")).not.toContain("garbage")
  })
})
