// Real processes sharing one state file: 8 writers record cooldowns as fast as they can; afterwards every
// record must be in the file (each record raises its model's strike count by one, so a lost update would
// show as a lower count). script/health-contention.ts runs the same for 10 s and prints the figures.
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readStateFile } from "../../src/fallback/health-store.ts"
import { runWriters } from "../support/health-contention.ts"

const dir = mkdtempSync(join(tmpdir(), "orf-procs-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test("8 processes writing cooldowns concurrently: no update is lost", async () => {
  const file = join(dir, "model-health.json")
  const r = await runWriters({ file, writers: 8, durationMs: 1_500, keys: 16 })
  expect(r.failedWriters).toEqual([])
  expect(r.written).toBeGreaterThan(8 * 3)
  expect(r.lost).toBe(0)
  expect(r.entries).toBe(8 * Math.min(16, r.minWritesPerWriter))
  expect(readStateFile(file).status).toBe("ok")
  expect(readdirSync(dir).filter((n) => n !== "model-health.json")).toEqual([])
}, 120_000)
