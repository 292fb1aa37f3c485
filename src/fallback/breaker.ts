// Circuit breaker for transient trouble (overloads, 5xx, timeouts), one per model, shared by every session of
// the process. Closed: failures are counted in a sliding window; `failures` of them within `windowMs` open it.
// Open: new turns skip the model until the cooldown ends. Then it is half-open: exactly one caller is admitted
// as the probe while the others still see it open; a success of an attempt that started after the breaker
// opened closes it, a failure reopens it with a longer cooldown, and a probe that reports nothing within
// `probeTimeoutMs` lets the next caller probe. Pure and clock-free: every call takes `now`; there are no timers.
import type { FailureCode } from "../failure/types.ts"

export type BreakerPolicy = {
  /** Transient failures within `windowMs` that open the breaker. */
  failures: number
  windowMs: number
  /** First open period; each reopening multiplies it by `factor`, up to `maxCooldownMs`. */
  cooldownMs: number
  factor: number
  maxCooldownMs: number
  /** A probe that reports neither success nor failure within this lets another caller probe. */
  probeTimeoutMs: number
}

export const DEFAULT_BREAKER: BreakerPolicy = { failures: 5, windowMs: 60_000, cooldownMs: 60_000, factor: 2, maxCooldownMs: 15 * 60_000, probeTimeoutMs: 120_000 }

/** Models tracked at most; the least recently touched closed breakers go first. */
export const MAX_BREAKERS = 256

type Closed = { phase: "closed"; failures: number[] }
/** Half-open is derived: an open breaker whose `until` has passed. `probeAt` is when a probe was admitted. */
type Open = { phase: "open"; openedAt: number; until: number; opens: number; probeAt?: number; code: FailureCode; message: string }
export type BreakerState = Closed | Open

export type BreakerView =
  | { phase: "closed" }
  | { phase: "open"; until: number; openedAt: number; opens: number; code: FailureCode; message: string }
  /** `probing`: a probe is out; it counts as open until `until` (its timeout). */
  | { phase: "half-open"; probing: boolean; until: number; openedAt: number; opens: number; code: FailureCode; message: string }

export type Breakers = {
  /**
   * Counts a transient failure; returns the view when this failure opened (or reopened) the breaker. With
   * `attemptStartedAt`, a failure of an attempt that began before the breaker opened is a straggler (it says
   * nothing about the probe): it never reopens it.
   */
  recordTransient(key: string, failure: { code: FailureCode; message: string }, now: number, attemptStartedAt?: number): Extract<BreakerView, { phase: "open" }> | undefined
  /** A success of an attempt that started at `attemptStartedAt`: closes the breaker if the attempt started after it opened. */
  recordSuccess(key: string, attemptStartedAt: number, now: number): void
  /** Read only: the breaker's phase at `now`. */
  view(key: string, now: number): BreakerView
  /** Half-open and no probe out (or the last one timed out): admits the caller as the probe. */
  admitProbe(key: string, now: number): boolean
  size(): number
}

export function breakerCooldown(policy: BreakerPolicy, opens: number): number {
  const ms = policy.cooldownMs * policy.factor ** Math.max(0, opens - 1)
  return Math.max(0, Math.min(policy.maxCooldownMs, Math.round(Number.isFinite(ms) ? ms : policy.maxCooldownMs)))
}

export function createBreakers(policy: BreakerPolicy, max = MAX_BREAKERS): Breakers {
  const map = new Map<string, BreakerState>()
  const threshold = Math.max(1, Math.floor(policy.failures))

  /** Re-inserts a key so the map's order is least recently touched first, then bounds the map. */
  function put(key: string, s: BreakerState) {
    map.delete(key)
    map.set(key, s)
    if (map.size <= max) return
    for (const [k, v] of map)
      if (v.phase === "closed") {
        map.delete(k)
        return
      }
    map.delete(map.keys().next().value!)
  }

  /** Clock steps: an open period never lasts more than `maxCooldownMs` from now. */
  function clampOpen(s: Open, now: number) {
    if (s.until - now > policy.maxCooldownMs) s.until = now + policy.maxCooldownMs
  }

  function probeOut(s: Open, now: number): boolean {
    return s.probeAt !== undefined && now >= s.probeAt && now - s.probeAt < policy.probeTimeoutMs
  }

  function view(key: string, now: number): BreakerView {
    const s = map.get(key)
    if (!s || s.phase === "closed") return { phase: "closed" }
    clampOpen(s, now)
    const base = { openedAt: s.openedAt, opens: s.opens, code: s.code, message: s.message }
    if (now < s.until) return { phase: "open", until: s.until, ...base }
    const probing = probeOut(s, now)
    return { phase: "half-open", probing, until: probing ? s.probeAt! + policy.probeTimeoutMs : s.until, ...base }
  }

  return {
    recordTransient(key, failure, now, attemptStartedAt) {
      const s = map.get(key)
      if (s?.phase === "open") {
        clampOpen(s, now)
        // Open: failures of turns that were already under way say nothing new.
        if (now < s.until) return undefined
        if (attemptStartedAt !== undefined && attemptStartedAt < s.openedAt) return undefined
        // Half-open: the probe (or a straggler) failed; reopen for longer.
        const opens = s.opens + 1
        const next: Open = { phase: "open", openedAt: now, until: now + breakerCooldown(policy, opens), opens, code: failure.code, message: failure.message }
        put(key, next)
        return { phase: "open", until: next.until, openedAt: now, opens, code: next.code, message: next.message }
      }
      const recent = (s?.failures ?? []).filter((t) => now - t < policy.windowMs && t - now < policy.windowMs)
      recent.push(now)
      if (recent.length < threshold) {
        put(key, { phase: "closed", failures: recent.slice(-threshold) })
        return undefined
      }
      const next: Open = { phase: "open", openedAt: now, until: now + breakerCooldown(policy, 1), opens: 1, code: failure.code, message: failure.message }
      put(key, next)
      return { phase: "open", until: next.until, openedAt: now, opens: 1, code: next.code, message: next.message }
    },
    recordSuccess(key, attemptStartedAt, _now) {
      const s = map.get(key)
      if (!s) return
      if (s.phase === "closed" || attemptStartedAt >= s.openedAt) map.delete(key)
    },
    view,
    admitProbe(key, now) {
      const s = map.get(key)
      if (!s || s.phase === "closed") return false
      clampOpen(s, now)
      if (now < s.until || probeOut(s, now)) return false
      s.probeAt = now
      return true
    },
    size: () => map.size,
  }
}
