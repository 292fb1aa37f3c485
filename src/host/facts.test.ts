import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { CHANGES, hostFacts, MEASURED, type Facts } from "./facts.ts"
import { compareVersions, parseVersion } from "./version.ts"

const FACT_KEYS: Array<keyof Facts> = [
  "retry429",
  "retriesOnMessageText",
  "retryStatusHasAction",
  "busyPromptDropped",
  "replayPersistsModel",
  "subagentFailed",
  "subagentAborted",
  "erroredTaskPartNamesChild",
  "taskResultFormat",
  "partUpdateRoute",
  "pluginLoadedTwice",
  "hooks",
]

describe("hostFacts: the measured behaviour per version", () => {
  test("429 retries: unlimited up to 1.18.16, five with jitter from 1.18.17", () => {
    expect(hostFacts("1.17.18").retry429).toEqual({ limit: "unlimited", jitter: false })
    expect(hostFacts("1.18.16").retry429).toEqual({ limit: "unlimited", jitter: false })
    expect(hostFacts("1.18.17").retry429).toEqual({ limit: 5, jitter: true })
    expect(hostFacts("1.18.33").retry429).toEqual({ limit: 5, jitter: true })
  })

  test("retry on message text from 1.18.14; the retry status's action field from 1.15", () => {
    expect(hostFacts("1.18.11").retriesOnMessageText).toBe(false)
    expect(hostFacts("1.18.14").retriesOnMessageText).toBe(true)
    expect(hostFacts("1.14.41").retryStatusHasAction).toBe(false)
    expect(hostFacts("1.15.0").retryStatusHasAction).toBe(true)
  })

  test("a failed child: a completed empty task part up to 1.18.19, 'Subagent failed' from 1.18.20", () => {
    expect(hostFacts("1.17.18").subagentFailed).toBe("completed:empty")
    expect(hostFacts("1.18.19").subagentFailed).toBe("completed:empty")
    expect(hostFacts("1.18.20").subagentFailed).toBe("error:subagent-failed")
    expect(hostFacts("1.18.33").subagentFailed).toBe("error:subagent-failed")
  })

  test("an aborted child: completed and empty on 1.14/1.15, 'Task cancelled' from 1.17.0; the child named in the errored part from 1.17.18", () => {
    expect(hostFacts("1.14.34").subagentAborted).toBe("completed:empty")
    expect(hostFacts("1.15.13").subagentAborted).toBe("completed:empty")
    expect(hostFacts("1.17.0").subagentAborted).toBe("error:task-cancelled")
    expect(hostFacts("1.17.11")).toMatchObject({ subagentAborted: "error:task-cancelled", erroredTaskPartNamesChild: false })
    expect(hostFacts("1.17.18")).toMatchObject({ subagentAborted: "error:task-cancelled", erroredTaskPartNamesChild: true })
  })

  test("two instances per directory on 1.15.13 and 1.17.0 only", () => {
    expect(["1.14.34", "1.14.41", "1.15.13", "1.17.0", "1.17.11", "1.17.18", "1.18.33"].map((x) => hostFacts(x).pluginLoadedTwice)).toEqual([false, false, true, true, false, false, false])
  })

  test("what every measured host does alike: drops a prompt sent while busy, keeps a replay's model, has the part-update route and the hooks the plugin uses", () => {
    for (const m of MEASURED) {
      const f = hostFacts(m)
      expect(f).toMatchObject({ busyPromptDropped: true, replayPersistsModel: true, partUpdateRoute: true, match: "measured", basis: m, version: m })
      expect(f.note).toBeUndefined()
      for (const h of ["event", "chat.message", "chat.params", "experimental.chat.messages.transform"] as const) expect(f.hooks[h]).toBe(true)
      expect(f.hooks["permission.ask"]).toBe(false)
    }
  })
})

describe("hostFacts: hosts that were not measured", () => {
  test("between two measured versions: the change points apply, no note", () => {
    const f = hostFacts("1.18.18")
    expect(f).toMatchObject({ match: "between", basis: "1.18.17", version: "1.18.18", retry429: { limit: 5, jitter: true }, subagentFailed: "completed:empty" })
    expect(f.note).toBeUndefined()
    expect(hostFacts("1.18.12")).toMatchObject({ match: "between", basis: "1.18.11", retriesOnMessageText: false })
  })

  test("a newer 1.x (1.19.3): the newest measured facts and a note to log once", () => {
    const f = hostFacts("1.19.3")
    const { version, basis, match, note, ...facts } = f
    expect({ version, basis, match }).toEqual({ version: "1.19.3", basis: "1.18.33", match: "newer" })
    expect(note).toBe("opencode 1.19.3 is newer than the newest host measured (1.18.33); assuming its behaviour")
    const { version: _v, basis: _b, match: _m, note: _n, ...newest } = hostFacts("1.18.33")
    expect(facts).toEqual(newest)
  })

  test("older than measured, or another major: the nearest measured facts, flagged", () => {
    expect(hostFacts("1.3.2")).toMatchObject({ match: "outside", basis: "1.14.34", subagentAborted: "completed:empty" })
    expect(hostFacts("1.3.2").note).toContain("outside the hosts measured (1.14.34 … 1.18.33)")
    expect(hostFacts("2.0.0")).toMatchObject({ match: "outside", basis: "1.18.33" })
    expect(hostFacts("0.15.0")).toMatchObject({ match: "outside", basis: "1.14.34" })
  })

  test("no version: the newest facts, flagged", () => {
    for (const x of [undefined, "", "local", 42, null, { version: "1.18.33" }]) {
      const f = hostFacts(x)
      expect(f).toMatchObject({ match: "unknown", basis: "1.18.33" })
      expect(f.version).toBeUndefined()
      expect(f.note).toBe("opencode version unknown; assuming the behaviour of opencode 1.18.33")
    }
  })

  test("total: any string gives every fact and a basis that was measured", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.nat(3), fc.nat(30), fc.nat(60)).map(([a, b, c]) => `${a}.${b}.${c}`)), (s) => {
        const f = hostFacts(s)
        for (const k of FACT_KEYS) expect(f[k]).toBeDefined()
        expect(MEASURED).toContain(f.basis)
        expect((f.note === undefined) === (f.match === "measured" || f.match === "between")).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})

describe("the evidence table", () => {
  test("is ordered, names real fact keys, and every change point is a measured version", () => {
    const sorted = [...CHANGES].sort((a, b) => compareVersions(parseVersion(a.since)!, parseVersion(b.since)!))
    expect(sorted).toEqual([...CHANGES])
    for (const c of CHANGES) {
      if (!c.evidence.startsWith("2c")) expect(MEASURED).toContain(c.since)
      expect(c.evidence.length).toBeGreaterThan(10)
      for (const k of Object.keys(c.facts)) expect(FACT_KEYS).toContain(k as keyof Facts)
    }
    const ms = MEASURED.map((m) => parseVersion(m)!)
    expect([...ms].sort(compareVersions)).toEqual(ms)
  })
})
