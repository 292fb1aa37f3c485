// Per-session bookkeeping of the prompt gate: the reservation, the FIFO queue and the dedupe memory.
import type { TimerHandle } from "../host/clock.ts"
import type { NormalizedRequest } from "./normalize-request.ts"
import type { DispatchOutcome, SessionSnapshot } from "./types.ts"

/** One dispatch() call's request and the resolver of its promise. `settle` is idempotent. */
export type Entry = {
  request: NormalizedRequest
  settled: boolean
  resolve: (outcome: DispatchOutcome) => void
}

export type Reservation = {
  source: string
  /** Dedupe key of the request that took it (remembered on success, even a late one). */
  key: string
  /** "in-flight": a host call is running (its timer is the dispatch timeout); "hold": after it (timer = hold). */
  phase: "in-flight" | "hold"
  /** The request being sent; set while in flight. */
  entry: Entry | undefined
  /** Always set while the reservation is the session's: the only way a reservation ends on its own. */
  timer: TimerHandle | undefined
  /** release() was called while in flight: end without a hold once the call settles. */
  releaseWhenSettled: boolean
}

export type SessionState = {
  id: string
  busy: boolean
  reservation: Reservation | undefined
  queue: Entry[]
  /** dedupe key -> expiry time, in expiry order (oldest first). */
  recent: Map<string, number>
  recentTimer: TimerHandle | undefined
}

export const MAX_RECENT_PER_SESSION = 64

export function createSessionState(id: string): SessionState {
  return { id, busy: false, reservation: undefined, queue: [], recent: new Map(), recentTimer: undefined }
}

export function settle(entry: Entry, outcome: DispatchOutcome): void {
  if (entry.settled) return
  entry.settled = true
  entry.resolve(outcome)
}

/** No reservation, not host-busy: a host call may start now (the queue head goes first). */
export function isFree(state: SessionState): boolean {
  return state.reservation === undefined && !state.busy
}

/** Nothing left worth remembering: the state can be dropped. */
export function isEmpty(state: SessionState): boolean {
  return isFree(state) && state.queue.length === 0 && state.recent.size === 0
}

export function pruneRecent(state: SessionState, now: number): void {
  for (const [key, expiresAt] of state.recent) {
    if (expiresAt > now) break
    state.recent.delete(key)
  }
}

export function isRecent(state: SessionState, key: string, now: number): boolean {
  const expiresAt = state.recent.get(key)
  return expiresAt !== undefined && expiresAt > now
}

/** Records a successful send; re-sending a key moves it to the back. Oldest entries beyond the cap are dropped. */
export function rememberRecent(state: SessionState, key: string, expiresAt: number): void {
  state.recent.delete(key)
  state.recent.set(key, expiresAt)
  for (const oldest of state.recent.keys()) {
    if (state.recent.size <= MAX_RECENT_PER_SESSION) break
    state.recent.delete(oldest)
  }
}

export function snapshot(state: SessionState | undefined): SessionSnapshot {
  const reservation = state?.reservation
  return {
    tracked: state !== undefined,
    busy: state?.busy ?? false,
    queueLength: state?.queue.length ?? 0,
    queuedSources: state ? state.queue.map((e) => e.request.source) : [],
    reservation: reservation ? { source: reservation.source, phase: reservation.phase } : undefined,
    recentKeys: state?.recent.size ?? 0,
  }
}
