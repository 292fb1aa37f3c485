// Whether a model can take a turn at all: its context window must hold the conversation as it stands, and it
// must accept what the turn carries (attachments, tool calls). Pure: the shell feeds the facts (the host's
// model metadata as `ModelCaps`, the session's last token count and attachments as `TurnNeeds`); unknown facts
// never rule a model out.
import type { ModelRef } from "../payload/model.ts"

/**
 * Input kinds a file part can need (from its MIME type), as the host maps them: it replaces a file of a kind
 * the model does not accept with an error text, so the model never sees it. Other files pass as they are.
 */
export const ATTACHMENT_KINDS = ["image", "pdf", "audio", "video"] as const
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number]

/** What the host says about a model (`GET /config/providers`: `limit`, `capabilities`). Missing = unknown. */
export type ModelCaps = {
  /** context window in tokens; 0 or missing: unknown (the host treats 0 as "no limit known") */
  context?: number
  /** input limit in tokens, when the provider states one apart from the window */
  input?: number
  /** output limit in tokens */
  output?: number
  /** accepts file parts at all */
  attachment?: boolean
  /** accepts tool definitions and calls */
  toolcall?: boolean
  /** accepted input modalities (image, pdf, audio, video) */
  modalities?: Partial<Record<AttachmentKind, boolean>>
}

/** What the conversation needs from the next model. Missing = not known to be needed. */
export type TurnNeeds = {
  /** tokens of the conversation as it stands (the latest request's prompt and answer) */
  tokens?: number
  /** kinds of files the conversation carries */
  attachments?: readonly AttachmentKind[]
  /** the turn uses tools (tools ran in this session, or this turn continues after tool calls) */
  tools?: boolean
}

/** Why a model was passed over. */
export type Unfit =
  | { kind: "context"; tokens: number; limit: number }
  | { kind: "attachments"; missing: AttachmentKind[] }
  | { kind: "tools" }

export type Skip = { model: ModelRef; why: Unfit }

/** The host's cap on requested output tokens (OUTPUT_TOKEN_MAX in opencode 1.18.33). */
export const OUTPUT_TOKEN_MAX = 32_000
/** The host's reserve when a model states an input limit (min of this and its output cap). */
const INPUT_RESERVE_MAX = 20_000

/**
 * The tokens a conversation may take before the host would have to compact it on this model, by the host's
 * own rule (opencode 1.18.33 session overflow check): the input limit less a reserve when one is stated, else
 * the window less the output the host asks for. Undefined when the window is unknown.
 */
export function usableTokens(caps: ModelCaps): number | undefined {
  if (!caps.context || caps.context <= 0) return undefined
  const maxOut = Math.min(caps.output && caps.output > 0 ? caps.output : OUTPUT_TOKEN_MAX, OUTPUT_TOKEN_MAX)
  if (caps.input && caps.input > 0) return Math.max(0, caps.input - Math.min(INPUT_RESERVE_MAX, maxOut))
  return Math.max(0, caps.context - maxOut)
}

/** The first reason this model cannot take the turn, or undefined when it can (or nothing is known). */
export function unfit(caps: ModelCaps | undefined, needs: TurnNeeds | undefined): Unfit | undefined {
  if (!caps || !needs) return undefined
  if (needs.tokens !== undefined && needs.tokens > 0) {
    const limit = usableTokens(caps)
    if (limit !== undefined && needs.tokens > limit) return { kind: "context", tokens: needs.tokens, limit }
  }
  if (needs.attachments?.length) {
    const missing = needs.attachments.filter((k) => !accepts(caps, k))
    if (missing.length) return { kind: "attachments", missing }
  }
  if (needs.tools && caps.toolcall === false) return { kind: "tools" }
  return undefined
}

/** A model accepts a file kind when its modality says so; without one, its attachment flag decides. */
function accepts(caps: ModelCaps, kind: AttachmentKind): boolean {
  const m = caps.modalities?.[kind]
  if (m !== undefined) return m
  return caps.attachment !== false
}

/** The kind of input a file part needs, from its MIME type; undefined for files every model takes. */
export function attachmentKind(mime: string | undefined): AttachmentKind | undefined {
  const m = (mime ?? "").toLowerCase()
  if (m.startsWith("image/")) return "image"
  if (m === "application/pdf") return "pdf"
  if (m.startsWith("audio/")) return "audio"
  if (m.startsWith("video/")) return "video"
  return undefined
}
