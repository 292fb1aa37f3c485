// The plugin's own same-model retries, for transient errors the host does not retry: exponential from
// `initialMs`, doubling, capped at `maxMs`, with up to `jitter` random spread; a retry-after is honoured up
// to the cap. Pure: the random source is passed in.

export type BackoffPolicy = { initialMs: number; maxMs: number; jitter: number }

/** Delay before own retry number `attempt` (1-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxMs)
  const base = policy.initialMs * 2 ** Math.max(0, attempt - 1)
  const spread = 1 + policy.jitter * Math.min(1, Math.max(0, random()))
  return Math.round(Math.min(policy.maxMs, base * spread))
}
