// Messages and parts as small canonical records. The host's `session.messages` result may be a bare array,
// `{data}` or `{messages}`; items may be `{info, parts}` or carry the info at top level. Every function here is
// total: unknown input yields an empty or "unknown" record, never a throw.
import { modelRef, type ModelRef } from "./model.ts"

export type Role = "user" | "assistant" | "unknown"

export type PartRecord = {
  id?: string
  messageID?: string
  sessionID?: string
  type: string
  text?: string
  /** text parts flagged synthetic (hidden from the user's history view) */
  synthetic: boolean
  ignored: boolean
  /** carries this plugin's internal marker in metadata */
  internal: boolean
  // file parts
  mime?: string
  url?: string
  filename?: string
  // tool parts
  tool?: string
  callID?: string
  toolStatus?: string
  toolOutput?: string
  toolError?: string
  /** child session id a `task` tool part points at (metadata.sessionId) */
  childSessionID?: string
  // step-finish
  tokens?: number
  cost?: number
}

export type MessageRecord = {
  id?: string
  sessionID?: string
  role: Role
  model?: ModelRef
  variant?: string
  agent?: string
  /** assistant → the user message it answers */
  parentID?: string
  created?: number
  completed?: number
  finish?: string
  /** the raw error object (classify with failure/) */
  error?: unknown
  errorName?: string
  tokens: number
  cost: number
  /** present when the source carried parts */
  parts?: PartRecord[]
}

export type MessageWithParts = MessageRecord & { parts: PartRecord[] }

/** The metadata key this plugin puts on the parts of its internal prompts. */
export const INTERNAL_MARKER = "runtimeFallback"

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined)
const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)

export function normalisePart(value: unknown): PartRecord | undefined {
  const p = rec(value)
  if (!p) return undefined
  const type = str(p.type)
  if (!type) return undefined
  const meta = rec(p.metadata)
  const out: PartRecord = {
    id: str(p.id),
    messageID: str(p.messageID),
    sessionID: str(p.sessionID),
    type,
    synthetic: p.synthetic === true,
    ignored: p.ignored === true,
    internal: !!meta && meta[INTERNAL_MARKER] !== undefined,
  }
  if (type === "text" || type === "reasoning") out.text = str(p.text) ?? ""
  else if (type === "file") {
    out.mime = str(p.mime)
    out.url = str(p.url)
    out.filename = str(p.filename)
  } else if (type === "tool") {
    out.tool = str(p.tool)
    out.callID = str(p.callID)
    const state = rec(p.state)
    out.toolStatus = str(state?.status)
    out.toolOutput = str(state?.output)
    out.toolError = str(state?.error)
    const sm = rec(state?.metadata) ?? rec(p.metadata)
    out.childSessionID = str(sm?.sessionId) ?? str(sm?.sessionID)
  } else if (type === "step-finish") {
    out.tokens = tokenCount(p.tokens)
    out.cost = num(p.cost)
  }
  return out
}

function tokenCount(t: unknown): number {
  const o = rec(t)
  if (!o) return 0
  const total = num(o.total)
  if (total !== undefined && total > 0) return total
  const cache = rec(o.cache)
  return (num(o.input) ?? 0) + (num(o.output) ?? 0) + (num(o.reasoning) ?? 0) + (num(cache?.read) ?? 0) + (num(cache?.write) ?? 0)
}

export function normaliseMessageInfo(value: unknown): MessageRecord {
  const o = rec(value)
  if (!o) return { role: "unknown", tokens: 0, cost: 0 }
  const role: Role = o.role === "user" || o.role === "assistant" ? o.role : "unknown"
  const modelObj = rec(o.model)
  const model = modelRef(o.model) ?? (typeof o.providerID === "string" && typeof o.modelID === "string" ? { providerID: o.providerID, modelID: o.modelID } : undefined)
  const time = rec(o.time)
  const err = o.error
  return {
    id: str(o.id),
    sessionID: str(o.sessionID),
    role,
    model,
    variant: str(o.variant) ?? str(modelObj?.variant),
    agent: str(o.agent) ?? str(o.mode),
    parentID: str(o.parentID),
    created: num(time?.created),
    completed: num(time?.completed),
    finish: str(o.finish),
    error: err ?? undefined,
    errorName: str(rec(err)?.name),
    tokens: tokenCount(o.tokens),
    cost: num(o.cost) ?? 0,
  }
}

/** One item of a messages result: `{info, parts}` or info at top level (with optional `parts`). */
export function normaliseMessage(value: unknown): MessageWithParts {
  const o = rec(value)
  const infoSource = o && rec(o.info) ? o.info : o
  const info = normaliseMessageInfo(infoSource)
  const rawParts = Array.isArray(o?.parts) ? o!.parts : []
  const parts: PartRecord[] = []
  for (const p of rawParts as unknown[]) {
    const n = normalisePart(p)
    if (n) parts.push(n)
  }
  return { ...info, parts }
}

/** The `session.messages` result in any of its shapes → records in host order. */
export function normaliseMessages(result: unknown): MessageWithParts[] {
  let list: unknown = result
  const o = rec(result)
  if (o) list = Array.isArray(o.data) ? o.data : Array.isArray(o.messages) ? o.messages : rec(o.data) && Array.isArray(rec(o.data)!.messages) ? rec(o.data)!.messages : []
  if (!Array.isArray(list)) return []
  const out: MessageWithParts[] = []
  for (const item of list) {
    const m = normaliseMessage(item)
    if (m.role !== "unknown") out.push(m)
  }
  return out
}

/** Orders turns when ids are missing or ambiguous: by creation time, then id, keeping host order for ties. */
export function orderMessages<T extends MessageRecord>(messages: readonly T[]): T[] {
  return messages
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (a.m.created ?? 0) - (b.m.created ?? 0) || (a.m.id && b.m.id ? (a.m.id < b.m.id ? -1 : a.m.id > b.m.id ? 1 : 0) : 0) || a.i - b.i)
    .map((x) => x.m)
}

/** A user part the user wrote (or attached), as opposed to synthetic/internal text the host or a plugin added. */
export function isRealUserPart(p: PartRecord): boolean {
  if (p.internal) return false
  if (p.type === "text") return !p.synthetic && !p.ignored && (p.text ?? "").length > 0
  return p.type === "file" || p.type === "agent" || p.type === "subtask"
}

/** A user message that carries at least one real part; internal/synthetic-only turns are not. */
export function isRealUserMessage(m: MessageWithParts): boolean {
  return m.role === "user" && m.parts.some(isRealUserPart)
}

export function isInternalMessage(m: MessageWithParts): boolean {
  return m.role === "user" && m.parts.length > 0 && m.parts.every((p) => p.internal || p.synthetic || p.ignored)
}

/** Completed: time.completed is set, or the host wrote a finish reason. */
export function isCompleted(m: MessageRecord): boolean {
  return m.completed !== undefined || (m.finish !== undefined && m.finish !== "")
}

/**
 * A completion that produced something: non-empty text, reasoning, a tool part, or tokens/cost > 0.
 * The host writes empty completed rows (an abort during its retry wait; a failed attempt), which must not
 * count as an answer.
 */
export function isMeaningfulCompletion(m: MessageRecord): boolean {
  if (m.role !== "assistant" || !isCompleted(m) || m.error !== undefined) return false
  if (m.tokens > 0 || m.cost > 0) return true
  const parts = m.parts ?? []
  return parts.some((p) => ((p.type === "text" || p.type === "reasoning") && (p.text ?? "").trim().length > 0) || p.type === "tool" || (p.tokens ?? 0) > 0 || (p.cost ?? 0) > 0)
}

/** Tool parts that ran (side effects may have happened). */
export function ranTools(m: MessageWithParts): boolean {
  return m.parts.some((p) => p.type === "tool" && (p.toolStatus === "completed" || p.toolStatus === "running" || p.toolStatus === "error"))
}

/** Plain text of the message's text parts (non-synthetic unless `includeSynthetic`). */
export function messageText(m: MessageWithParts, includeSynthetic = false): string {
  return m.parts
    .filter((p) => p.type === "text" && (includeSynthetic || !p.synthetic))
    .map((p) => p.text ?? "")
    .join("")
}
