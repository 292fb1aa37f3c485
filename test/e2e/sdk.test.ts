// Issue 10 item 8 in the real host: every provider SDK the host bundles (OpenAI-compatible, Anthropic
// Messages, OpenAI Responses, Google Gemini, OpenRouter), pointed at the loopback fake through the built-in
// provider's baseURL, answering with that provider's own error bodies (test/e2e/harness/wire/). With the plugin
// loaded, the user's turn must be answered: by the fallback model for credits, an invalid key, an unknown model
// and an exhausted quota; by the same model for a rate limit that clears. One visible user message each.
// Model ids are unique per case (the fake picks behaviour by prefix; cooldowns are shared in the host).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { RequestRecord } from "./harness/fake-provider.ts"
import { BUILTIN_PROTOCOL, type BuiltinProvider } from "./harness/host.ts"
import { assistantReplies, replyText, startWorld, stopWorld, visibleUserMessages, type Msg, type World } from "./harness/scenario.ts"

const CASE_TIMEOUT_MS = 280_000

/** Provider id in the host → short tag for unique model ids. `fake` is the OpenAI-compatible adapter. */
const SDKS = { fake: "oc", anthropic: "an", openai: "oa", google: "gg", openrouter: "or" } as const
type Pid = keyof typeof SDKS

/** Scenario → model-id prefix (the fake's behaviour) and where the turn must end up. */
const CASES = {
  credits: { prefix: "credits", answeredBy: "other-provider" },
  "invalid key": { prefix: "auth", answeredBy: "other-provider" },
  "unknown model": { prefix: "missing", answeredBy: "same-provider" },
  quota: { prefix: "quota", answeredBy: "other-provider" },
  "rate limit that clears": { prefix: "transient", answeredBy: "itself" },
} as const

const protocolOf = (pid: Pid) => (pid === "fake" ? "openai-compatible" : BUILTIN_PROTOCOL[pid])
const failing = (pid: Pid, prefix: string) => `${prefix}-${SDKS[pid]}-model`
const sameProviderBackup = (pid: Pid) => `backup-${SDKS[pid]}-model`
const OTHER = { pid: "fake" as Pid, model: "backup-model" }

/** Where a case's turn must be answered: provider and model id. */
function answerer(pid: Pid, c: (typeof CASES)[keyof typeof CASES]): { pid: Pid; model: string } {
  if (c.answeredBy === "itself") return { pid, model: failing(pid, c.prefix) }
  if (c.answeredBy === "same-provider") return { pid, model: sameProviderBackup(pid) }
  // credits, keys and quotas are the account's: move to another provider (the fake's own backup for `fake`)
  return OTHER
}

function buildConfig() {
  const models: Record<string, string[]> = {}
  for (const pid of Object.keys(SDKS) as Pid[])
    for (const c of Object.values(CASES)) {
      if (c.answeredBy === "itself") continue
      const to = answerer(pid, c)
      models[`${pid}/${failing(pid, c.prefix)}`] = [`${to.pid}/${to.model}`]
    }
  // One host serves every case, and each provider has several failing models: a credits or key failure would
  // cool its whole provider (the default scope) and later cases would never reach that SDK. Scope is tested in
  // health.test.ts; here every cooldown covers its own model.
  return { chains: { default: ["fake/backup-model"], models }, cooldown: { scope: { payment_required: "model", auth: "model" } } }
}

function declaredModels(pid: Pid): string[] {
  return [...Object.values(CASES).map((c) => failing(pid, c.prefix)), sameProviderBackup(pid)]
}

let w: World
const report: string[] = []

/** One line per case for the log: what reached the fake, and the session's failure events, in ms from the prompt. */
function timeline(sid: string, t0: number, reqs: RequestRecord[]): string {
  const ev = w.host.events
    .filter((e) => (e.properties?.sessionID ?? e.properties?.info?.sessionID) === sid)
    .filter((e) => e.type === "session.error" || e.type === "session.idle" || (e.type === "session.status" && e.properties.status?.type === "retry"))
    .map((e) => `${e.type === "session.status" ? "retry" : e.type.replace("session.", "")}@${e.t - t0}`)
  return `requests [${reqs.map((r) => `${r.model}:${r.status}@${r.t - t0}`).join(", ")}] events [${ev.join(" ")}]`
}

beforeAll(async () => {
  const builtin: Partial<Record<BuiltinProvider, string[]>> = {}
  for (const pid of Object.keys(SDKS) as Pid[]) if (pid !== "fake") builtin[pid as BuiltinProvider] = declaredModels(pid)
  w = await startWorld({ label: "sdk", config: buildConfig(), models: declaredModels("fake"), host: { builtin } })
})

afterAll(async () => {
  console.log(`\n${report.join("\n")}`)
  await stopWorld(w)
})

for (const pid of Object.keys(SDKS) as Pid[]) {
  describe(`${pid} SDK`, () => {
    for (const [label, c] of Object.entries(CASES)) {
      test(
        `${label}: the turn is answered by ${c.answeredBy === "itself" ? "the same model" : "the fallback"}, one visible user message`,
        async () => {
          const model = failing(pid, c.prefix)
          const to = answerer(pid, c)
          const sid = await w.host.createSession(`${pid} ${label}`)
          const t0 = Date.now()
          let msgs: Msg[] = []
          try {
            await w.host.prompt(sid, `please answer (${pid} ${label})`, `${pid}/${model}`)
            // the first answered request of the session, whichever model it went to (asserted below)
            await w.fake.waitForRequest((r) => r.sessionID === sid && r.status === 200, CASE_TIMEOUT_MS - 20_000)
            await w.host.waitForIdle(sid, 60_000)
          } finally {
            msgs = await w.host.messages(sid)
            report.push(`${pid} / ${label}: ${timeline(sid, t0, w.fake.requests.filter((r) => r.sessionID === sid))}`)
          }
          const reqs = w.fake.requests.filter((r) => r.sessionID === sid)
          const answer = reqs.find((r) => r.status === 200)!
          expect(`${reqs[0]!.protocol}:${reqs[0]!.model}`).toBe(`${protocolOf(pid)}:${model}`) // through this SDK's wire format
          expect(`${answer.protocol}:${answer.model}`).toBe(`${protocolOf(to.pid)}:${to.model}`)
          expect(answer.userTexts).toEqual([`please answer (${pid} ${label})`]) // the user's text, once
          const replies = assistantReplies(msgs)
          expect(replies.map((m) => `${m.info.providerID}/${m.info.modelID}`)).toEqual([`${to.pid}/${to.model}`])
          expect(replyText(replies[0])).toStartWith(`Hello from fake model ${to.model}`)
          expect(visibleUserMessages(msgs)).toHaveLength(1)
          if (c.answeredBy === "itself") expect(reqs.every((r) => r.model === model)).toBe(true)
        },
        CASE_TIMEOUT_MS,
      )
    }
  })
}
