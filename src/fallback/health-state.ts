// The state model health shares between processes, and the one merge rule every copy of it follows.
// Two kinds of record, keyed by "provider/model" (scope model) or "provider/*" (scope provider):
//   entry — a cooldown: skip the key until `until`;
//   clear — a success: entries of the key recorded before `before` (when the successful attempt started) are
//           gone, and stay gone even if such an entry arrives later from a slower process.
// Records carry a hybrid-logical-clock stamp (hlc.ts). Merging is commutative and idempotent, so a process can
// re-apply its own unsaved records on top of whatever another process wrote, in any order, and every copy ends
// up the same: of two entries of one key the later stamp wins (a record is made from a view that already
// holds the earlier one, so it carries its strikes on); an entry recorded before a clear's `before` is
// dropped. Every map is bounded.
import { redact } from "../failure/redact.ts"
import { FAILURE_CODES, type FailureCode } from "../failure/types.ts"
import { compareStamps, type Stamp } from "./hlc.ts"

export type CooldownScope = "model" | "provider"

export type CooldownEntry = Stamp & {
  /** "provider/model", or "provider/*" for a provider-wide cooldown */
  key: string
  scope: CooldownScope
  /** the model whose failure recorded it, "provider/model" */
  model: string
  code: FailureCode
  message: string
  /** epoch ms the cooldown ends */
  until: number
  /** consecutive cooling failures (drives the growth) */
  strikes: number
  /** epoch ms the error named as its reset time (capped) */
  resetAt?: number
  /** "breaker": opened by the circuit breaker for transient trouble */
  source?: "breaker"
}

export type Clearing = Stamp & { key: string; before: number }

export type HealthOp = { type: "cool"; entry: CooldownEntry } | { type: "clear"; clear: Clearing }

export type HealthState = { entries: Map<string, CooldownEntry>; clears: Map<string, Clearing> }

/** Keys kept at most; past it, the entry whose cooldown ends first goes. */
export const MAX_ENTRIES = 512
/** Clears kept at most; past it, the oldest goes. */
export const MAX_CLEARS = 256

export type StateLimits = { maxEntries: number; maxClears: number }
export const DEFAULT_LIMITS: StateLimits = { maxEntries: MAX_ENTRIES, maxClears: MAX_CLEARS }

export function emptyState(): HealthState {
  return { entries: new Map(), clears: new Map() }
}

export function cloneState(s: HealthState): HealthState {
  return { entries: new Map(s.entries), clears: new Map(s.clears) }
}

export function providerKey(providerID: string): string {
  return `${providerID}/*`
}

export function applyOp(s: HealthState, op: HealthOp, limits: StateLimits = DEFAULT_LIMITS): void {
  if (op.type === "cool") {
    const e = op.entry
    const clear = s.clears.get(e.key)
    if (clear && e.at < clear.before) return
    const prev = s.entries.get(e.key)
    if (!prev) {
      s.entries.set(e.key, e)
      bound(s, limits)
      return
    }
    if (compareStamps(e, prev) > 0) s.entries.set(e.key, e)
    return
  }
  const c = op.clear
  const prev = s.clears.get(c.key)
  const later = !prev || compareStamps(c, prev) >= 0 ? c : prev
  const merged = !prev || later.before >= Math.max(c.before, prev.before) ? later : { ...later, before: Math.max(c.before, prev.before) }
  s.clears.set(c.key, merged)
  const e = s.entries.get(c.key)
  if (e && e.at < merged.before) s.entries.delete(c.key)
  bound(s, limits)
}

function bound(s: HealthState, limits: StateLimits) {
  while (s.entries.size > limits.maxEntries) {
    let first: CooldownEntry | undefined
    for (const e of s.entries.values()) if (!first || e.until < first.until) first = e
    s.entries.delete(first!.key)
  }
  while (s.clears.size > limits.maxClears) {
    let oldest: Clearing | undefined
    for (const c of s.clears.values()) if (!oldest || c.before < oldest.before) oldest = c
    s.clears.delete(oldest!.key)
  }
}

export type PruneOptions = {
  /** Entries whose cooldown ended this long ago are dropped (their strikes no longer count). */
  memoryMs: number
  /** Clears older than this are dropped: no slower process is still holding an entry from before them. */
  clearKeepMs: number
  /** No cooldown lasts longer than this from `now` (damaged files, reset times far away, clock steps). */
  maxMs: number
}

/** Drops what no longer matters and caps every cooldown at `now + maxMs`. */
export function pruneState(s: HealthState, now: number, o: PruneOptions): void {
  const cap = now + o.maxMs
  for (const [k, e] of s.entries) {
    if (e.until + o.memoryMs < now) s.entries.delete(k)
    else if (e.until > cap || (e.resetAt !== undefined && e.resetAt > cap)) s.entries.set(k, { ...e, until: Math.min(e.until, cap), ...(e.resetAt !== undefined ? { resetAt: Math.min(e.resetAt, cap) } : {}) })
  }
  for (const [k, c] of s.clears) if (c.before + o.clearKeepMs < now || c.at + o.clearKeepMs < now) s.clears.delete(k)
}

// ---- validation of records read from a file (anything may be in it) ----

const CODES = new Set<string>(FAILURE_CODES)
const MAX_TEXT = 1_000

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v)
const isStr = (v: unknown, max = MAX_TEXT): v is string => typeof v === "string" && v.length <= max

/** An entry from the file, or undefined. Version 1 entries (no key, scope or stamp) are upgraded. */
export function entryFrom(v: unknown): CooldownEntry | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isStr(o.model, 300) || !o.model.includes("/") || !isStr(o.code) || !CODES.has(o.code)) return undefined
  if (!isNum(o.until) || !isNum(o.at) || !isStr(o.message)) return undefined
  const scope: CooldownScope = o.scope === "provider" ? "provider" : "model"
  const provider = o.model.slice(0, o.model.indexOf("/"))
  const key = scope === "provider" ? providerKey(provider) : o.model
  if (o.key !== undefined && o.key !== key) return undefined
  const e: CooldownEntry = {
    key,
    scope,
    model: o.model,
    code: o.code as FailureCode,
    message: redact(o.message), // files written by older versions may hold what redaction now catches
    until: o.until,
    strikes: isNum(o.strikes) ? Math.min(Math.max(1, Math.floor(o.strikes)), 1_000) : 1,
    at: o.at,
    seq: isNum(o.seq) ? Math.max(0, Math.floor(o.seq)) : 0,
    node: isStr(o.node, 100) ? o.node : "",
  }
  if (isNum(o.resetAt)) e.resetAt = o.resetAt
  if (o.source === "breaker") e.source = "breaker"
  return e
}

export function clearFrom(v: unknown): Clearing | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined
  const o = v as Record<string, unknown>
  if (!isStr(o.key, 300) || !o.key.includes("/") || !isNum(o.before) || !isNum(o.at)) return undefined
  return { key: o.key, before: o.before, at: o.at, seq: isNum(o.seq) ? Math.max(0, Math.floor(o.seq)) : 0, node: isStr(o.node, 100) ? o.node : "" }
}

/** Plain objects for the file, fields in a stable order. */
export function entryRecord(e: CooldownEntry): Record<string, unknown> {
  const r: Record<string, unknown> = { key: e.key, scope: e.scope, model: e.model, code: e.code, message: redact(e.message), until: e.until, strikes: e.strikes, at: e.at, seq: e.seq, node: e.node }
  if (e.resetAt !== undefined) r.resetAt = e.resetAt
  if (e.source) r.source = e.source
  return r
}

export function clearRecord(c: Clearing): Record<string, unknown> {
  return { key: c.key, before: c.before, at: c.at, seq: c.seq, node: c.node }
}
