// Time as a dependency: production uses the real clock, tests use `createManualClock` and advance it by hand,
// so no test depends on wall time.

export type TimerHandle = { readonly id: number }

export type Clock = {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle | undefined): void
}

export const systemClock: Clock = (() => {
  const live = new Map<number, ReturnType<typeof setTimeout>>()
  let seq = 0
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = ++seq
      const t = setTimeout(() => {
        live.delete(id)
        fn()
      }, Math.max(0, ms))
      // Never keep the host process alive for a plugin timer.
      ;(t as { unref?: () => void }).unref?.()
      live.set(id, t)
      return { id }
    },
    clearTimeout(handle) {
      if (!handle) return
      const t = live.get(handle.id)
      if (t !== undefined) clearTimeout(t)
      live.delete(handle.id)
    },
  }
})()

export type ManualClock = Clock & {
  /** Moves time forward, firing due timers in order (timers scheduled by fired timers fire too if due). */
  advance(ms: number): void
  /** Number of pending timers. */
  pending(): number
  set(now: number): void
}

export function createManualClock(start = 1_700_000_000_000): ManualClock {
  let now = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return { id }
    },
    clearTimeout(handle) {
      if (handle) timers.delete(handle.id)
    },
    advance(ms) {
      const target = now + ms
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined
        for (const e of timers) if (e[1].at <= target && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e
        if (!next) break
        timers.delete(next[0])
        now = Math.max(now, next[1].at)
        next[1].fn()
      }
      now = target
    },
    pending: () => timers.size,
    set(t) {
      now = t
    },
  }
}
