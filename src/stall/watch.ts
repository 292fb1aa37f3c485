// The stall watch: notices a model request that has gone silent. A provider that accepts the request and then
// sends nothing, or stops in the middle of an answer, produces no error at all; the host waits (its own
// `chunkTimeout`, 5 min on recent hosts, is reset by SSE keep-alive comments and then retries the same model).
//
// Per session, one watch of the model request in flight, driven by what the host shows of the stream:
//  - `request`: the host is about to call the model (the `chat.params` hook, once per request: every step
//    after tool results and every host retry makes a new one). The first-token window starts.
//  - `activity`: a streamed delta or a text/reasoning part update of the session. The first token ends the
//    first-token window; from then on the idle window runs from the latest activity.
//  - `pause`: the model handed over (a tool call is streaming its input or running, the step finished, the host
//    waits to retry). Nothing is timed until the next request: a build the model started may run for an hour,
//    and waiting for the user's permission is not a stall. Activity while paused does not resume the watch.
//  - `stop`: the run ended (idle, the session was deleted).
// Cost: `activity` is called once per streamed token; it is one map lookup and one assignment. A timer is
// re-armed only when a window changes or when it fires early (the deadline moved on).
import type { Clock, TimerHandle } from "../host/clock.ts"
import type { ModelRef } from "../payload/model.ts"

export type StallWindow = "first-token" | "idle"

/** How long a request may be silent; 0 or undefined: not timed. */
export type StallLimits = { firstTokenMs?: number; idleMs?: number }

export type StallInfo = { window: StallWindow; waitedMs: number; limitMs: number; model?: ModelRef; agent?: string }

export type StallWatch = {
  request(sessionID: string, limits: StallLimits, model?: ModelRef, agent?: string): void
  activity(sessionID: string): void
  pause(sessionID: string): void
  stop(sessionID: string): void
  /** sessions watched now (for inspection and leak checks) */
  size(): number
  dispose(): void
}

type Watch = { limits: StallLimits; model?: ModelRef; agent?: string; window: StallWindow; last: number; paused: boolean; timer?: TimerHandle }

/** Bound on watched sessions: a host that never reports the end of runs cannot grow this without limit. */
const MAX_WATCHES = 512

export function createStallWatch(o: { clock: Clock; onStall(sessionID: string, info: StallInfo): void; max?: number }): StallWatch {
  const watches = new Map<string, Watch>()
  const max = o.max ?? MAX_WATCHES

  const limitOf = (w: Watch) => (w.window === "first-token" ? w.limits.firstTokenMs : w.limits.idleMs) ?? 0

  function arm(id: string, w: Watch) {
    o.clock.clearTimeout(w.timer)
    w.timer = undefined
    const limit = limitOf(w)
    if (w.paused || limit <= 0) return
    w.timer = o.clock.setTimeout(() => fire(id, w), Math.max(0, w.last + limit - o.clock.now()))
  }

  function fire(id: string, w: Watch) {
    w.timer = undefined
    if (watches.get(id) !== w || w.paused) return
    const limit = limitOf(w)
    const waited = o.clock.now() - w.last
    if (limit <= 0) return
    if (waited < limit) return arm(id, w) // activity moved the deadline on
    watches.delete(id)
    o.onStall(id, { window: w.window, waitedMs: waited, limitMs: limit, model: w.model, agent: w.agent })
  }

  function drop(id: string) {
    const w = watches.get(id)
    if (!w) return
    o.clock.clearTimeout(w.timer)
    watches.delete(id)
  }

  return {
    request(id, limits, model, agent) {
      drop(id)
      if (!(limits.firstTokenMs! > 0) && !(limits.idleMs! > 0)) return
      if (watches.size >= max) {
        const oldest = watches.keys().next().value
        if (oldest !== undefined) drop(oldest)
      }
      const w: Watch = { limits, model, agent, window: "first-token", last: o.clock.now(), paused: false }
      watches.set(id, w)
      arm(id, w)
    },
    activity(id) {
      const w = watches.get(id)
      if (!w) return
      w.last = o.clock.now()
      if (w.window === "first-token" && !w.paused) {
        w.window = "idle"
        arm(id, w) // the idle window may be shorter than what is left of the first-token one
      }
    },
    pause(id) {
      const w = watches.get(id)
      if (!w || w.paused) return
      w.paused = true
      o.clock.clearTimeout(w.timer)
      w.timer = undefined
    },
    stop: drop,
    size: () => watches.size,
    dispose() {
      for (const id of [...watches.keys()]) drop(id)
    },
  }
}
