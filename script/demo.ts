// npm run demo: the plugin at work in a real OpenCode host. Starts the fake provider on 127.0.0.1 and a
// sandboxed `opencode serve` with this checkout as a plugin, sends a prompt to a model that is out of quota,
// and prints a timeline: each provider response, how the plugin classified it, which model answered, and how
// long recovery took. `npm run demo -- --compare` also runs the same prompt on the bare host (about 70 s:
// that is how long the host alone retries an exhausted quota before it gives up).
import { startFakeProvider, type FakeProvider } from "../test/e2e/harness/fake-provider.ts"
import { startHost, type Host } from "../test/e2e/harness/host.ts"

const PRIMARY = "fake/quota-model"
const FALLBACK = "fake/backup-model"
const CONFIG = { chains: { default: [FALLBACK] } }
const PROMPT = "Write a haiku about fallbacks."

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s
const dim = (s: string) => color(2, s)
const bold = (s: string) => color(1, s)
const secs = (ms: number) => `${(ms / 1000).toFixed(3)}s`

type Line = { t: number; text: string }

function timeline(fake: FakeProvider, host: Host, sessionID: string, t0: number): Line[] {
  const lines: Line[] = []
  for (const r of fake.requests.filter((x) => x.sessionID === sessionID))
    lines.push({ t: r.t, text: `provider  ${r.model} → ${r.status}${r.status === 429 ? " insufficient_quota" : r.status === 200 ? " ok" : ""}` })
  for (const e of host.events) {
    const p = e.properties ?? {}
    if (e.type === "session.status" && p.sessionID === sessionID && p.status?.type === "retry")
      lines.push({ t: e.t, text: dim(`host      retry #${p.status.attempt} announced, next try in ${secs(p.status.next - e.t)}: "${String(p.status.message).slice(0, 60)}…"`) })
    if (e.type === "session.error" && p.sessionID === sessionID) lines.push({ t: e.t, text: `host      session.error ${p.error?.name} ${p.error?.data?.statusCode ?? ""}` })
    if (e.type === "tui.toast.show" && e.t >= t0) lines.push({ t: e.t, text: `notice    [${p.variant}] ${p.message}` })
  }
  for (const r of host.trace().filter((x) => x.session === sessionID)) {
    if ((r.input === "retry-status" || r.input === "failure") && r.code && r.phase !== "settled->settled" && r.phase !== "switching->switching")
      lines.push({ t: r.t, text: `plugin    classified ${bold(r.code)} → ${bold(r.action)} (rule ${r.rule})` })
    if (r.call === "session.abort") lines.push({ t: r.t, text: "plugin    aborted the host's retry loop" })
    if (r.call === "session.promptAsync") lines.push({ t: r.t, text: `plugin    re-dispatched the turn (same message, next model)` })
    if (r.input === "user-turn" && r.routed) lines.push({ t: r.t, text: `plugin    ${r.model} is cooling down: turn sent to ${r.routed} before any request` })
  }
  return lines.sort((a, b) => a.t - b.t).map((l) => ({ t: l.t - t0, text: l.text }))
}

async function runOnce(host: Host, fake: FakeProvider, label: string) {
  const sid = await host.createSession(label)
  const t0 = Date.now()
  console.log(`${dim(`[+${secs(0)}]`)} prompt    ${PRIMARY}: "${PROMPT}"`)
  await host.prompt(sid, PROMPT, PRIMARY)
  await host.waitForIdle(sid, 180_000)
  const msgs = await host.messages(sid)
  for (const l of timeline(fake, host, sid, t0)) console.log(`${dim(`[+${secs(l.t)}]`)} ${l.text}`)
  const answer = [...msgs].reverse().find((m) => m.info.role === "assistant" && !m.info.error && m.parts.some((p: any) => p.type === "text" && p.text))
  const reqs = fake.requests.filter((r) => r.sessionID === sid)
  const firstFail = reqs.find((r) => r.status >= 400)
  const ok = reqs.find((r) => r.status === 200)
  if (answer) {
    const text = answer.parts.filter((p: any) => p.type === "text").map((p: any) => p.text).join("")
    console.log(`${dim(`[+${secs(Date.now() - t0)}]`)} answer    from ${bold(`${answer.info.providerID}/${answer.info.modelID}`)}: "${text}"`)
  } else console.log(`${dim(`[+${secs(Date.now() - t0)}]`)} ${bold("no answer")}: the turn ended with an error`)
  const exhausted = reqs.filter((r) => r.model === "quota-model").length
  if (firstFail && ok) console.log(bold(`→ recovered ${secs(ok.t - firstFail.t)} after the first failing response; ${exhausted} request(s) to the exhausted model.`))
  else if (!firstFail && ok) console.log(bold(`→ answered with no failing request at all (${exhausted} request(s) to the exhausted model).`))
  else console.log(bold(`→ not recovered after ${secs(Date.now() - t0)}; ${exhausted} request(s) to the exhausted model.`))
  console.log("")
}

async function main() {
  const compare = process.argv.includes("--compare")
  const fake = await startFakeProvider()
  console.log(bold("opencode-turn-fallback demo"))
  console.log(dim(`real opencode host (node_modules/opencode-ai), fake OpenAI-compatible provider at ${fake.url}`))
  console.log(dim(`primary ${PRIMARY} answers 429 insufficient_quota; runtime-fallback.jsonc: ${JSON.stringify(CONFIG)}\n`))
  const host = await startHost({ provider: fake, models: ["quota-model"], files: { "config/opencode/runtime-fallback.jsonc": JSON.stringify(CONFIG) }, label: "demo" })
  try {
    // The first turn after start-up pays the host's own warm-up (about a second); take it on a healthy model
    // so the timings below are the plugin's, not the host's cold start.
    const warm = await host.createSession("warm-up")
    await host.prompt(warm, "hello", "fake/ok-model")
    await host.waitForIdle(warm, 60_000)
    console.log(dim("(host warmed up with one healthy turn)\n"))
    console.log(bold("1. With the plugin: the first turn on the exhausted model"))
    await runOnce(host, fake, "demo 1")
    console.log(bold("2. A new session on the same model: the shared cooldown skips it before any request"))
    await runOnce(host, fake, "demo 2")
  } finally {
    await host.stop()
  }
  if (compare) {
    console.log(bold("3. The bare host (no plugin), same provider: it retries the exhausted quota, then gives up (~70 s)"))
    const bare = await startHost({ provider: fake, plugins: [], models: ["quota-model"], label: "demo-bare" })
    try {
      await runOnce(bare, fake, "demo bare")
    } finally {
      await bare.stop()
    }
  } else console.log(dim("(npm run demo -- --compare also runs the bare host on the same prompt: it retries for about 70 s, then fails)"))
  await fake.close()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
