// Small text helpers for the CLI: the IO seam tests inject, aligned columns, times, and colour only on a TTY.
import { formatWait } from "../failure/classify.ts"

export type CliIo = {
  out(text: string): void
  err(text: string): void
  env: Record<string, string | undefined>
  cwd: string
  now(): number
  /** Colour output (stdout is a TTY and NO_COLOR is unset). */
  color: boolean
  readStdin(): Promise<string>
  /** Home directory for the default config dir (tests inject one). */
  home?: string
}

export type Style = { bold(s: string): string; dim(s: string): string; red(s: string): string; yellow(s: string): string; green(s: string): string }

export function style(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s)
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39) }
}

/** Visible width (ANSI colour codes do not count). */
function width(s: string): number {
  return s.replace(/\x1b\[[0-9;]*m/g, "").length
}

/** Rows of cells as aligned columns (the last column is not padded). */
export function columns(rows: readonly (readonly string[])[], indent = "  "): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))))
  return rows
    .map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - width(c)))).join("  ").trimEnd())
    .join("\n")
}

/** "in 4h 12m" / "3m ago" / "now". */
export function relative(at: number, now: number): string {
  const d = at - now
  if (Math.abs(d) < 1000) return "now"
  return d > 0 ? `in ${formatWait(d)}` : `${formatWait(-d)} ago`
}

/** ISO time plus relative time: "2025-05-01T12:00:00.000Z (in 4h 12m)". */
export function when(at: number, now: number): string {
  return `${new Date(at).toISOString()} (${relative(at, now)})`
}

export { formatWait }
