// (e) Hop latency in the real host: how soon after a failed run has ended the next model's request goes out.
// A chain of three failing models then the backup gives three hops per turn. Two failure paths side by side:
//   - "402": a failure the host does not retry; the run ends with the errored row's write and the idle after it;
//   - "429 quota": a failure the host retries; the plugin aborts at the first retry status, and the run ends
//     when the abort call returns.
// The run's end is the plugin's own decision record (its trace, ORF_TRACE_FILE: the input that carried the
// dispatch), the next request's time is the fake provider's arrival time; both are this machine's clock.
// Cold: a fresh host per turn (its first prompt); warm: one host, after a warm-up prompt.
import { startFakeProvider, type FakeProvider } from "../../test/e2e/harness/fake-provider.ts"
import { startHost, type Host } from "../../test/e2e/harness/host.ts"
import { median } from "./stats.ts"

export type HopPath = "402" | "429 quota"
export type HopRun = { path: HopPath; temperature: "cold" | "warm"; run: number; hops: number[]; answered: boolean; problem?: string }
export type HopsResult = { runs: HopRun[]; ms: number }

// Every chain entry is a model of the one fake provider: each 402 cools only its model, so a turn makes three
// hops (a provider-wide cooldown would skip the rest of the chain; that has its own e2e test).
const MODEL_SCOPE = { scope: { payment_required: "model" } }

const PREFIX: Record<HopPath, string> = { "402": "credits", "429 quota": "quota" }
const chainOf = (path: HopPath, tag: string) => [1, 2, 3].map((k) => `${PREFIX[path]}-${tag}h${k}-model`)

function config(chain: string[]): string {
  return JSON.stringify({ chains: { models: { [`fake/${chain[0]}`]: [...chain.slice(1).map((m) => `fake/${m}`), "fake/backup-model"] } }, cooldown: MODEL_SCOPE })
}

/** One turn down the chain; hop k = the k-th dispatch decision → the k-th model after the first one's request. */
async function turn(host: Host, fake: FakeProvider, chain: string[], timeoutMs: number): Promise<{ hops: number[]; answered: boolean }> {
  const sid = await host.createSession("hops")
  await host.prompt(sid, "hello", `fake/${chain[0]}`)
  await fake.waitForRequest((r) => r.sessionID === sid && r.model === "backup-model", timeoutMs)
  await host.waitForIdle(sid, 60_000).catch(() => undefined)
  const decisions = host.trace().filter((r) => r.session === sid && Array.isArray(r.effects) && r.effects.includes("dispatch"))
  const targets = [...chain.slice(1), "backup-model"]
  const hops: number[] = []
  targets.forEach((model, k) => {
    const req = fake.requests.find((r) => r.sessionID === sid && r.model === model)
    const decision = decisions[k]
    if (req && decision) hops.push(req.t - decision.t)
  })
  return { hops, answered: fake.requests.some((r) => r.sessionID === sid && r.model === "backup-model" && r.status === 200) }
}

export async function benchHops(o: { runs?: number; log?: (line: string) => void; deadline?: number } = {}): Promise<HopsResult> {
  const runs = o.runs ?? 5
  const log = o.log ?? (() => {})
  const deadline = o.deadline ?? Date.now() + 6 * 60_000
  const t0 = Date.now()
  const fake = await startFakeProvider()
  const out: HopRun[] = []
  try {
    for (const path of ["402", "429 quota"] as HopPath[]) {
      for (let i = 1; i <= runs; i++) {
        if (Date.now() > deadline) break
        const chain = chainOf(path, `c${i}`)
        const host = await startHost({ provider: fake, models: [...chain, "backup-model"], files: { "config/opencode/runtime-fallback.jsonc": config(chain) }, label: "bench-hops-cold" })
        try {
          const r = await turn(host, fake, chain, 120_000)
          out.push({ path, temperature: "cold", run: i, ...r })
        } catch (err) {
          out.push({ path, temperature: "cold", run: i, hops: [], answered: false, problem: (err as Error).message })
        } finally {
          await host.stop()
        }
        log(`  hops ${path} cold #${i}: ${out[out.length - 1]!.hops.join(" / ")} ms`)
      }
      const chains = Array.from({ length: runs }, (_, i) => chainOf(path, `w${i + 1}`))
      const allModels = [...chains.flat(), "backup-model", "ok-model"]
      const merged = JSON.stringify({ chains: { models: Object.fromEntries(chains.map((c) => [`fake/${c[0]}`, [...c.slice(1).map((m) => `fake/${m}`), "fake/backup-model"]])) }, cooldown: MODEL_SCOPE })
      const host = await startHost({ provider: fake, models: allModels, files: { "config/opencode/runtime-fallback.jsonc": merged }, label: "bench-hops-warm" })
      try {
        const warm = await host.createSession("warm-up")
        await host.prompt(warm, "hello", "fake/ok-model")
        await host.waitForIdle(warm, 60_000)
        for (let i = 1; i <= runs; i++) {
          if (Date.now() > deadline) break
          try {
            const r = await turn(host, fake, chains[i - 1]!, 120_000)
            out.push({ path, temperature: "warm", run: i, ...r })
          } catch (err) {
            out.push({ path, temperature: "warm", run: i, hops: [], answered: false, problem: (err as Error).message })
          }
          log(`  hops ${path} warm #${i}: ${out[out.length - 1]!.hops.join(" / ")} ms`)
        }
      } finally {
        await host.stop()
      }
    }
  } finally {
    await fake.close()
  }
  return { runs: out, ms: Date.now() - t0 }
}

/** Median per hop position (1st, 2nd, 3rd) and over all hops, for one path and temperature. */
export function hopMedians(r: HopsResult, path: HopPath, temperature: "cold" | "warm"): { perHop: number[]; all: number; answered: number; runs: number } {
  const runs = r.runs.filter((x) => x.path === path && x.temperature === temperature)
  const perHop = [0, 1, 2].map((k) => median(runs.flatMap((x) => (x.hops[k] !== undefined ? [x.hops[k]!] : []))))
  return { perHop, all: median(runs.flatMap((x) => x.hops)), answered: runs.filter((x) => x.answered).length, runs: runs.length }
}

if (import.meta.main) {
  const r = await benchHops({ runs: Number(process.env.BENCH_RUNS ?? 3), log: console.log })
  for (const path of ["402", "429 quota"] as HopPath[]) for (const t of ["cold", "warm"] as const) console.log(path, t, JSON.stringify(hopMedians(r, path, t)))
}
