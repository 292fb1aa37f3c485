// Model health shared by every session (and, through a store, every process): a model that failed with quota,
// payment, a missing model or auth cools down, until its reset time when the error named one (never longer
// than `maxMs`), otherwise for a cooldown that grows on repeats. A cooldown covers the model or its whole
// provider account (scope, per failure code). Transient trouble (overloads, 5xx) feeds a circuit breaker per
// model (breaker.ts). Cooling models are skipped when choosing a fallback and before a new turn is sent.
//
// What the core calls, and when:
//   cooling(model, now)    before sending a turn to `model` (pre-routing, chain walking). Undefined means "send";
//                          when the model's breaker is half-open the first caller is admitted as its probe.
//   peek(model, now)       display only (notices): the same answer, never admits a probe.
//   recordFailure(model, failure, now)   a failure with a cooling code (quota, payment, missing model, auth).
//   recordTransient(model, failure, now) every failed attempt with a transient code (overloaded, 5xx, timeout).
//   recordSuccess(model, attemptStartedAt, now) an attempt on `model` completed; `attemptStartedAt` is when
//                          that attempt was sent. Clears only what was recorded before it started (its own
//                          cooldown and its provider account's; a model that failed keeps its own).
import { redact } from "../failure/redact.ts"
import type { Failure, FailureCode } from "../failure/types.ts"
import { modelKey, type ModelRef } from "../payload/model.ts"
import { createBreakers, DEFAULT_BREAKER, type BreakerPolicy, type Breakers } from "./breaker.ts"
import { createHlc, nodeId, type Hlc } from "./hlc.ts"
import { applyOp, cloneState, DEFAULT_LIMITS, emptyState, providerKey, type CooldownEntry, type CooldownScope, type HealthOp, type HealthState, type StateLimits } from "./health-state.ts"

export type { CooldownEntry, CooldownScope } from "./health-state.ts"

/** What callers read of a cooldown; `ModelHealth` returns full `CooldownEntry` records. */
export type HealthEntry = Pick<CooldownEntry, "model" | "code" | "message" | "until" | "strikes" | "at"> & Partial<Omit<CooldownEntry, "model" | "code" | "message" | "until" | "strikes" | "at">>

export const COOLING_CODES: ReadonlySet<FailureCode> = new Set(["quota_exhausted", "payment_required", "model_missing", "auth"])
export type CoolingCode = "quota_exhausted" | "payment_required" | "model_missing" | "auth"

/**
 * Default scope per code. Credits, payment and keys belong to the account, so every model of the provider
 * fails alike; a missing model is that model's. Quota stays per model: per-model daily limits and long
 * rate-limit waits land in it too (set `cooldown.scope.quota_exhausted: "provider"` for account-wide quotas).
 */
export const DEFAULT_SCOPE: Readonly<Record<CoolingCode, CooldownScope>> = { quota_exhausted: "model", payment_required: "provider", model_missing: "model", auth: "provider" }

export type CooldownPolicy = { baseMs: number; factor: number; maxMs: number; scope?: Partial<Record<CoolingCode, CooldownScope>> }
export type BreakerConfig = BreakerPolicy & { enabled: boolean; codes: readonly FailureCode[] }

/** Where a health registry keeps its state between processes (health-sync.ts); absent: memory only. */
export type HealthStore = {
  /** The shared state with this process's unsaved records applied, when it changed since the last call. */
  poll(now: number): HealthState | undefined
  /** Saves a record (now or soon, merged with what other processes wrote). */
  push(op: HealthOp, now: number): void
}

export type ModelHealth = {
  /** The cooling entry for a model (its own or its provider's, or its open breaker), or undefined: send. */
  cooling(model: ModelRef, now: number): CooldownEntry | undefined
  /** Like `cooling`, for display: never admits a half-open breaker's probe. */
  peek(model: ModelRef, now: number): CooldownEntry | undefined
  /** Records a failure; returns the new entry when the failure cools the model (or its provider) down. */
  recordFailure(model: ModelRef, failure: Failure, now: number): CooldownEntry | undefined
  /** Counts a transient failure for the model's breaker; returns the entry when it opened the breaker. */
  recordTransient(model: ModelRef, failure: Failure, now: number, attemptStartedAt?: number): CooldownEntry | undefined
  /**
   * The model answered an attempt sent at `attemptStartedAt`: cooldowns of the model and its provider recorded
   * before then end, and its breaker closes. Omitting the time (legacy callers) means "the latest time seen".
   */
  recordSuccess(model: ModelRef, attemptStartedAt?: number, now?: number): void
  /** The cooldown entries (not breakers), current as of the last read. */
  entries(now?: number): CooldownEntry[]
}

export type HealthOptions = {
  store?: HealthStore
  breaker?: BreakerConfig
  /** Writer id in record stamps (default: pid + random). */
  node?: string
  limits?: StateLimits
}

export function cooldownFor(policy: CooldownPolicy, strikes: number): number {
  const ms = policy.baseMs * policy.factor ** Math.max(0, strikes - 1)
  return Math.max(0, Math.min(policy.maxMs, Math.round(Number.isFinite(ms) ? ms : policy.maxMs)))
}

export function scopeOf(policy: CooldownPolicy, code: FailureCode): CooldownScope {
  const own = policy.scope && Object.hasOwn(policy.scope, code) ? policy.scope[code as CoolingCode] : undefined
  return own ?? (Object.hasOwn(DEFAULT_SCOPE, code) ? DEFAULT_SCOPE[code as CoolingCode] : "model")
}

/** The end of a cooldown: the named reset time when there is one in the future, never beyond `now + maxMs`. */
export function cooldownUntil(policy: CooldownPolicy, failure: Pick<Failure, "resetAt">, strikes: number, now: number): number {
  const cap = now + Math.max(0, policy.maxMs)
  const reset = failure.resetAt
  if (typeof reset === "number" && reset > now) return Math.min(reset, cap)
  return Math.min(now + cooldownFor(policy, strikes), cap)
}

export function createModelHealth(policy: CooldownPolicy, o: HealthOptions = {}): ModelHealth {
  const limits = o.limits ?? DEFAULT_LIMITS
  const hlc: Hlc = createHlc(o.node ?? nodeId())
  const breaker = o.breaker?.enabled ? o.breaker : undefined
  const breakerCodes = new Set<FailureCode>(breaker?.codes ?? [])
  const breakers: Breakers = createBreakers(breaker ?? DEFAULT_BREAKER)
  let state: HealthState = emptyState()
  let lastNow = -Infinity

  function refresh(now: number) {
    if (now > lastNow) lastNow = now
    const fresh = o.store?.poll(now)
    if (!fresh) return
    state = cloneState(fresh)
    for (const e of state.entries.values()) hlc.observe(e, now)
    for (const c of state.clears.values()) hlc.observe(c, now)
  }

  function record(op: HealthOp, now: number) {
    applyOp(state, op, limits)
    o.store?.push(op, now)
  }

  function stored(model: ModelRef, now: number): CooldownEntry | undefined {
    const own = state.entries.get(modelKey(model))
    const account = state.entries.get(providerKey(model.providerID))
    const live = [own, account].filter((e): e is CooldownEntry => !!e && e.until > now)
    return live.length < 2 ? live[0] : live[0]!.until >= live[1]!.until ? live[0] : live[1]
  }

  function fromBreaker(model: ModelRef, now: number, admit: boolean): CooldownEntry | undefined {
    if (!breaker) return undefined
    const key = modelKey(model)
    const v = breakers.view(key, now)
    if (v.phase === "closed") return undefined
    if (v.phase === "half-open" && !v.probing) {
      if (admit) breakers.admitProbe(key, now)
      return undefined
    }
    return { key, scope: "model", model: key, code: v.code, message: v.message, until: v.until, strikes: v.opens, at: v.openedAt, seq: 0, node: hlc.node, source: "breaker" }
  }

  function check(model: ModelRef, now: number, admit: boolean): CooldownEntry | undefined {
    refresh(now)
    return stored(model, now) ?? fromBreaker(model, now, admit)
  }

  function cool(model: ModelRef, failure: Failure, scope: CooldownScope, now: number): CooldownEntry {
    const key = scope === "provider" ? providerKey(model.providerID) : modelKey(model)
    const prev = state.entries.get(key)
    const strikes = prev && prev.source !== "breaker" ? Math.min(prev.strikes + 1, 1_000) : 1
    const until = cooldownUntil(policy, failure, strikes, now)
    const entry: CooldownEntry = { key, scope, model: modelKey(model), code: failure.code, message: redact(failure.message), until, strikes, ...hlc.tick(now) }
    if (typeof failure.resetAt === "number" && failure.resetAt > now) entry.resetAt = until
    record({ type: "cool", entry }, now)
    return state.entries.get(key) ?? entry
  }

  return {
    cooling: (model, now) => check(model, now, true),
    peek: (model, now) => check(model, now, false),
    recordFailure(model, failure, now) {
      if (!COOLING_CODES.has(failure.code)) return undefined
      refresh(now)
      const scope = scopeOf(policy, failure.code)
      // An account failure cools the provider, and the model too: when another of its models answers, the
      // account's cooldown ends (recordSuccess) and the model that failed stays cooling on its own.
      if (scope === "provider") cool(model, failure, "model", now)
      return cool(model, failure, scope, now)
    },
    recordTransient(model, failure, now, attemptStartedAt) {
      if (!breaker || !breakerCodes.has(failure.code)) return undefined
      refresh(now)
      const key = modelKey(model)
      const opened = breakers.recordTransient(key, { code: failure.code, message: redact(failure.message) }, now, attemptStartedAt)
      if (!opened) return undefined
      // Other processes learn of the open breaker as a short cooldown; the probe stays this process's.
      const entry: CooldownEntry = { key, scope: "model", model: key, code: failure.code, message: redact(failure.message), until: opened.until, strikes: opened.opens, ...hlc.tick(now), source: "breaker" }
      record({ type: "cool", entry }, now)
      return entry
    },
    recordSuccess(model, attemptStartedAt, now) {
      const t = now ?? attemptStartedAt ?? lastNow
      const before = attemptStartedAt ?? lastNow
      if (!Number.isFinite(t) || !Number.isFinite(before)) return
      refresh(t)
      breakers.recordSuccess(modelKey(model), before, t)
      for (const key of [modelKey(model), providerKey(model.providerID)]) {
        const e = state.entries.get(key)
        if (e && e.at < before) record({ type: "clear", clear: { key, before, ...hlc.tick(t) } }, t)
      }
    },
    entries(now) {
      if (now !== undefined) refresh(now)
      return [...state.entries.values()]
    },
  }
}
