// Durations and points in time as providers write them: "1m47.58s", "19h 24m", "5 days 22 hours 11 minutes",
// epoch seconds or milliseconds, ISO 8601, "2026-12-01 at 00:00 UTC", RFC 1123, "Jul 5th, 2026 8:19 PM", and a
// clock time with a zone ("3pm (America/Santiago)", "10:57 PM GMT-3"). Every value is capped: nothing parsed
// here is ever NaN, Infinity, negative, or further away than MAX_WAIT_MS.

/** The longest wait a parse may yield (a little over a year). Cooldowns are capped again by config. */
export const MAX_WAIT_MS = 366 * 86_400_000

/** A finite wait in [0, MAX_WAIT_MS]; +Infinity becomes the cap, NaN and -Infinity are not a wait. */
export function clampWait(ms: number): number | undefined {
  if (Number.isNaN(ms) || ms === -Infinity) return undefined
  if (ms <= 0) return 0
  return ms >= MAX_WAIT_MS ? MAX_WAIT_MS : Math.round(ms)
}

/** An absolute reset time at most MAX_WAIT_MS after `now` (a time in the past is `now`). */
export function clampAt(at: number, now: number): number | undefined {
  const w = clampWait(at - now)
  return w === undefined ? undefined : now + w
}

const UNIT_MS: Record<string, number> = {
  ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, wk: 604_800_000, week: 604_800_000, weeks: 604_800_000,
  mo: 2_592_000_000, month: 2_592_000_000, months: 2_592_000_000,
}
// Longer unit names first, so "ms" is not read as "m" + "s"; a unit must not run on into a word ("1 mile").
const UNIT = "milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|months?|mo|m|hours?|hrs?|h|days?|d|weeks?|wks?|w"
const PART = new RegExp(`(\\d{1,12}(?:\\.\\d{1,12})?)\\s*(${UNIT})(?![a-z])`, "y")
const JOIN = /(?:\s*,?\s*(?:and\s+)?)/y

/** "1m30s", "1m47.58s", "19h 24m", "5 days 22 hours 11 minutes", "9.816s" at the start of `text` → ms (capped). */
export function parseDuration(text: string): number | undefined {
  const s = text.trimStart().toLowerCase()
  let i = 0
  let total = 0
  let parts = 0
  for (let guard = 0; guard < 8; guard++) {
    PART.lastIndex = i
    const m = PART.exec(s)
    if (!m) break
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? NaN)
    parts++
    i = PART.lastIndex
    JOIN.lastIndex = i
    if (JOIN.exec(s)) i = JOIN.lastIndex
  }
  if (parts === 0) return undefined
  return clampWait(total)
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 }
const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?"
const ZONE = "(z|utc|gmt|[+-]\\d{2}:?\\d{2})"
const TIME = "(\\d{1,2})(?::(\\d{2}))?(?::(\\d{2}))?\\s*(am|pm|a\\.m\\.|p\\.m\\.)?"

const EPOCH = /^(\d{13}|\d{10})(?:\.\d+)?(?!\d)/
const ISO = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})(?:(?:t|\\s+(?:at\\s+)?)(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?)?\\s*${ZONE}?`)
const RFC1123 = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\\s+(\\d{1,2})\\s+${MONTH}\\s+(\\d{4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?\\s*${ZONE}?`)
const MONTH_FIRST = new RegExp(`^${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?:,?\\s+(?:at\\s+)?${TIME})?\\s*${ZONE}?`)
const DAY_FIRST = new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(\\d{4})(?:,?\\s+(?:at\\s+)?${TIME})?\\s*${ZONE}?`)
const CLOCK = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*\(?\s*((?:utc|gmt)\s*[+-]\s*\d{1,2}(?::?\d{2})?|utc|gmt|z|[a-z]+\/[a-z0-9_+-]+(?:\/[a-z0-9_+-]+)?)\s*\)?/

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === "z" || zone === "utc" || zone === "gmt") return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000) : 0
}

function hour24(h: number, ampm: string | undefined): number {
  if (!ampm) return h
  const pm = ampm[0] === "p"
  return (h % 12) + (pm ? 12 : 0)
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, zone?: string): number | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined
  const t = Date.UTC(y, mo, d, h, mi, s) - zoneOffsetMs(zone)
  return Number.isFinite(t) ? t : undefined
}

/**
 * A point in time at the start of `text` (lower-cased), or undefined. Dates without a zone are read as UTC,
 * which is what providers use; a bare clock time without a zone is too ambiguous and is not read.
 */
export function parseInstant(text: string, now: number): number | undefined {
  const s = text.trimStart().toLowerCase().slice(0, 80)
  let m = EPOCH.exec(s)
  if (m) return m[1]!.length === 13 ? Number(m[1]) : Number(m[1]) * 1000
  if ((m = ISO.exec(s))) return utc(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7])
  if ((m = RFC1123.exec(s))) return utc(+m[3]!, MONTHS[m[2]!]!, +m[1]!, +m[4]!, +m[5]!, +(m[6] ?? 0), m[7])
  if ((m = MONTH_FIRST.exec(s))) return utc(+m[3]!, MONTHS[m[1]!]!, +m[2]!, hour24(+(m[4] ?? 0), m[7]), +(m[5] ?? 0), +(m[6] ?? 0), m[8])
  if ((m = DAY_FIRST.exec(s))) return utc(+m[3]!, MONTHS[m[2]!]!, +m[1]!, hour24(+(m[4] ?? 0), m[7]), +(m[5] ?? 0), +(m[6] ?? 0), m[8])
  if ((m = CLOCK.exec(s)) && (m[2] !== undefined || m[3] !== undefined)) return nextClockTime(+m[1]!, +(m[2] ?? 0), m[3], m[4]!, now)
  return undefined
}

/** The next moment at or after `now` when the wall clock in `zone` shows h:mi. */
function nextClockTime(h: number, mi: number, ampm: string | undefined, zone: string, now: number): number | undefined {
  const hh = hour24(h, ampm)
  if (hh > 23 || mi > 59) return undefined
  const offset = offsetOf(zone.replace(/\s+/g, ""), now)
  if (offset === undefined) return undefined
  const local = new Date(now + offset)
  let t = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hh, mi) - offset
  if (t < now) t += 86_400_000
  return t
}

const FORMATTERS = new Map<string, Intl.DateTimeFormat | null>()

/** The zone's offset from UTC in ms at `at`: UTC/GMT±h[:mm], or an IANA name through Intl; undefined if unknown. */
function offsetOf(zone: string, at: number): number | undefined {
  if (zone === "z" || zone === "utc" || zone === "gmt") return 0
  const fixed = /^(?:utc|gmt)([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone)
  if (fixed) return (fixed[1] === "-" ? -1 : 1) * (Number(fixed[2]) * 3_600_000 + Number(fixed[3] ?? 0) * 60_000)
  let f = FORMATTERS.get(zone)
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: canonicalZone(zone), hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" })
    } catch {
      f = null
    }
    if (FORMATTERS.size < 32) FORMATTERS.set(zone, f)
  }
  if (!f) return undefined
  const p: Record<string, number> = {}
  for (const part of f.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value)
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!)
  const off = wall - (at - (at % 60_000))
  return Number.isFinite(off) ? off : undefined
}

/** "america/los_angeles" → "America/Los_Angeles", "etc/gmt+5" → "Etc/GMT+5" (Intl wants the canonical case). */
function canonicalZone(z: string): string {
  return z
    .split("/")
    .map((seg) => (/^gmt[+-]\d+$/.test(seg) ? seg.toUpperCase() : seg.replace(/(^|_|-)([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())))
    .join("/")
}
