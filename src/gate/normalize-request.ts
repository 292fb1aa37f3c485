// Checks a dispatch request (it may carry host-derived data, so nothing here throws) and turns it into the
// gate's internal form: host body, dedupe key and flags.
import type { PromptBody } from "../host/client.ts"
import { computeDedupeKey } from "./dedupe-key.ts"
import { buildPromptBody } from "./prompt-body.ts"
import { isValidSource } from "./source.ts"
import type { InternalPromptRequest } from "./types.ts"

export type NormalizedRequest = {
  sessionID: string
  source: string
  mode: "async" | "sync"
  whenBusy: "queue" | "skip"
  key: string
  body: PromptBody
  onQueued: ((position: number) => void) | undefined
}

export type NormalizeResult = { ok: true; request: NormalizedRequest } | { ok: false; problem: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null
const optionalString = (v: unknown) => v === undefined || typeof v === "string"

function partProblem(part: unknown, index: number): string | undefined {
  if (!isObject(part) || typeof part.type !== "string") return `parts[${index}] has no string type`
  if (part.type === "text" && typeof part.text !== "string") return `parts[${index}] is a text part without text`
  if (part.type === "file" && typeof part.url !== "string") return `parts[${index}] is a file part without url`
  return undefined
}

function requestProblem(r: Record<string, unknown>): string | undefined {
  if (typeof r.sessionID !== "string" || r.sessionID === "") return "sessionID must be a non-empty string"
  if (!isValidSource(r.source)) return `source must look like "<owner>:<id>", got ${JSON.stringify(r.source)}`
  if (!Array.isArray(r.parts)) return "parts must be an array"
  // No parts is valid: the host stores an empty user message and runs the session's conversation as it stands
  // (how a replay re-runs the user's turn on another model without a second copy of their text), or, with
  // noReply, only stores the message (how the session's model is given back to the user).
  for (let i = 0; i < r.parts.length; i++) {
    const problem = partProblem(r.parts[i], i)
    if (problem) return problem
  }
  const model = r.model
  if (model !== undefined && (!isObject(model) || typeof model.providerID !== "string" || typeof model.modelID !== "string")) {
    return "model must be { providerID, modelID }"
  }
  for (const key of ["agent", "variant", "messageID", "system"] as const) {
    if (!optionalString(r[key])) return `${key} must be a string`
  }
  if (r.tools !== undefined && !isObject(r.tools)) return "tools must be an object"
  if (r.noReply !== undefined && typeof r.noReply !== "boolean") return "noReply must be a boolean"
  if (r.mode !== undefined && r.mode !== "async" && r.mode !== "sync") return `mode must be "async" or "sync"`
  if (r.whenBusy !== undefined && r.whenBusy !== "queue" && r.whenBusy !== "skip") return `whenBusy must be "queue" or "skip"`
  if (r.dedupeKey !== undefined && (typeof r.dedupeKey !== "string" || r.dedupeKey === "")) return "dedupeKey must be a non-empty string"
  if (r.onQueued !== undefined && typeof r.onQueued !== "function") return "onQueued must be a function"
  return undefined
}

export function normalizeRequest(input: unknown): NormalizeResult {
  try {
    if (!isObject(input)) return { ok: false, problem: "request must be an object" }
    const problem = requestProblem(input)
    if (problem) return { ok: false, problem }
    const request = input as InternalPromptRequest
    return {
      ok: true,
      request: {
        sessionID: request.sessionID,
        source: request.source,
        mode: request.mode ?? "async",
        whenBusy: request.whenBusy ?? "queue",
        key: computeDedupeKey(request),
        body: buildPromptBody(request),
        onQueued: request.onQueued,
      },
    }
  } catch (error) {
    // e.g. a getter that throws on a hostile object
    return { ok: false, problem: `request could not be read: ${String(error)}` }
  }
}
