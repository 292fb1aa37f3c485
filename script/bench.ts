// `npm run bench`: measures, in one run, (a) the event hook's overhead on a recorded real stream against an
// empty hook, (b) time to recovery in the real host with the plugin against the bare host, (c) memory after a
// churn of failed sessions, (d) classifyFailure per call, (e) hop latency in the real host (a failed run's end
// → the next model's request), cold and warm, for a failure the host does not retry next to a retried 429.
// Prints one table and writes the same, with the date and machine facts, to bench/RESULTS.md. The pieces live
// in script/bench/.
//   npm run bench                     # everything (about 8 minutes on the 2-core machine)
//   BENCH_ONLY=a,c,d npm run bench    # some parts (the file then only has those rows)
//   BENCH_RUNS=5                      # recovery runs per scenario and setup (default 5)
//   BENCH_STRICT=1                    # exit 1 when a target is missed (default: only when a part crashed)
import { mkdirSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { REPO_ROOT } from "../test/e2e/harness/host.ts"
import { benchClassify } from "./bench/classify.ts"
import { benchEventOverhead } from "./bench/event-overhead.ts"
import { benchHops } from "./bench/hops.ts"
import { machineFacts } from "./bench/machine.ts"
import { benchMemory } from "./bench/memory.ts"
import { benchRecovery } from "./bench/recovery.ts"
import { allRows, markdownTable, runDetails, type Results } from "./bench/report.ts"

const started = Date.now()
const only = (process.env.BENCH_ONLY ?? "a,b,c,d,e").split(",").map((s) => s.trim())
const runs = Number(process.env.BENCH_RUNS ?? 5)
const log = (line: string) => console.error(line)
const load = () => loadavg().map((x) => x.toFixed(2)).join(" / ")
const loadAtStart = load()

const results: Results = { errors: [] }
async function part<T>(name: string, key: string, fn: () => Promise<T> | T): Promise<T | undefined> {
  if (!only.includes(key)) return undefined
  const t = Date.now()
  log(`${name} …`)
  try {
    const r = await fn()
    log(`${name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`)
    return r
  } catch (err) {
    const message = `${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
    results.errors.push(message)
    log(message)
    return undefined
  }
}

const facts = machineFacts()
// In-process parts first, before any opencode host runs beside them.
results.overhead = await part("a. event-hook overhead", "a", () => benchEventOverhead({ copies: 40, rounds: 21, warmup: 20 }))
results.classify = await part("d. classifyFailure", "d", () => benchClassify())
results.memory = await part("c. memory", "c", () => benchMemory({ sessions: 10_000 }))
// Leave room under the 10-minute budget: no new recovery run starts after this point.
results.recovery = await part("b. time to recovery (real host)", "b", () => benchRecovery({ runs, deadline: started + 7.5 * 60_000, log }))
results.hops = await part("e. hop latency (real host, cold and warm)", "e", () => benchHops({ runs, deadline: Date.now() + 6 * 60_000, log }))

const elapsed = Date.now() - started
const rows = allRows(results)
const table = markdownTable(rows)
const failed = rows.filter((r) => r.result === "FAIL").length

console.log("")
console.log(table)
console.log("")
for (const e of results.errors) console.log(`ERROR: ${e.split("\n")[0]}`)
console.log(`bench took ${(elapsed / 1000).toFixed(1)} s; ${failed ? `${failed} target(s) missed` : "every target met"}; results in bench/RESULTS.md`)

const o = results.overhead
const m = results.memory
const rec = results.recovery
const md = `# Benchmark results

Measured by \`npm run bench\` (script/bench.ts) on ${new Date(started).toISOString()}; the whole run took ${(elapsed / 1000).toFixed(1)} s.
Re-run it to refresh this file; every number below comes from that run, none is typed in.

| machine | |
| --- | --- |
| CPU | ${facts.cpu} |
| cores | ${facts.cores} |
| RAM | ${facts.ram} |
| OS | ${facts.os} |
| bun | ${facts.bun} |
| node | ${facts.node} |
| opencode | ${facts.opencode} |
| load average (1/5/15 min) at start / end | ${loadAtStart} · ${load()} |

## Results

${table}
${results.errors.length ? `\n**Parts that could not be measured:**\n\n${results.errors.map((e) => "- " + e.split("\n")[0]).join("\n")}\n` : ""}
## How each number was measured

**a. Event-hook overhead.** ${o ? `The recorded real stream test/fixtures/long-stream.jsonl (one answer of ~2,500 streamed words from a real \`opencode serve\`) replayed ${o.copies} times, each copy with its own session, message, part and event ids: ${o.events.toLocaleString("en-US")} events, ${o.deltas.toLocaleString("en-US")} of them \`message.part.delta\`. ` : ""}The plugin is built by the real \`createInstance\` with a fake host client, a manual clock, an injected health registry and a config with a chain; before each replay every replayed session gets the chat.message of its turn (untimed), so each is tracked with a live turn. The plugin's \`event\` hook and an empty \`async () => {}\` hook replay the same prebuilt \`{ event }\` inputs, ${o ? `${o.warmup} warm-up rounds, then ${o.rounds} measured rounds` : "in rounds"}, interleaved (the side that goes first alternates), each timed replay after a forced minor GC. As the host does, the timed loop calls \`hooks.event({ event })\` and does not await it: the time includes the call, the plugin's synchronous work and the creation of the promise the async hook returns, for both hooks alike (the \`{ event }\` wrapper is allocated before the clock starts). The awaited rows await every call (one microtask turn each). The cache-warm row reads each chunk of 256 events once, untimed, before timing the calls on it: in the host the hook receives an event the host has just built (in cache), whereas a straight replay of 100,000 prebuilt events (tens of MB) makes the plugin, which reads each event, pay a cache miss that the empty hook, which reads nothing, does not; the verdicts are on the straight replay. Per-delta figures replay only the delta events of the same stream; per-event figures replay the whole stream in order. Figures are the median over rounds of (replay time / events). The empty hook costs a few ns (one promise), so the plugin/empty ratio moves with the machine's load from run to run (the load average is in the machine table above). A third hook, interleaved with the other two, only reads each delta's \`type\` and \`properties.sessionID\` (what any hook that watches a session's stream must read) and does nothing with them: it separates the price of touching the event at all from the plugin's own work (the plugin / reading-only row).

**b. Time to recovery.** One fake OpenAI-compatible provider on 127.0.0.1 (test/e2e/harness/fake-provider.ts) and two sandboxed \`opencode serve\` hosts started in the same run: one with this checkout as a path plugin configured with \`chains.default: ["fake/backup-model"]\` (written to config/opencode/runtime-fallback.jsonc), one bare (\`plugins: []\`). Each host first answers one warm-up prompt. Every run uses its own failing model id (quota-p1-model, …), so no cooldown from an earlier run pre-routes a later one and a transient model's failure count starts at zero. ${rec ? `${rec.runs} runs per scenario and setup.` : ""} Plugin runs go one at a time; the bare host's runs of a scenario go concurrently (separate sessions), since its 429-quota and 503 runs spend ~70 s in the host's own retry backoff. "Prompt → meaningful answer" is from just before \`promptAsync\` to the receipt of the \`message.updated\` event that completes an assistant message with a final finish, no error and non-empty text; "final error" is the receipt of the session's last \`session.error\`. "First failing response → fallback request" uses the provider's arrival times of the failing model's first request (answered at once with the error) and the backup model's first request for that session. Request counts are taken after both hosts stopped. The transient model fails twice (429 with retry-after: 1 s) and then answers: the right outcome is to stay on it.

**c. Memory.** ${m ? `${m.sessions.toLocaleString("en-US")} sessions in batches of ${m.batch}` : "Sessions in batches"}, each driven through the hooks as in the host: chat.message (fake/credits-model), busy, its assistant row, then half a 402 with the host's whole end of run (\`session.error\`, idle, the errored row, idle), half a host retry status at attempt 3 (past \`retry.maxHostAttempts\`, so the plugin aborts and dispatches when the abort returns); then, per session, the fallback's own empty user message (chat.message), busy, the backup model's row, its step start and completed answer, idle (the plugin gives the session its model back with a noReply prompt), and \`session.deleted\`. The manual clock moves on between steps and runs out every hold and dedupe window at the end. The heap is read after three forced full GCs (\`Bun.gc(true)\`) after a 500-session warm-up on the same instance, then again after the churn; the fake client keeps no call records. "Fallbacks sent" counts re-dispatches, not the noReply restores.

**d. classifyFailure.** Every row of the development corpus (test/fixtures/provider-errors.dev.jsonl) in both forms of test/support/corpus.ts (\`apiErrorForm\`: the host's session.error APIError; \`bareStringForm\`: the retry status message), after 200 warm-up passes; each call timed on its own (\`Bun.nanoseconds()\`) over 15 passes; an input's time is its median; the table gives the median and p90 over inputs. Then six large inputs (a 1 MB string, a 1 MB JSON body in an APIError, a 1 MB HTML page, an object with 20 000 keys, 5 000 levels of nesting, a 1 MB message repeating a wait): the classifier reads a bounded part of any input, so their time must not grow with their size.
**e. Hop latency.** One fake provider; for each path (402: a failure the host does not retry; 429 quota: one it retries, where the plugin aborts at the first retry status) a chain of three failing models, then fake/backup-model, so each turn makes three hops. Cold: a fresh \`opencode serve\` for each turn, whose first prompt is that turn; warm: one host per path, after a warm-up prompt. A hop is measured from the plugin's own decision record (its trace, ORF_TRACE_FILE: the time the plugin handled the input that carried the dispatch, i.e. the failed run's end: the idle after the errored row, or the abort's return) to the arrival of the next model's request at the fake provider; both times are this machine's clock. What lies between is the host's own work on the new prompt (storing it, starting the loop, building the request), which grows with the machine's load (the load average is in the machine table).

${rec ? `\n## Recovery runs in detail\n\nHost start-up: plugin host ${rec.hostStartMs.plugin} ms, bare host ${rec.hostStartMs.bare} ms. The recovery part took ${(rec.ms / 1000).toFixed(1)} s.\n\n${runDetails(rec)}\n` : ""}`

mkdirSync(join(REPO_ROOT, "bench"), { recursive: true })
writeFileSync(join(REPO_ROOT, "bench", "RESULTS.md"), md)

if (results.errors.length || (process.env.BENCH_STRICT && failed)) process.exit(1)
// Host sandboxes, SSE readers and the fake provider are closed; exit explicitly in case a handle lingers.
process.exit(0)
