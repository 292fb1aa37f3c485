// One writer process of the shared-state contention probe (test/unit/health-processes.test.ts,
// script/health-contention.ts): records quota cooldowns for its own models as fast as it can for a while,
// cycling over `keys` models, then saves what is pending and prints how many records it made per model.
// Each record raises the model's strike count by one, so a lost update shows as a lower count in the file.
// Usage: bun test/support/health-writer.ts <stateFile> <writerId> <durationMs> <keys>
import { createModelHealth } from "../../src/fallback/health.ts"
import { createFileStore } from "../../src/fallback/health-sync.ts"
import { nodeId } from "../../src/fallback/hlc.ts"
import { systemClock } from "../../src/host/clock.ts"

const [file, id, durationArg, keysArg] = process.argv.slice(2)
const duration = Number(durationArg)
const keys = Number(keysArg)
const node = nodeId()
const policy = { baseMs: 3_600_000, factor: 1, maxMs: 3_600_000 }
const errors: string[] = []
const store = createFileStore({ file: file!, clock: systemClock, node, prune: { memoryMs: 86_400_000, clearKeepMs: 3_600_000, maxMs: policy.maxMs }, log: (_l, m) => errors.push(m) })
const health = createModelHealth(policy, { store, node })
const counts: Record<string, number> = {}
const start = Date.now()
let n = 0
while (Date.now() - start < duration) {
  const model = { providerID: `w${id}`, modelID: `m${n % keys}` }
  health.recordFailure(model, { code: "quota_exhausted", action: "fallback", retryable: true, message: `write ${n}`, rule: "probe", reason: "probe" }, Date.now())
  counts[`${model.providerID}/${model.modelID}`] = (counts[`${model.providerID}/${model.modelID}`] ?? 0) + 1
  n++
  // let retry timers run between records, as a host process would between events
  await new Promise((r) => setTimeout(r, 1))
}
const deadline = Date.now() + 10_000
while (!store.flush(50) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
console.log(JSON.stringify({ id, writes: n, counts, pending: store.pending(), errors }))
