import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { compareVersions, fetchHostVersion, formatVersion, hostVersionFromExecPath, parseVersion, readHostVersion, satisfiesRange } from "./version.ts"

const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "package.json"), "utf8"))
const matrix: Array<{ version: string }> = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "test", "e2e", "host-matrix.json"), "utf8")).versions
const ENGINES: string = pkg.engines.opencode

describe("parseVersion", () => {
  test("reads versions in the forms hosts and users write them", () => {
    expect(formatVersion(parseVersion("1.18.33")!)).toBe("1.18.33")
    expect(formatVersion(parseVersion("v1.19.3")!)).toBe("1.19.3")
    expect(formatVersion(parseVersion("opencode 1.14.34\n")!)).toBe("1.14.34")
    expect(parseVersion("1.19.0-beta.2")).toEqual({ major: 1, minor: 19, patch: 0, prerelease: ["beta", 2] })
  })
  test("is total: junk gives undefined", () => {
    for (const x of [undefined, null, 42, "", "local", "1.18", "x.y.z", {}]) expect(parseVersion(x)).toBeUndefined()
  })
})

describe("compareVersions", () => {
  const v = (s: string) => parseVersion(s)!
  test("orders by number, not by text; a prerelease precedes its release", () => {
    expect(compareVersions(v("1.18.9"), v("1.18.17"))).toBe(-1)
    expect(compareVersions(v("1.19.0"), v("1.18.33"))).toBe(1)
    expect(compareVersions(v("2.0.0-rc.1"), v("2.0.0"))).toBe(-1)
    expect(compareVersions(v("2.0.0-rc.2"), v("2.0.0-rc.10"))).toBe(-1)
    expect(compareVersions(v("1.2.3"), v("1.2.3"))).toBe(0)
  })
})

describe("satisfiesRange agrees with semver (Bun.semver) on the ranges this package writes", () => {
  test("engines.opencode admits the oldest tested host and 1.19.3, and excludes 2.0.0", () => {
    const oldest = matrix[0]!.version
    for (const ok of [oldest, "1.18.16", "1.18.33", "1.19.3"]) {
      expect(Bun.semver.satisfies(ok, ENGINES)).toBe(true)
      expect(satisfiesRange(ok, ENGINES)).toBe(true)
    }
    for (const no of ["2.0.0", "2.1.0", "0.15.0"]) {
      expect(Bun.semver.satisfies(no, ENGINES)).toBe(false)
      expect(satisfiesRange(no, ENGINES)).toBe(false)
    }
  })

  test("the range's lower bound is the oldest host the e2e matrix proves", () => {
    expect(ENGINES).toBe(`>=${matrix[0]!.version} <2.0.0`)
    // and the matrix is ordered oldest first
    const sorted = [...matrix].sort((a, b) => compareVersions(parseVersion(a.version)!, parseVersion(b.version)!))
    expect(sorted.map((m) => m.version)).toEqual(matrix.map((m) => m.version))
  })

  test("random versions against random comparator ranges", () => {
    const ver = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 40 }), fc.option(fc.constantFrom("beta.1", "rc.2", "0"), { nil: undefined }))
    const show = ([a, b, c, pre]: [number, number, number, string | undefined]) => `${a}.${b}.${c}${pre ? `-${pre}` : ""}`
    const comparator = fc.tuple(fc.constantFrom(">=", ">", "<", "<=", "=", ""), ver).map(([op, v]) => `${op}${show(v)}`)
    const range = fc.array(fc.array(comparator, { minLength: 1, maxLength: 3 }).map((s) => s.join(" ")), { minLength: 1, maxLength: 2 }).map((sets) => sets.join(" || "))
    fc.assert(
      fc.property(ver, range, (v, r) => {
        expect(satisfiesRange(show(v), r)).toBe(Bun.semver.satisfies(show(v), r))
      }),
      { numRuns: 2000 },
    )
  })

  test("syntax it does not handle gives undefined, not a guess", () => {
    for (const r of ["^1.18.0", "~1.18.0", "1.x", "1.0.0 - 2.0.0", "*", ""]) expect(satisfiesRange("1.18.33", r)).toBeUndefined()
    expect(satisfiesRange("local", ENGINES)).toBeUndefined()
  })
})

describe("the running host's version", () => {
  const files: Record<string, string> = {
    "/u/node_modules/opencode-linux-x64/package.json": JSON.stringify({ name: "opencode-linux-x64", version: "1.17.19" }),
    "/u/node_modules/opencode-ai/package.json": JSON.stringify({ name: "opencode-ai", version: "1.18.33" }),
    "/u/node_modules/bun/package.json": JSON.stringify({ name: "bun", version: "1.4.5" }),
    "/u/node_modules/opencode-linux-x64-baseline-musl/package.json": JSON.stringify({ name: "opencode-linux-x64-baseline-musl", version: "1.18.16" }),
  }
  const readFile = (f: string) => {
    if (f in files) return files[f]!
    throw new Error(`ENOENT ${f}`)
  }

  test("from the binary's npm package (platform package, or opencode-ai's copied binary)", () => {
    expect(hostVersionFromExecPath("/u/node_modules/opencode-linux-x64/bin/opencode", readFile)).toBe("1.17.19")
    expect(hostVersionFromExecPath("/u/node_modules/opencode-ai/bin/opencode.exe", readFile)).toBe("1.18.33")
    expect(hostVersionFromExecPath("/u/node_modules/opencode-linux-x64-baseline-musl/bin/opencode", readFile)).toBe("1.18.16")
    expect(readHostVersion({ execPath: "/u/node_modules/opencode-ai/bin/opencode.exe", readFile })).toEqual({ version: "1.18.33", source: "exec-path" })
  })

  test("from a Homebrew Cellar path", () => {
    expect(hostVersionFromExecPath("/opt/homebrew/Cellar/opencode/1.18.20/bin/opencode", readFile)).toBe("1.18.20")
  })

  test("not from another package's version (a dev host run by bun), nor from nowhere", () => {
    expect(hostVersionFromExecPath("/u/node_modules/bun/bin/bun", readFile)).toBeUndefined()
    expect(hostVersionFromExecPath("/home/me/.opencode/bin/opencode", readFile)).toBeUndefined()
    expect(hostVersionFromExecPath(undefined, readFile)).toBeUndefined()
    expect(readHostVersion({ execPath: "/nowhere/opencode", readFile })).toEqual({})
  })

  test("this test process (bun) is not mistaken for a host", () => {
    expect(readHostVersion().version).toBeUndefined()
  })

  test("from GET /global/health through the client's transport; total on fakes and failures", async () => {
    const seen: string[] = []
    const client = { _client: { get: async (o: { url: string }) => (seen.push(o.url), { data: { healthy: true, version: "1.18.11" } }) } }
    expect(await fetchHostVersion(client)).toBe("1.18.11")
    expect(seen).toEqual(["/global/health"])
    expect(await fetchHostVersion({})).toBeUndefined()
    expect(await fetchHostVersion(undefined)).toBeUndefined()
    expect(await fetchHostVersion({ _client: { get: async () => ({ data: { healthy: true } }) } })).toBeUndefined()
    expect(await fetchHostVersion({ _client: { get: async () => Promise.reject(new Error("down")) } })).toBeUndefined()
    expect(await fetchHostVersion({ _client: { get: () => { throw new Error("sync") } } })).toBeUndefined()
  })
})
