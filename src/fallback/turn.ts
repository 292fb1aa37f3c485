// The records of the pure core: a session holds the user turns it has seen, each keyed by the id of the user
// message it answers (an assistant row names it as `parentID`), so a follow-up typed while the agent works
// (the host queues it and runs it after the current one) has its own attempts and its own rescue.
//
// A turn's life, by phase (only the data a phase needs sits in it):
//   running    an attempt runs on `attempt.model` (or waits behind another turn); we watch it
//   ending     a failure was decided on; the host's run must end before anything is sent (see session.ts)
//   backoff    waiting for our own same-model retry; the session is idle meanwhile
//   verifying  a re-dispatch was sent (`accepted` once the gate says the host took it); we wait to see it run
//              on the new model, and send it again if the host dropped it
//   settled    answered, exhausted, stopped, cancelled or deleted: nothing more happens for this turn
import type { Failure, FailureCode } from "../failure/types.ts"
import type { ModelChoice, ModelRef } from "../payload/model.ts"
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import type { HealthEntry } from "./health.ts"
import type { Notice } from "../notices/types.ts"
import type { ModelCaps, Skip, TurnNeeds } from "./capability.ts"

export type Tried = { model: ModelChoice; code: FailureCode; message: string; statusCode?: number }

export type DispatchKind = "replay" | "continue" | "retry"

/** What to do once the failed run has ended. */
export type Plan = { kind: "move"; to: ModelChoice; dispatch: DispatchKind } | { kind: "retry"; delayMs: number } | { kind: "exhausted" }

export type Phase =
  | { name: "running" }
  /**
   * `via`: "abort" ends on our abort's completion; "run-end" on the errored row's final write and the idle after it.
   * `deferred`: a pre-routed first message whose request the shell stops before it is sent; `stopped`: it did.
   */
  | { name: "ending"; plan: Plan; via: "abort" | "run-end"; written: boolean; idleSeen: boolean; deferred?: true; stopped?: true }
  /** `since`: when the backoff began (an idle right at its start is the run's own, not the user's abort) */
  | { name: "backoff"; since: number }
  /**
   * `userID`: the user message the host stored for our dispatch; `sawBusy`: the host started a run after it;
   * `quiet`: an idle came after that message with no run: if nothing follows, the host dropped it.
   */
  | { name: "verifying"; to: ModelChoice; from: ModelChoice; kind: DispatchKind; seq: number; accepted: boolean; userID?: string; sawBusy: boolean; quiet: boolean }
  | { name: "settled"; outcome: Outcome }

/** "covered": the host never ran this message on its own; a later run (ours) answered it in its context. */
export type Outcome = "answered" | "exhausted" | "stopped" | "cancelled" | "deleted" | "not-started" | "superseded" | "covered"

export type Attempt = {
  model: ModelChoice
  /** the user message this attempt answers (the turn's own, or the one our re-dispatch created) */
  userID: string
  /** assistant rows seen for this attempt */
  rows: string[]
  /** rows that completed as a tool-call step (their results stay in the history when we move on) */
  toolSteps: string[]
  /** when the attempt started (the host's creation time of its first assistant row) */
  startedAt?: number
  /** highest host retry attempt seen */
  hostAttempts: number
  /** tools ran: replaying could repeat side effects */
  toolsRan: boolean
  /** the attempt produced output (a step started): a pending switch notice may be shown */
  started: boolean
}

export type Turn = {
  /** the id of the user message the turn answers */
  id: string
  /** arrival order of that message in the session */
  seq: number
  agent?: string
  /** the model the user chose (with its variant) */
  primary: ModelChoice
  attempt: Attempt
  tried: Tried[]
  dispatches: number
  ownRetries: number
  /** stalls seen in this turn (the same model is retried once at most after one) */
  stalls: number
  phase: Phase
  /** our abort was sent and its echo (an empty completion, a MessageAbortedError) is still to come */
  abortPending: boolean
  lastFailure?: Failure
  /** the model a pre-route notice already named: no second notice when the turn gets there */
  announced?: ModelChoice
  /** a switch notice waiting for the new model's first output */
  pendingNotice?: Notice
  /** assistant rows of failed attempts (kept out of the next model's request) */
  failedRows: string[]
  createdAt: number
  /** chain entries the latest choice of a next model passed over: they cannot take this turn (capability.ts) */
  skipped?: Skip[]
}

export type SessionState = {
  sessionID: string
  /** turns in arrival order (bounded) */
  turns: Turn[]
  /** user messages our own dispatches created → the turn they belong to, and when they arrived */
  aliases: Map<string, { turn: string; seq: number }>
  /** arrival counter of user messages (turns and aliases): a run answering one covers the unstarted ones before it */
  seq: number
  /**
   * re-dispatches since the last real user message: the per-turn bound also holds for the session as a whole,
   * so turns adopted from rows (whose start the plugin did not see) cannot add up to more
   */
  sent: number
  /** the turn the host runs now (from the latest assistant row) */
  active?: string
  /** the latest assistant row seen, for failures that name no message (session.error, retry status) */
  lastAssistant?: { id: string; parentID?: string; model?: ModelChoice; agent?: string }
  /** the session's stored model is not the user's (a replay or pre-route set it): give it back when idle */
  drift?: { model: ModelChoice; agent?: string }
  /** a restore prompt is in flight: its chat.message is ours */
  restoring: boolean
  /** rows of failed attempts whose turn a fallback answered: removed from the history once the session is idle */
  cleanup: string[]
  parentID?: string
}

export type Input =
  /** A real user message (chat.message). `routed`: moved off a cooling model before it was sent. */
  /** `deferred`: the message keeps the user's model; the shell stops its request and the turn moves once the run ends. */
  | { type: "user-message"; id: string; model?: ModelChoice; agent?: string; routed?: { to: ModelChoice; skipped: Tried[]; deferred?: boolean } }
  /** The chat.message of one of our own prompts (no parts, or our marker). */
  | { type: "internal-message"; id: string }
  /** The shell stopped the request of a deferred first message (user message `id`) before it was sent. */
  | { type: "route-stopped"; id: string }
  | { type: "assistant"; id: string; parentID?: string; model?: ModelChoice; agent?: string; created?: number; completed: boolean; finish?: string; meaningful: boolean; failure?: Failure }
  /** an assistant row of the session produced output (step-start, tool or file part) */
  | { type: "output"; messageID: string; tool: boolean }
  | { type: "retry-status"; attempt: number; next?: number; failure: Failure }
  | { type: "session-error"; failure: Failure }
  /** the request in flight went silent (src/stall/): no first token, or no token for the idle limit */
  | { type: "stalled"; window: "first-token" | "idle"; waitedMs: number; limitMs: number }
  | { type: "busy" }
  | { type: "idle" }
  | { type: "abort-done"; turnID: string; ok: boolean }
  | { type: "dispatch-result"; turnID: string; seq: number; status: "dispatched" | "duplicate" | "reserved" | "cancelled" | "failed"; ambiguous?: boolean; error?: string }
  | { type: "timer"; name: TimerName; turnID: string }
  /** the host reported the session idle after a verification timed out */
  | { type: "run-state"; turnID: string; seq: number; busy: boolean }
  /** the restore prompt settled: `sent` when the host took it (its chat.message then is, or was, ours) */
  | { type: "restore-done"; sent: boolean }
  | { type: "deleted" }
  | { type: "parent"; parentID: string }

export type TimerName = "backoff" | "run-end" | "verify" | "quiet"

export type Effect =
  | { type: "abort"; turnID: string }
  | { type: "dispatch"; turnID: string; seq: number; kind: DispatchKind; model: ModelChoice; agent?: string }
  /** the dispatch ran (or was dropped): let the gate's reservation go so the next one is not held */
  | { type: "release"; turnID: string }
  | { type: "restore-model"; model: ModelChoice; agent?: string }
  | { type: "cancel-queued" }
  | { type: "notice"; notice: Notice }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string; extra?: Record<string, unknown> }
  | { type: "set-timer"; name: TimerName; turnID: string; ms: number }
  | { type: "clear-timer"; name: TimerName; turnID: string }
  /** ask the host whether the session still runs (a verification that saw nothing) */
  | { type: "check-run"; turnID: string; seq: number }
  | { type: "cooldown"; model: ModelRef; failure: Failure }
  | { type: "transient"; model: ModelRef; failure: Failure; startedAt?: number }
  | { type: "healthy"; model: ModelRef; startedAt: number }
  /** add a visible text to an assistant row of the history (an exhausted chain) */
  | { type: "history-note"; messageID: string; notice: Notice }
  /** remove rows of the history (failed attempts of a turn a fallback answered) */
  | { type: "delete-rows"; messageIDs: string[] }

export type Ctx = {
  now: number
  config: RuntimeFallbackConfig
  /** Before sending to `model`: its cooldown, or undefined (a half-open breaker admits this caller as its probe). */
  cooling(model: ModelRef): HealthEntry | undefined
  /** The same answer for display and re-checks: never admits a probe. */
  peek(model: ModelRef): HealthEntry | undefined
  random(): number
  /** The host's metadata of a model (context window, attachments, tool calls); undefined when unknown. */
  capabilities?(model: ModelRef): ModelCaps | undefined
  /** What the session's conversation needs from the next model, as the shell has seen it. */
  needs?: TurnNeeds
}

export type Step = { state: SessionState; effects: Effect[] }

/** Timing of the run lifecycle (measured on opencode 1.18.33, reference Addendum 2b). */
export const LIFECYCLE = {
  /** the errored row is written 37–416 ms after session.error (cold), the idle after it 5–97 ms later; loaded machines take longer */
  runEndMs: 5_000,
  /** an idle came but no errored write: the failure wrote no row (nothing more will come) */
  idleWithoutWriteMs: 1_500,
  /** an idle this soon after a backoff began is the failed run's own, not the user stopping the retry */
  backoffSettleMs: 250,
  /** after the dispatch's user message and an idle with no busy: silence this long means the host dropped it */
  quietMs: 400,
  /** a dispatch the host accepted but never showed running or dropped: ask the host */
  verifyMs: 20_000,
} as const

export const MAX_TURNS = 8
