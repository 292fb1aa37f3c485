// waitForSessionResult: a fallback-aware completion watcher, for this plugin (a parent waiting for its
// delegated child) and for other plugins. Rules:
//  - completion is read from `time.completed` together with a meaningful payload (text, reasoning, tools,
//    tokens or cost); an empty completion row (what an abort during the host's retry wait leaves) is not one;
//  - turns are ordered by timestamps when ids are missing or ambiguous;
//  - while a fallback is pending (the caller says so), an error row is not final: keep waiting;
//  - when the session really failed, the terminal error is extracted and classified;
//  - driven by events (the caller passes a subscription); a bounded poll is the safety net when events stop.
import { classifyFailure } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import type { SessionEvent } from "../payload/event.ts"
import { isMeaningfulCompletion, normaliseMessages, orderMessages, type MessageWithParts } from "../payload/message.ts"
import type { ModelRef } from "../payload/model.ts"
import { systemClock, type Clock, type TimerHandle } from "../host/clock.ts"
import type { HostClient } from "../host/client.ts"

export type SessionResult =
  | { status: "completed"; text: string; messageID?: string; model?: ModelRef }
  | { status: "failed"; failure: Failure; messageID?: string }
  | { status: "timeout" }
  | { status: "cancelled" }

export type WaitForSessionResultOptions = {
  /** Give up after this long (ms). */
  timeoutMs: number
  /** Safety-net poll interval when no event arrives (ms). Default 3000. */
  pollMs?: number
  clock?: Clock
  /** Subscribes to normalised events of this session; returns the unsubscribe function. */
  subscribe?: (listener: (event: SessionEvent) => void) => () => void
  /** True while a fallback for this session is in flight or pending: error rows are not final then. */
  fallbackPending?: () => boolean
  /** Only assistant rows created at or after this epoch-ms count (ignore earlier turns). */
  since?: number
  /** Resolves the wait with `cancelled` when aborted. */
  signal?: AbortSignal
  directory?: string
}

type MessagesClient = Pick<HostClient, "session"> | { session: Pick<HostClient["session"], "messages"> }

/** Decides from a messages snapshot; `undefined` means "keep waiting". Exported for unit tests. */
export function evaluateSessionResult(messages: readonly MessageWithParts[], o: { fallbackPending?: boolean; since?: number; now?: number } = {}): SessionResult | undefined {
  const ordered = orderMessages(messages)
  let last: MessageWithParts | undefined
  for (const m of ordered) if (m.role === "assistant" && (o.since === undefined || (m.created ?? Infinity) >= o.since)) last = m
  if (!last) return undefined
  if (last.error !== undefined) {
    if (o.fallbackPending) return undefined
    return { status: "failed", failure: classifyFailure(last.error, { now: o.now }), messageID: last.id }
  }
  if (!isMeaningfulCompletion(last)) return undefined // still running, or an empty completion row
  if (last.finish === "tool-calls") return undefined // a step, not the end of the turn
  const text = last.parts
    .filter((p) => p.type === "text" && !p.synthetic)
    .map((p) => p.text ?? "")
    .join("")
    .trim()
  return { status: "completed", text, messageID: last.id, model: last.model }
}

export function waitForSessionResult(client: MessagesClient, sessionID: string, o: WaitForSessionResultOptions): Promise<SessionResult> {
  const clock = o.clock ?? systemClock
  const pollMs = Math.max(100, o.pollMs ?? 3000)
  return new Promise<SessionResult>((resolve) => {
    let done = false
    let checking = false
    let again = false
    let poll: TimerHandle | undefined
    let unsubscribe: (() => void) | undefined
    const finish = (r: SessionResult) => {
      if (done) return
      done = true
      clock.clearTimeout(deadline)
      clock.clearTimeout(poll)
      try {
        unsubscribe?.()
      } catch {}
      o.signal?.removeEventListener("abort", onAbort)
      resolve(r)
    }
    const schedulePoll = () => {
      clock.clearTimeout(poll)
      if (!done) poll = clock.setTimeout(() => void check(), pollMs)
    }
    const check = async () => {
      if (done) return
      if (checking) {
        again = true
        return
      }
      checking = true
      try {
        const r = await client.session.messages({ path: { id: sessionID }, ...(o.directory ? { query: { directory: o.directory } } : {}) })
        const decided = evaluateSessionResult(normaliseMessages(r && typeof r === "object" && "data" in r ? r.data : r), { fallbackPending: o.fallbackPending?.() ?? false, since: o.since, now: clock.now() })
        if (decided) finish(decided)
      } catch {
        // a failing read is retried by the next event or poll
      } finally {
        checking = false
        if (again && !done) {
          again = false
          void check()
        } else schedulePoll()
      }
    }
    const onAbort = () => finish({ status: "cancelled" })
    const deadline = clock.setTimeout(() => finish({ status: "timeout" }), o.timeoutMs)
    if (o.signal?.aborted) return finish({ status: "cancelled" })
    o.signal?.addEventListener("abort", onAbort)
    try {
      unsubscribe = o.subscribe?.((ev) => {
        if (ev.kind === "idle" || ev.kind === "error" || (ev.kind === "message" && ev.message.role === "assistant" && (ev.message.completed !== undefined || ev.message.error !== undefined))) void check()
      })
    } catch {}
    void check()
  })
}
