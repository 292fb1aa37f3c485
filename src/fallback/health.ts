// Model health shared by every session in the process: a model that failed with quota, payment, a missing
// model or auth cools down, until its reset time when the error named one, otherwise for a cooldown that
// grows on repeats. Cooling models are skipped when choosing a fallback and before a new turn is sent.
import type { Failure, FailureCode } from "../failure/types.ts"
import { modelKey, type ModelRef } from "../payload/model.ts"

export const COOLING_CODES: ReadonlySet<FailureCode> = new Set(["quota_exhausted", "payment_required", "model_missing", "auth"])

export type HealthEntry = {
  model: string // "provider/model"
  code: FailureCode
  message: string
  /** epoch ms the cooldown ends */
  until: number
  /** consecutive cooling failures (drives the growth) */
  strikes: number
  at: number
  resetAt?: number
}

export type CooldownPolicy = { baseMs: number; factor: number; maxMs: number }

export type ModelHealth = {
  /** The cooling entry for a model, or undefined when it may be used. */
  cooling(model: ModelRef, now: number): HealthEntry | undefined
  /** Records a failure; returns the new entry when the failure cools the model down. */
  recordFailure(model: ModelRef, failure: Failure, now: number): HealthEntry | undefined
  /**
   * A model answered in an attempt that started at `startedAt`: forget its strikes, unless the cooldown was
   * recorded after that attempt started (an answer requested before the model failed says nothing about now).
   */
  recordSuccess(model: ModelRef, startedAt: number): void
  /** A transient failure (overload, 5xx): counted by the shared breaker where one is configured. */
  recordTransient?(model: ModelRef, failure: Failure, now: number): void
  entries(): HealthEntry[]
  /** Adds entries read from the state file; the later `until` wins. Does not trigger `onChange`. */
  merge(entries: readonly HealthEntry[]): void
  /** Drops entries whose cooldown ended more than `keepMs` ago (their strikes no longer count). */
  prune(now: number, keepMs: number): void
}

export function cooldownFor(policy: CooldownPolicy, strikes: number): number {
  const ms = policy.baseMs * policy.factor ** Math.max(0, strikes - 1)
  return Math.min(policy.maxMs, Math.round(ms))
}

/** `onChange(entries, removed)` runs after every change so a store can persist it. */
export function createModelHealth(policy: CooldownPolicy, onChange?: (entries: HealthEntry[], removed: string[]) => void): ModelHealth {
  const map = new Map<string, HealthEntry>()
  const changed = (removed: string[] = []) => onChange?.([...map.values()], removed)
  return {
    cooling(model, now) {
      const e = map.get(modelKey(model))
      return e && e.until > now ? e : undefined
    },
    recordFailure(model, failure, now) {
      if (!COOLING_CODES.has(failure.code)) return undefined
      const key = modelKey(model)
      const prev = map.get(key)
      const strikes = (prev?.strikes ?? 0) + 1
      const until = failure.resetAt && failure.resetAt > now ? failure.resetAt : now + cooldownFor(policy, strikes)
      const entry: HealthEntry = { model: key, code: failure.code, message: failure.message, until, strikes, at: now, resetAt: failure.resetAt }
      map.set(key, entry)
      changed()
      return entry
    },
    recordSuccess(model, startedAt) {
      const key = modelKey(model)
      const e = map.get(key)
      if (!e || e.at >= startedAt) return
      map.delete(key)
      changed([key])
    },
    entries: () => [...map.values()],
    merge(entries) {
      for (const e of entries) {
        const prev = map.get(e.model)
        if (!prev || e.until > prev.until) map.set(e.model, e)
      }
    },
    prune(now, keepMs) {
      for (const [k, e] of map) if (e.until + keepMs < now) map.delete(k)
    },
  }
}
