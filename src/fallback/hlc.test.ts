import { expect, test } from "bun:test"
import fc from "fast-check"
import { compareStamps, createHlc } from "./hlc.ts"

test("stamps only go forward, whatever the wall clock does", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }), (walls) => {
      const h = createHlc("a")
      let prev = h.tick(walls[0]!)
      for (const w of walls.slice(1)) {
        const s = h.tick(w)
        if (compareStamps(s, prev) <= 0) return false
        prev = s
      }
      return true
    }),
    { seed: 13, numRuns: 500 },
  )
})

test("a record made after reading another process's record sorts after it, even with a slower clock", () => {
  const a = createHlc("a")
  const b = createHlc("b")
  const fromA = a.tick(10_000)
  b.observe(fromA, 5_000) // b's wall clock is behind
  expect(compareStamps(b.tick(5_000), fromA)).toBe(1)
})

test("a stamp implausibly far ahead (a damaged file) is not followed", () => {
  const h = createHlc("a")
  h.observe({ at: 1e15, seq: 0, node: "x" }, 1_000)
  expect(h.tick(1_000).at).toBe(1_000)
  h.observe({ at: Infinity, seq: 0, node: "x" }, 1_000)
  expect(h.tick(1_000).at).toBe(1_000)
})
