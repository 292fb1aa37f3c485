// Builds the host request body for an internal prompt: text parts are copied with `synthetic: true`, other
// parts pass through as they are; undefined keys are omitted. Never mutates the caller's objects.
import type { PromptBody, PromptPart } from "../host/client.ts"
import type { InternalPromptRequest } from "./types.ts"

export function markSynthetic(parts: readonly PromptPart[]): PromptPart[] {
  return parts.map((part) => (part.type === "text" ? { ...part, synthetic: true } : part))
}

export function buildPromptBody(request: InternalPromptRequest): PromptBody {
  const body: PromptBody = { parts: markSynthetic(request.parts) }
  if (request.model !== undefined) body.model = request.model
  if (request.agent !== undefined) body.agent = request.agent
  if (request.variant !== undefined) body.variant = request.variant
  if (request.messageID !== undefined) body.messageID = request.messageID
  if (request.system !== undefined) body.system = request.system
  if (request.tools !== undefined) body.tools = request.tools
  if (request.noReply !== undefined) body.noReply = request.noReply
  return body
}
