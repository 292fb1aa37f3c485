// The writer side of the re-read latency probe (script/health-contention.ts): after `delayMs`, records one
// cooldown for <model> in the state file and prints the epoch ms at which the write completed.
// Usage: bun test/support/health-notify.ts <stateFile> <model> <delayMs>
import { createModelHealth } from "../../src/fallback/health.ts"
import { createFileStore } from "../../src/fallback/health-sync.ts"
import { nodeId } from "../../src/fallback/hlc.ts"
import { systemClock } from "../../src/host/clock.ts"

const [file, model, delay] = process.argv.slice(2)
const node = nodeId()
const store = createFileStore({ file: file!, clock: systemClock, node, prune: { memoryMs: 86_400_000, clearKeepMs: 3_600_000, maxMs: 3_600_000 }, log: () => {} })
const health = createModelHealth({ baseMs: 3_600_000, factor: 1, maxMs: 3_600_000 }, { store, node })
health.entries(Date.now())
await new Promise((r) => setTimeout(r, Number(delay)))
const [providerID, modelID] = model!.split("/") as [string, string]
health.recordFailure({ providerID, modelID }, { code: "quota_exhausted", action: "fallback", retryable: true, message: "probe", rule: "probe", reason: "probe" }, Date.now())
while (!store.flush(50)) await new Promise((r) => setTimeout(r, 1))
console.log(Date.now())
