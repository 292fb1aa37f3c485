import { describe, expect, test } from "bun:test"
import { breakerCooldown, createBreakers, type BreakerPolicy } from "./breaker.ts"

const P: BreakerPolicy = { failures: 3, windowMs: 10_000, cooldownMs: 1_000, factor: 2, maxCooldownMs: 5_000, probeTimeoutMs: 4_000 }
const fail = { code: "overloaded" as const, message: "overloaded" }

function openAt(b = createBreakers(P), t = 0) {
  for (let i = 0; i < P.failures; i++) b.recordTransient("m", fail, t)
  return b
}

describe("breaker", () => {
  test("failures spread wider than the window never open it", () => {
    const b = createBreakers(P)
    for (let t = 0; t < 100_000; t += 6_000) expect(b.recordTransient("m", fail, t)).toBeUndefined()
    expect(b.view("m", 100_000).phase).toBe("closed")
  })
  test("the threshold within the window opens it; open → half-open after the cooldown", () => {
    const b = openAt()
    expect(b.view("m", 999)).toMatchObject({ phase: "open", until: 1_000, opens: 1 })
    expect(b.view("m", 1_000)).toMatchObject({ phase: "half-open", probing: false })
  })
  test("failures while open (turns already under way) do not extend it", () => {
    const b = openAt()
    expect(b.recordTransient("m", fail, 500)).toBeUndefined()
    expect(b.view("m", 999)).toMatchObject({ until: 1_000 })
  })
  test("a straggler (an attempt begun before it opened) failing in half-open does not reopen it; the probe's failure does", () => {
    const b = openAt()
    expect(b.recordTransient("m", fail, 1_200, -500)).toBeUndefined()
    expect(b.view("m", 1_200)).toMatchObject({ phase: "half-open", opens: 1 })
    expect(b.admitProbe("m", 1_200)).toBe(true)
    expect(b.recordTransient("m", fail, 1_300, 1_200)).toMatchObject({ phase: "open", opens: 2 })
  })
  test("one probe at a time; a probe timeout lets another through", () => {
    const b = openAt()
    expect(b.admitProbe("m", 999)).toBe(false)
    expect(b.admitProbe("m", 1_000)).toBe(true)
    expect(b.admitProbe("m", 1_001)).toBe(false)
    expect(b.view("m", 1_001)).toMatchObject({ phase: "half-open", probing: true, until: 5_000 })
    expect(b.admitProbe("m", 5_000)).toBe(true)
  })
  test("a failure in half-open reopens with a growing, capped cooldown", () => {
    const b = openAt()
    let t = 1_000
    const untils: number[] = []
    for (let i = 0; i < 5; i++) {
      b.admitProbe("m", t)
      const v = b.recordTransient("m", fail, t)!
      untils.push(v.until - t)
      t = v.until
    }
    expect(untils).toEqual([2_000, 4_000, 5_000, 5_000, 5_000])
  })
  test("success closes it only for an attempt started after it opened", () => {
    const b = openAt(createBreakers(P), 100)
    b.recordSuccess("m", 99, 200)
    expect(b.view("m", 200).phase).toBe("open")
    b.recordSuccess("m", 100, 1_200)
    expect(b.view("m", 1_200).phase).toBe("closed")
  })
  test("a clock that steps back keeps the open period within maxCooldownMs and re-admits a probe", () => {
    const b = openAt(createBreakers(P), 1_000_000)
    expect(b.view("m", 0)).toMatchObject({ phase: "open", until: 5_000 })
    expect(b.admitProbe("m", 6_000)).toBe(true)
    expect(b.admitProbe("m", 4_000)).toBe(false) // open again until 5 000
    expect(b.admitProbe("m", 5_500)).toBe(true) // the probe was admitted "in the future": treat it as lost
  })
  test("bounded: closed breakers go first", () => {
    const b = createBreakers(P, 10)
    openAt(b)
    for (let i = 0; i < 50; i++) b.recordTransient(`x${i}`, fail, 0)
    expect(b.size()).toBe(10)
    expect(b.view("m", 1).phase).toBe("open")
  })
  test("cooldown arithmetic never overflows", () => {
    expect(breakerCooldown({ ...P, factor: 1e308 }, 50)).toBe(P.maxCooldownMs)
  })
})
