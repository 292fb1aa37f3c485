// A test-only path plugin that drives the prompt gate from inside the real host (without the fallback
// engine), so the gate's own guarantees can be checked end to end:
//  - a first user message containing "DOUBLE": on its session.error, two owners dispatch the same recovery
//    prompt concurrently;
//  - containing "QUEUE": on the first streamed token (session busy), an internal prompt is queued; a later
//    real user message cancels it with cancelQueuedInternalPrompts.
// Outcomes are appended to $ORF_GATE_PROBE_LOG.
import { appendFileSync } from "node:fs"
import { createPromptGate } from "../../../src/gate/index.ts"

const log = (record: unknown) => {
  const file = process.env.ORF_GATE_PROBE_LOG
  if (file) appendFileSync(file, JSON.stringify(record) + "\n")
}

async function server(input: any) {
  const gate = createPromptGate({ client: input.client })
  const first = new Map<string, string>()
  const queued = new Set<string>()
  const doubled = new Set<string>()
  const recovery = (sessionID: string, source: string) =>
    gate.dispatch({ sessionID, source, parts: [{ type: "text", text: "recover please" }], model: { providerID: "fake", modelID: "backup-model" } })
  return {
    "chat.message": async (i: any, o: any) => {
      const parts: any[] = o?.parts ?? []
      if (parts.some((p) => p.synthetic)) return
      const text = parts.find((p) => p.type === "text")?.text ?? ""
      if (!first.has(i.sessionID)) first.set(i.sessionID, text)
      else log({ kind: "cancelled", sessionID: i.sessionID, count: gate.cancelQueuedInternalPrompts(i.sessionID, { sourcePrefix: "probe:" }) })
    },
    event: async ({ event }: any) => {
      const p = event?.properties ?? {}
      const sid: string | undefined = p.sessionID
      if (!sid) return
      if (event.type === "session.status" && p.status?.type === "busy") gate.onSessionBusy(sid)
      if ((event.type === "session.status" && p.status?.type === "idle") || event.type === "session.idle") gate.onSessionIdle(sid)
      const text = first.get(sid) ?? ""
      if (event.type === "session.error" && text.includes("DOUBLE") && !doubled.has(sid)) {
        doubled.add(sid)
        const outcomes = await Promise.all([recovery(sid, "probe-a:1"), recovery(sid, "probe-b:1")])
        log({ kind: "double", sessionID: sid, outcomes: outcomes.map((o) => o.status) })
      }
      if (event.type === "message.part.delta" && text.includes("QUEUE") && !queued.has(sid)) {
        queued.add(sid)
        const outcome = await gate.dispatch({
          sessionID: sid,
          source: "probe:1",
          parts: [{ type: "text", text: "INTERNAL-SHOULD-NOT-SEND" }],
          model: { providerID: "fake", modelID: "ok-model" },
          onQueued: (position) => log({ kind: "queued", sessionID: sid, position }),
        })
        log({ kind: "queue-outcome", sessionID: sid, status: outcome.status })
      }
    },
  }
}

export default { id: "gate-probe", server }
