// The sessions the plugin keeps state for: the core's SessionState plus the shell's own bookkeeping (timers,
// the last event kind, the run-mode message). Bounded and evicted by age: every touch moves a session to the
// back of the insertion order, so eviction walks from the front and stops early (linear, no scans of the
// whole map per session).
import type { Clock, TimerHandle } from "../host/clock.ts"
import { initialState, isLive, type SessionState } from "../fallback/session.ts"
import type { AttachmentKind, TurnNeeds } from "../fallback/capability.ts"

export const MAX_TRACKED = 2_000
const MAX_NOTICED = 16
const MAX_DELETED = 256

export type Tracked = {
  id: string
  m: SessionState
  /** `${name}:${turnID}` → handle */
  timers: Map<string, TimerHandle>
  /** the kind of the last session event seen (the host publishes status-idle and session.idle as a pair) */
  lastEvent?: string
  /** run mode: the next chat.params of this session fails the turn fast with this message */
  failFast?: string
  /** a pre-routed first message (its id): its request is stopped at chat.params (an abort) and replayed on the routed model */
  routeAbort?: string
  /** pre-route notices already shown in this session (once per primary → fallback pair) */
  noticed: Set<string>
  /** what the session's conversation needs from a model (capability checks; see needsOf) */
  facts: SessionFacts
}

/**
 * `tokens`: the latest assistant row's token count (its last step's prompt and answer: the conversation as the
 * next request carries it, less the newest user message); `attachments`: file kinds any user message of the
 * session carried; `tools`: a tool ran in the session.
 */
export type SessionFacts = { tokens?: number; attachments: Set<AttachmentKind>; tools: boolean }

/** The facts as the core's `TurnNeeds` (plus file kinds of a message not yet recorded). */
export function needsOf(f: SessionFacts, more: readonly AttachmentKind[] = []): TurnNeeds | undefined {
  const attachments = more.length ? [...new Set([...f.attachments, ...more])] : [...f.attachments]
  if (f.tokens === undefined && !attachments.length && !f.tools) return undefined
  return { tokens: f.tokens, attachments, tools: f.tools }
}

export type Registry = {
  get(id: string): Tracked | undefined
  /** The session's record, created (and older idle ones evicted) when missing; moved to the back. */
  track(id: string): Tracked
  /** Forgets the session and remembers it was deleted: late events of a deleted session are ignored. */
  remove(id: string): Tracked | undefined
  wasDeleted(id: string): boolean
  values(): IterableIterator<Tracked>
  readonly size: number
  clear(): void
  notice(t: Tracked, key: string): boolean
}

export function createRegistry(clock: Clock, max = MAX_TRACKED): Registry {
  const map = new Map<string, Tracked>()
  const deleted = new Set<string>()
  function evict() {
    for (const [id, t] of map) {
      if (map.size < max * 0.9) break
      if (t.timers.size === 0 && !t.m.turns.some(isLive)) map.delete(id)
    }
    // Everything in flight: drop the oldest anyway rather than grow without bound.
    while (map.size >= max) {
      const first = map.entries().next().value as [string, Tracked] | undefined
      if (!first) break
      for (const h of first[1].timers.values()) clock.clearTimeout(h)
      map.delete(first[0])
    }
  }
  return {
    get: (id) => map.get(id),
    track(id) {
      deleted.delete(id)
      let t = map.get(id)
      if (t) {
        map.delete(id)
        map.set(id, t)
        return t
      }
      if (map.size >= max) evict()
      t = { id, m: initialState(id), timers: new Map(), noticed: new Set(), facts: { attachments: new Set(), tools: false } }
      map.set(id, t)
      return t
    },
    wasDeleted: (id) => deleted.has(id),
    remove(id) {
      deleted.add(id)
      if (deleted.size > MAX_DELETED) deleted.delete(deleted.values().next().value!)
      const t = map.get(id)
      if (!t) return undefined
      for (const h of t.timers.values()) clock.clearTimeout(h)
      map.delete(id)
      return t
    },
    values: () => map.values(),
    get size() {
      return map.size
    },
    clear() {
      for (const t of map.values()) for (const h of t.timers.values()) clock.clearTimeout(h)
      map.clear()
      deleted.clear()
    },
    notice(t, key) {
      if (t.noticed.has(key)) return false
      if (t.noticed.size >= MAX_NOTICED) t.noticed.delete(t.noticed.values().next().value!)
      t.noticed.add(key)
      return true
    },
  }
}
