// `npm run fuzz`: the whole-plugin fuzzing of test/unit/plugin-fuzz.test.ts at depth. CI runs it at scale 1
// (100,000 cases, about 1.7 million steps); this runs it at FUZZ_SCALE (default 10: a million cases, about 17
// million steps). FUZZ_SEED=<n> repeats or resumes a run from a seed (each failing case prints its own seed
// and path for fast-check to replay).
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const env = { ...process.env, FUZZ_SCALE: process.env.FUZZ_SCALE ?? "10" }
console.error(`fuzz: scale ${env.FUZZ_SCALE}, seed ${env.FUZZ_SEED ?? "(the test's default)"}`)
const r = spawnSync(join(root, "node_modules", ".bin", "bun"), ["test", "--timeout", "7200000", "test/unit/plugin-fuzz.test.ts"], { cwd: root, env, stdio: "inherit" })
process.exit(r.status ?? 1)
