// What a raw host event says about the model request in flight (stall/watch.ts). Read straight from the raw
// event: the normaliser drops streaming updates on purpose, and this runs for every event, so it only reads
// a few fields. Measured on opencode 1.18.33 (stream of a reply: step-start, an empty text part, then one
// `message.part.delta` per token; older hosts carry the token as `delta` on `message.part.updated`).
export type StreamSignal = { kind: "activity" | "pause" | "stop"; sessionID: string }

type Raw = { type?: unknown; properties?: Record<string, unknown> }
type RawPart = { type?: unknown; sessionID?: unknown; text?: unknown; state?: { status?: unknown } }

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

export function streamSignal(event: unknown): StreamSignal | undefined {
  const e = event as Raw | undefined
  const p = e?.properties
  if (!p || typeof e?.type !== "string") return undefined
  switch (e.type) {
    case "message.part.delta": {
      const sessionID = str(p.sessionID)
      return sessionID && str(p.delta) ? { kind: "activity", sessionID } : undefined
    }
    case "message.part.updated": {
      const part = p.part as RawPart | undefined
      const sessionID = str(part?.sessionID) ?? str(p.sessionID)
      if (!part || !sessionID) return undefined
      if (part.type === "text" || part.type === "reasoning") return str(p.delta) || str(part.text) ? { kind: "activity", sessionID } : undefined
      // A tool call streams its input (pending), then runs: the model has handed over until the next request.
      if (part.type === "tool") return part.state?.status === "pending" || part.state?.status === "running" ? { kind: "pause", sessionID } : undefined
      if (part.type === "step-finish") return { kind: "pause", sessionID }
      return undefined
    }
    case "session.status": {
      const sessionID = str(p.sessionID)
      const type = (p.status as { type?: unknown } | undefined)?.type
      if (!sessionID) return undefined
      if (type === "retry") return { kind: "pause", sessionID }
      return type === "idle" ? { kind: "stop", sessionID } : undefined
    }
    case "session.idle": {
      const sessionID = str(p.sessionID)
      return sessionID ? { kind: "stop", sessionID } : undefined
    }
    case "session.deleted": {
      const sessionID = str((p.info as { id?: unknown } | undefined)?.id) ?? str(p.sessionID)
      return sessionID ? { kind: "stop", sessionID } : undefined
    }
    default:
      return undefined
  }
}

/** The agents whose requests are the host's own housekeeping (a title, a summary, a compaction): not watched. */
export const UNWATCHED_AGENTS: ReadonlySet<string> = new Set(["title", "summary", "compaction"])
