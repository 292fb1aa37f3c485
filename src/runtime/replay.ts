// What a re-dispatch sends. A replay or own retry sends no parts: the host stores an empty user message on
// the new model and runs the conversation as it stands, so the next model reads the user's text exactly once
// and the TUI shows the prompt once (a replay that reuses the user's message id re-emits it with a new
// creation time, and the TUI draws it twice; measured on 1.18.33, reference Addendum 2b). When tools already
// ran, a hidden "continue" prompt resumes instead (replaying could repeat side effects).
import { INTERNAL_MARKER } from "../payload/message.ts"
import type { DispatchKind } from "../fallback/session.ts"
import type { PromptPart } from "../host/client.ts"

/** The hidden prompt that resumes a turn whose tools already ran. */
export const CONTINUE_TEXT =
  "The previous model stopped with an error before it finished. Continue the task from where it left off. Do not repeat tool calls that already succeeded."

export function dispatchParts(kind: DispatchKind, turnID: string): PromptPart[] {
  if (kind === "continue") return [{ type: "text", text: CONTINUE_TEXT, metadata: { [INTERNAL_MARKER]: { kind: "continue", turn: turnID } } }]
  return []
}
