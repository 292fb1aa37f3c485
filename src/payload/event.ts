// Host events → canonical records. The plugin `event` hook sees every bus event, including one per streamed
// token, so streaming deltas leave through an early exit that allocates nothing. Both shapes are handled:
// the v1 typed shape (`message.updated {info}`, `message.part.updated {part}`) and the v2 runtime shape
// (`{id, type, properties}` with `properties.sessionID`). The session id may sit in properties, info or part.
import { normaliseMessageInfo, normalisePart, type MessageRecord, type PartRecord } from "./message.ts"

export type SessionEvent =
  | { kind: "busy"; sessionID: string }
  /** `via`: the host publishes `session.status {idle}` and `session.idle` as a pair; consumers count one */
  | { kind: "idle"; sessionID: string; via: "status" | "idle" }
  | { kind: "retry"; sessionID: string; attempt: number; message: string; next?: number; status: unknown }
  | { kind: "error"; sessionID?: string; error: unknown }
  | { kind: "message"; sessionID: string; message: MessageRecord }
  | { kind: "part"; sessionID: string; part: PartRecord }
  | { kind: "session"; sessionID: string; parentID?: string; change: "created" | "updated" | "deleted" }

/** The one value returned for everything we ignore (streaming deltas included): no allocation. */
export const IGNORED: null = null

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" ? (v as Record<string, unknown>) : undefined)
const sid = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

/** Accepts `{event}` (the hook input), or the event itself. */
export function normaliseEvent(input: unknown): SessionEvent | null {
  if (!input || typeof input !== "object") return IGNORED
  let ev = input as Record<string, unknown>
  let type = ev.type
  if (typeof type !== "string") {
    const inner = ev.event
    if (!inner || typeof inner !== "object") return IGNORED
    ev = inner as Record<string, unknown>
    type = ev.type
    if (typeof type !== "string") return IGNORED
  }
  // Hot path: one event per streamed token.
  if (type === "message.part.delta") return IGNORED
  const props = ev.properties
  if (!props || typeof props !== "object") return IGNORED
  const p = props as Record<string, unknown>
  if (type === "message.part.updated") {
    const part = p.part as Record<string, unknown> | undefined
    const pt = part && part.type
    // Text and reasoning updates stream too (v1 also carries `delta` here); only tool, file and step parts matter.
    if (pt === "text" || pt === "reasoning" || pt === undefined) return IGNORED
    try {
      if (pt === "retry" || pt === "error") return errorPart(p, part!)
      const rec = normalisePart(part)
      const s = sid(p.sessionID) ?? rec?.sessionID
      return rec && s ? { kind: "part", sessionID: s, part: rec } : IGNORED
    } catch {
      return IGNORED
    }
  }
  try {
    return slow(type, p)
  } catch {
    return IGNORED
  }
}

// A `retry` part ({attempt, error}) or an `error` part: the same failure signals as statuses and errors.
function errorPart(p: Record<string, unknown>, part: Record<string, unknown>): SessionEvent | null {
  const s = sid(p.sessionID) ?? sid(part.sessionID)
  if (!s) return IGNORED
  if (part.type === "retry") {
    const err = rec(part.error)
    const data = rec(err?.data)
    const message = typeof data?.message === "string" ? data.message : typeof err?.message === "string" ? err.message : ""
    return { kind: "retry", sessionID: s, attempt: typeof part.attempt === "number" ? part.attempt : 0, message, status: part }
  }
  return { kind: "error", sessionID: s, error: part.error ?? part }
}

function slow(type: string, p: Record<string, unknown>): SessionEvent | null {
  switch (type) {
    case "session.status": {
      const s = sid(p.sessionID)
      const status = rec(p.status)
      if (!s || !status) return IGNORED
      if (status.type === "busy") return { kind: "busy", sessionID: s }
      if (status.type === "idle") return { kind: "idle", sessionID: s, via: "status" }
      if (status.type === "retry")
        return {
          kind: "retry",
          sessionID: s,
          attempt: typeof status.attempt === "number" ? status.attempt : 0,
          message: typeof status.message === "string" ? status.message : "",
          next: typeof status.next === "number" ? status.next : undefined,
          status,
        }
      return IGNORED
    }
    case "session.idle": {
      const s = sid(p.sessionID)
      return s ? { kind: "idle", sessionID: s, via: "idle" } : IGNORED
    }
    case "session.error":
      return { kind: "error", sessionID: sid(p.sessionID), error: p.error }
    case "message.updated": {
      const info = rec(p.info)
      const s = sid(p.sessionID) ?? sid(info?.sessionID)
      if (!info || !s) return IGNORED
      return { kind: "message", sessionID: s, message: normaliseMessageInfo(info) }
    }
    case "session.created":
    case "session.updated":
    case "session.deleted": {
      const info = rec(p.info)
      const s = sid(p.sessionID) ?? sid(info?.id)
      if (!s) return IGNORED
      const change = type === "session.created" ? "created" : type === "session.updated" ? "updated" : "deleted"
      return { kind: "session", sessionID: s, parentID: sid(info?.parentID), change }
    }
    default:
      return IGNORED
  }
}
