// script/hosts.mjs without the network: platform package choice, the matrix file, and the answers for
// versions that are not installed or not versions at all.
import { describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { join, resolve } from "node:path"
// @ts-expect-error plain ESM script without declarations
import { hostBin, installHost, matrixVersions, platformPackages } from "../../script/hosts.mjs"

const ROOT = resolve(import.meta.dir, "..", "..")
const run = (...args: string[]) => spawnSync("node", [join(ROOT, "script", "hosts.mjs"), ...args], { cwd: ROOT, encoding: "utf8" })

describe("script/hosts.mjs", () => {
  test("prefers the platform build opencode-ai's postinstall prefers", () => {
    expect(platformPackages("linux", "x64")).toEqual(["opencode-linux-x64", "opencode-linux-x64-baseline", "opencode-linux-x64-musl", "opencode-linux-x64-baseline-musl"])
    expect(platformPackages("darwin", "arm64")).toEqual(["opencode-darwin-arm64"])
    expect(platformPackages("win32", "x64")).toEqual(["opencode-windows-x64", "opencode-windows-x64-baseline"])
  })

  test("the matrix is read from test/e2e/host-matrix.json, oldest first", () => {
    const versions: string[] = matrixVersions()
    expect(versions.length).toBeGreaterThanOrEqual(3)
    expect(versions.every((v) => /^\d+\.\d+\.\d+$/.test(v))).toBe(true)
  })

  test("not a version: refused before npm runs", () => {
    expect(installHost("latest", () => {})).toMatchObject({ version: "latest", status: "failed", detail: "not a version (x.y.z)" })
    expect(hostBin("9.9.9")).toBeUndefined()
  })

  test("the command line: usage errors exit 2, an absent host exits 1 with the install command", () => {
    expect(run().status).toBe(2)
    expect(run("install").status).toBe(2)
    expect(run("frobnicate").status).toBe(2)
    const bin = run("bin", "9.9.9")
    expect(bin.status).toBe(1)
    expect(bin.stderr).toContain("npm run hosts -- install 9.9.9")
  })
})
