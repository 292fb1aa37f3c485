// A test-only stand-in for oh-my-openagent's runtime fallback: it reads its switch where oh-my-openagent
// does (`runtime_fallback` in ~/.omo/omo.jsonc or <project>/.omo/omo.jsonc) and, when enabled, re-sends a
// failed turn once on the first of `agents.<agent>.fallback_models`, the way such a peer does: after the
// session's error it waits for the failed run to end, then prompts the user's text again on the fallback.
// Each re-send is appended to $ORF_PEER_LOG.
import { appendFileSync, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"

function readConfig(directory: string): any {
  let merged: any = {}
  for (const f of [join(process.env.HOME ?? "", ".omo", "omo.jsonc"), join(directory, ".omo", "omo.jsonc")]) {
    if (!existsSync(f)) continue
    try {
      merged = { ...merged, ...JSON.parse(readFileSync(f, "utf8")) }
    } catch {}
  }
  return merged
}

async function server(input: any) {
  const cfg = readConfig(input.directory)
  const rf = cfg.runtime_fallback
  if (!(rf === true || rf?.enabled === true)) return {}
  const texts = new Map<string, { text: string; agent: string }>()
  const resent = new Set<string>()
  return {
    "chat.message": async (i: any, o: any) => {
      const text = (o?.parts ?? []).find((p: any) => p.type === "text" && !p.synthetic)?.text
      if (text && !texts.has(i.sessionID)) texts.set(i.sessionID, { text, agent: o?.message?.agent ?? i.agent ?? "build" })
    },
    event: async ({ event }: any) => {
      if (event?.type !== "session.error") return
      const sid = event.properties?.sessionID
      const turn = sid ? texts.get(sid) : undefined
      if (!turn || resent.has(sid)) return
      const fallback: string | undefined = cfg.agents?.[turn.agent]?.fallback_models?.[0]
      if (!fallback) return
      resent.add(sid)
      // Let the failed run end (its errored row is written a few hundred ms after the error).
      await new Promise((r) => setTimeout(r, 2_000))
      const [providerID, modelID] = fallback.split("/")
      if (process.env.ORF_PEER_LOG) appendFileSync(process.env.ORF_PEER_LOG, JSON.stringify({ sessionID: sid, to: fallback }) + "\n")
      await input.client.session.promptAsync({ path: { id: sid }, query: { directory: input.directory }, body: { model: { providerID, modelID }, agent: turn.agent, parts: [{ type: "text", text: turn.text }] } })
    },
  }
}

export default { id: "oh-my-openagent-stand-in", server }
