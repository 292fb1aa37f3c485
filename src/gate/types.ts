// Public types of the prompt gate (see prompt-gate.ts for the invariants).
import type { Clock } from "../host/clock.ts"
import type { PromptBody, PromptClient, PromptPart } from "../host/client.ts"

export type GateLogLevel = "debug" | "info" | "warn" | "error"
export type GateLog = (level: GateLogLevel, message: string, extra?: Record<string, unknown>) => void

export type PromptGateOptions = {
  client: PromptClient
  /** Default `systemClock`; tests pass `createManualClock()`. */
  clock?: Clock
  /** How long a session stays reserved after a host call settles (or times out). Default 2000. */
  holdMs?: number
  /** A host call that has not settled after this long fails closed (`failed`, ambiguous). Default 30000. */
  dispatchTimeoutMs?: number
  /** The same prompt sent successfully within this window returns `duplicate`. Default 15000. */
  dedupeWindowMs?: number
  /** Queue bound per session; a request beyond it returns `failed` (code "queue-full"). Default 64. */
  maxQueuePerSession?: number
  log?: GateLog
}

export type InternalPromptRequest = {
  sessionID: string
  /** Stable owner label `<prefix>:<id>`, e.g. `runtime-fallback:<turn id>`. */
  source: string
  parts: PromptPart[]
  model?: PromptBody["model"]
  agent?: string
  variant?: string
  messageID?: string
  system?: string
  tools?: Record<string, boolean>
  /** Store the message without running the model (no request is made). */
  noReply?: boolean
  /** "async" (default) calls `session.promptAsync`, "sync" calls `session.prompt`. */
  mode?: "async" | "sync"
  /** What to do when the session is reserved or host-busy: wait in the queue (default) or return `reserved`. */
  whenBusy?: "queue" | "skip"
  /** Overrides the computed dedupe key (keys are scoped per session). */
  dedupeKey?: string
  /** Called synchronously when the request enters the queue, with its 1-based position. */
  onQueued?: (position: number) => void
}

export type DispatchOutcome =
  | { status: "dispatched" }
  /** whenBusy "skip" and the session is blocked: `by` is the owner `source` holding the reservation, or "host" when the host reported the session busy. */
  | { status: "reserved"; by: string }
  /** "queued": an identical request is already waiting (this one was not added); "recent": sent successfully within the dedupe window. */
  | { status: "duplicate"; of: "queued" | "recent" }
  | { status: "cancelled"; reason: "cancelled" | "deleted" | "disposed" }
  | { status: "failed"; error: unknown; dispatchAttempted: boolean; ambiguous: boolean }

export type DispatchStatus = DispatchOutcome["status"]

/** Owner selector for `release` / `cancelQueuedInternalPrompts`. A `sourcePrefix` must end with ":". */
export type OwnerSelector = { source?: string; sourcePrefix?: string }

export type SessionSnapshot = {
  tracked: boolean
  busy: boolean
  queueLength: number
  queuedSources: string[]
  reservation: { source: string; phase: "in-flight" | "hold" } | undefined
  recentKeys: number
}

export type GateStats = {
  sessions: number
  queued: number
  reservations: number
  inFlight: number
  recentKeys: number
  disposed: boolean
}

export type PromptGate = {
  dispatch(request: InternalPromptRequest): Promise<DispatchOutcome>
  /** Removes matching queued entries (never an in-flight reservation); returns how many. Throws TypeError for a `sourcePrefix` not ending in ":". */
  cancelQueuedInternalPrompts(sessionID: string, filter?: OwnerSelector): number
  /** Drops the reservation held by the matching owner (hold phase: now; in flight: as soon as the call settles, with no hold). Throws TypeError for a malformed selector. */
  release(sessionID: string, owner: { source: string } | { sourcePrefix: string }): boolean
  onSessionBusy(sessionID: string): void
  onSessionIdle(sessionID: string): void
  onSessionDeleted(sessionID: string): void
  dispose(): void
  inspect(sessionID: string): SessionSnapshot
  stats(): GateStats
}
