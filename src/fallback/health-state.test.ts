import { expect, test } from "bun:test"
import fc from "fast-check"
import { applyOp, emptyState, pruneState, type HealthOp, type HealthState } from "./health-state.ts"

const op: fc.Arbitrary<HealthOp> = fc.oneof(
  fc.record({ key: fc.constantFrom("p/a", "p/b", "p/*"), at: fc.integer({ min: 0, max: 50 }), seq: fc.integer({ min: 0, max: 3 }), node: fc.constantFrom("x", "y"), until: fc.integer({ min: 0, max: 200 }), strikes: fc.integer({ min: 1, max: 4 }) }).map(
    (r): HealthOp => ({ type: "cool", entry: { ...r, scope: r.key.endsWith("*") ? "provider" : "model", model: "p/a", code: "quota_exhausted", message: "m" } }),
  ),
  fc.record({ key: fc.constantFrom("p/a", "p/b", "p/*"), before: fc.integer({ min: 0, max: 50 }), at: fc.integer({ min: 0, max: 50 }), seq: fc.integer({ min: 0, max: 3 }), node: fc.constantFrom("x", "y") }).map((clear): HealthOp => ({ type: "clear", clear })),
)

const sorted = <T,>(m: Map<string, T>) => [...m.keys()].sort().map((k) => [k, { ...m.get(k) }])
const dump = (s: HealthState) => JSON.stringify([sorted(s.entries), sorted(s.clears)])

test("merging is independent of order and of repeats (every process converges on the same state)", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), fc.integer(), (ops, seed) => {
      const a = emptyState()
      for (const o of ops) applyOp(a, o)
      const shuffled = [...ops].sort((x, y) => ((JSON.stringify(x).length * 31 + seed) % 7) - ((JSON.stringify(y).length * 31 + seed) % 7))
      const b = emptyState()
      for (const o of [...shuffled, ...shuffled.slice(0, 3)]) applyOp(b, o)
      return dump(a) === dump(b)
    }),
    { seed: 7, numRuns: 2_000 },
  )
})

test("a clear removes only entries recorded before the attempt started, also when the entry arrives later", () => {
  const cool = (at: number): HealthOp => ({ type: "cool", entry: { key: "p/a", scope: "model", model: "p/a", code: "auth", message: "", until: 999, strikes: 1, at, seq: 0, node: "x" } })
  const clear: HealthOp = { type: "clear", clear: { key: "p/a", before: 10, at: 11, seq: 0, node: "y" } }
  for (const ops of [[cool(5), clear], [clear, cool(5)]]) {
    const s = emptyState()
    for (const o of ops) applyOp(s, o)
    expect(s.entries.size).toBe(0)
  }
  for (const ops of [[cool(15), clear], [clear, cool(15)]]) {
    const s = emptyState()
    for (const o of ops) applyOp(s, o)
    expect(s.entries.get("p/a")?.at).toBe(15)
  }
})

test("prune caps cooldowns at now + maxMs and forgets old records", () => {
  const s = emptyState()
  applyOp(s, { type: "cool", entry: { key: "p/a", scope: "model", model: "p/a", code: "auth", message: "", until: 1e15, resetAt: 1e15, strikes: 1, at: 0, seq: 0, node: "x" } })
  applyOp(s, { type: "cool", entry: { key: "p/b", scope: "model", model: "p/b", code: "auth", message: "", until: 10, strikes: 1, at: 0, seq: 0, node: "x" } })
  applyOp(s, { type: "clear", clear: { key: "p/c", before: 0, at: 0, seq: 0, node: "x" } })
  pruneState(s, 1_000, { memoryMs: 500, clearKeepMs: 500, maxMs: 100 })
  expect(s.entries.get("p/a")).toMatchObject({ until: 1_100, resetAt: 1_100 })
  expect(s.entries.has("p/b")).toBe(false)
  expect(s.clears.size).toBe(0)
})
