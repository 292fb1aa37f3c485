import { afterEach, describe, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Failure } from "../failure/types.ts"
import { cooldownFor, createModelHealth } from "./health.ts"
import { defaultStateFile, readHealthFile, writeHealthFile } from "./health-store.ts"

const M = { providerID: "p", modelID: "m" }
const policy = { baseMs: 60_000, factor: 2, maxMs: 300_000 }
const f = (code: Failure["code"], extra: Partial<Failure> = {}): Failure => ({ code, action: "fallback", retryable: true, message: code, rule: "t", reason: "t", ...extra })
const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "orf-health-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe("model health", () => {
  test("quota, payment, missing model and auth cool a model down; transient failures do not", () => {
    const h = createModelHealth(policy)
    for (const code of ["rate_limited", "overloaded", "server_error", "timeout", "network", "context_overflow"] as const) expect(h.recordFailure(M, f(code), 0)).toBeUndefined()
    for (const code of ["quota_exhausted", "payment_required", "model_missing", "auth"] as const) expect(createModelHealth(policy).recordFailure(M, f(code), 0)).toBeDefined()
  })
  test("until the named reset time when known", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("quota_exhausted", { resetAt: 5_000_000 }), 1_000)
    expect(h.cooling(M, 4_999_999)?.until).toBe(5_000_000)
    expect(h.cooling(M, 5_000_000)).toBeUndefined()
  })
  test("otherwise a cooldown that grows on repeats, capped", () => {
    expect([1, 2, 3, 4, 5].map((n) => cooldownFor(policy, n))).toEqual([60_000, 120_000, 240_000, 300_000, 300_000])
    const h = createModelHealth(policy)
    h.recordFailure(M, f("auth"), 0)
    expect(h.recordFailure(M, f("auth"), 70_000)?.until).toBe(70_000 + 120_000)
  })
  test("success forgets the strikes; the change is reported with the removed model", () => {
    const changes: Array<[number, string[]]> = []
    const h = createModelHealth(policy, (entries, removed) => changes.push([entries.length, removed]))
    h.recordFailure(M, f("auth"), 0)
    h.recordSuccess(M, 5)
    expect(h.cooling(M, 1)).toBeUndefined()
    expect(changes).toEqual([[1, []], [0, ["p/m"]]])
  })
  test("an answer whose attempt started before the cooldown was recorded does not clear it", () => {
    const h = createModelHealth(policy)
    h.recordFailure(M, f("quota_exhausted"), 1_000)
    h.recordSuccess(M, 999) // requested before the model failed elsewhere, answered after
    expect(h.cooling(M, 1_001)).toBeDefined()
    h.recordSuccess(M, 1_000) // started when the cooldown was recorded: says nothing newer either
    expect(h.cooling(M, 1_001)).toBeDefined()
    h.recordSuccess(M, 1_001)
    expect(h.cooling(M, 1_002)).toBeUndefined()
  })
})

describe("state file", () => {
  test("default location follows XDG_STATE_HOME", () => {
    expect(defaultStateFile({ XDG_STATE_HOME: "/s" })).toBe("/s/opencode/runtime-fallback/model-health.json")
  })
  test("written atomically with mode 0600 and read back", () => {
    const file = join(tmp(), "nested", "model-health.json")
    const h = createModelHealth(policy)
    const e = h.recordFailure(M, f("quota_exhausted"), 10)!
    expect(writeHealthFile(file, h.entries())).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(file, "..")).filter((n) => n.endsWith(".tmp"))).toEqual([])
    expect(readHealthFile(file)).toEqual([e])
  })
  test("a write merges what another process wrote, and drops models that recovered", () => {
    const file = join(tmp(), "h.json")
    const other = { model: "q/x", code: "payment_required" as const, message: "402", until: 99, strikes: 1, at: 5 }
    writeHealthFile(file, [other, { ...other, model: "p/m" }])
    writeHealthFile(file, [], ["p/m"])
    expect(readHealthFile(file).map((e) => e.model)).toEqual(["q/x"])
  })
  test("a damaged file is reported and ignored, never thrown", () => {
    const file = join(tmp(), "h.json")
    writeFileSync(file, "{ not json")
    const errors: string[] = []
    expect(readHealthFile(file, (m) => errors.push(m))).toEqual([])
    expect(errors[0]).toContain("ignoring damaged state file")
    writeFileSync(file, JSON.stringify({ version: 1, entries: [{ model: "bad" }, { model: "p/m", code: "auth", message: "", until: 1, strikes: 1, at: 0 }] }))
    expect(readHealthFile(file).map((e) => e.model)).toEqual(["p/m"])
    expect(readHealthFile(join(tmp(), "missing.json"), (m) => errors.push(m))).toEqual([])
    expect(errors).toHaveLength(1)
  })
  test("an unwritable location is reported, not thrown", () => {
    const dir = tmp()
    writeFileSync(join(dir, "file"), "")
    const errors: string[] = []
    expect(writeHealthFile(join(dir, "file", "h.json"), [], [], (m) => errors.push(m))).toBe(false)
    expect(errors[0]).toContain("cannot write")
  })
})

test("round trip through the plugin's own store keeps the state for the next process", () => {
  const file = join(tmp(), "h.json")
  const a = createModelHealth(policy, (entries, removed) => writeHealthFile(file, entries, removed))
  a.recordFailure(M, f("model_missing"), 1_000)
  const b = createModelHealth(policy)
  b.merge(readHealthFile(file))
  expect(b.cooling(M, 2_000)?.code).toBe("model_missing")
  expect(JSON.parse(readFileSync(file, "utf8")).version).toBe(1)
})
