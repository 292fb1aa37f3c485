// What a re-dispatch sends. A replay re-runs the user's own message: with its id and no parts the host updates
// it in place (new model), so the history keeps one user message and the next model sees the text once. Before
// the host persisted it, the captured parts go along, with their original ids (nothing is duplicated). When
// tools already ran, a hidden "continue" prompt resumes instead (replaying could repeat side effects).
import { INTERNAL_MARKER, isRealUserMessage, normaliseMessages, normalisePart, orderMessages } from "../payload/message.ts"
import type { ModelChoice } from "../payload/model.ts"
import type { DispatchKind, TurnRequest } from "../fallback/session.ts"
import type { PromptPart } from "../host/client.ts"

/** The hidden prompt that resumes a turn whose tools already ran. */
export const CONTINUE_TEXT =
  "The previous model stopped with an error before it finished. Continue the task from where it left off. Do not repeat tool calls that already succeeded."

export type DispatchBody = { messageID?: string; parts: PromptPart[]; agent?: string }

export function dispatchBody(kind: DispatchKind, turnID: string, request: TurnRequest | undefined, userPersisted: boolean, agent: string | undefined): DispatchBody | undefined {
  const a = request?.agent ?? agent
  if (kind === "continue") return { parts: [{ type: "text", text: CONTINUE_TEXT, metadata: { [INTERNAL_MARKER]: { kind: "continue", turn: turnID } } }], agent: a }
  if (!request) return undefined
  if (request.messageID && (userPersisted || !request.parts.length)) return { messageID: request.messageID, parts: [], agent: a }
  if (!request.parts.length) return undefined
  return { messageID: request.messageID, parts: request.parts, agent: a }
}

/** The parts of a user turn worth replaying (the user's text and files), with their ids. */
export function replayableParts(parts: readonly unknown[]): PromptPart[] {
  const out: PromptPart[] = []
  for (const raw of parts) {
    const p = normalisePart(raw)
    if (!p || p.internal) continue
    if (p.type === "text" && !p.synthetic && p.text) out.push({ type: "text", text: p.text, ...(p.id ? { id: p.id } : {}) })
    else if (p.type === "file" && p.url && p.mime) out.push({ type: "file", mime: p.mime, url: p.url, ...(p.filename ? { filename: p.filename } : {}), ...(p.id ? { id: p.id } : {}) })
  }
  return out
}

/**
 * The last real user turn in a `session.messages` result (synthetic and internal turns skipped), and the model
 * it last ran on: for turns the plugin did not see start.
 */
export function lastRealTurn(messagesResult: unknown): { request: TurnRequest; model?: ModelChoice } | undefined {
  const list = orderMessages(normaliseMessages(messagesResult))
  const user = [...list].reverse().find(isRealUserMessage)
  if (!user) return undefined
  const last = list[list.length - 1]
  const model = (last?.role === "assistant" ? last.model : undefined) ?? user.model
  return { request: { messageID: user.id, parts: [], agent: user.agent, variant: user.variant }, model: model ? { ...model, variant: user.variant } : undefined }
}
