// Small statistics and formatting helpers for the benchmark.

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5)
}

/** Linear-interpolated quantile (q in [0, 1]); NaN for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a")

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a"
  if (ns < 1_000) return `${ns.toFixed(1)} ns`
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`
  return `${(ns / 1_000_000).toFixed(2)} ms`
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—"
  if (ms < 10_000) return `${Math.round(ms).toLocaleString("en-US")} ms`
  return `${(ms / 1000).toFixed(1)} s`
}

export function fmtBytes(b: number): string {
  const sign = b < 0 ? "-" : ""
  const a = Math.abs(b)
  if (a < 1024) return `${sign}${a} B`
  if (a < 1024 * 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`
  return `${sign}${(a / 1024 / 1024).toFixed(2)} MiB`
}

export const passFail = (ok: boolean) => (ok ? "PASS" : "FAIL")
