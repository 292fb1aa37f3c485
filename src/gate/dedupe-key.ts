// The dedupe key of an internal prompt: the caller's `dedupeKey`, or a source-independent digest of what the
// prompt says and where it goes (session, text / file urls / other part content, model, variant, agent).
// `system`, `tools`, `mode` and `source` are deliberately not part of it; `messageID` only counts for a
// prompt without parts (a re-run of that message), where it is the only thing that says what is sent.
import { createHash } from "node:crypto"
import type { PromptBody, PromptPart } from "../host/client.ts"

export type DedupeInput = {
  sessionID: string
  messageID?: string
  parts: readonly PromptPart[]
  model?: PromptBody["model"]
  variant?: string
  agent?: string
  dedupeKey?: string
}

function partShape(part: PromptPart): unknown {
  switch (part.type) {
    case "text":
      return ["text", part.text]
    case "file":
      return ["file", part.url]
    case "agent":
      return ["agent", part.name]
    case "subtask":
      return ["subtask", part.agent, part.description, part.prompt]
    default:
      return stableShape(part)
  }
}

// Part types this plugin does not know yet: everything but the id, so different parts never coalesce.
function stableShape(part: unknown): unknown {
  try {
    const { id: _id, ...rest } = part as Record<string, unknown>
    return ["other", JSON.stringify(rest, Object.keys(rest).sort())]
  } catch {
    return ["other", String((part as { type?: unknown }).type)]
  }
}

export function computeDedupeKey(input: DedupeInput): string {
  if (input.dedupeKey !== undefined) return `custom:${input.dedupeKey}`
  const shape = [
    input.sessionID,
    input.parts.map(partShape),
    input.model ? [input.model.providerID, input.model.modelID] : null,
    input.variant ?? null,
    input.agent ?? null,
    input.parts.length === 0 ? (input.messageID ?? null) : null,
  ]
  return `auto:${createHash("sha256").update(JSON.stringify(shape)).digest("hex")}`
}
