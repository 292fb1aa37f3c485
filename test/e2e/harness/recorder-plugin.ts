// A host-side recorder: loaded as a path plugin next to (or instead of) the plugin under test, it appends
// every event and the chat hooks it sees, exactly as the host hands them over, to $ORF_RECORD_FILE.
// script/record-fixtures.ts turns these into test/fixtures/*.jsonl for unit tests to replay.
import { appendFileSync } from "node:fs"

const file = process.env.ORF_RECORD_FILE
const write = (kind: string, data: unknown) => {
  if (!file) return
  try {
    appendFileSync(file, JSON.stringify({ t: Date.now(), kind, data }) + "\n")
  } catch {}
}

async function server() {
  return {
    event: async ({ event }: { event: unknown }) => write("event", event),
    "chat.message": async (input: unknown, output: unknown) => write("chat.message", { input, output }),
    "chat.params": async (input: any) =>
      write("chat.params", { sessionID: input?.sessionID, agent: input?.agent, model: input?.model?.id, providerID: input?.model?.providerID }),
    "experimental.chat.messages.transform": async (_input: unknown, output: any) =>
      write("messages.transform", {
        messages: (output?.messages ?? []).map((m: any) => ({
          id: m?.info?.id,
          role: m?.info?.role,
          error: m?.info?.error?.name,
          parts: (m?.parts ?? []).map((p: any) => ({ type: p?.type, tool: p?.tool, status: p?.state?.status, synthetic: p?.synthetic })),
        })),
      }),
    "tool.execute.before": async (input: unknown, output: unknown) => write("tool.execute.before", { input, output }),
    "tool.execute.after": async (input: unknown, output: unknown) => write("tool.execute.after", { input, output }),
  }
}

export default { id: "orf-recorder", server }
