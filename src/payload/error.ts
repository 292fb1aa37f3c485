// Turns anything the host can hand over as an error into one small record, ErrorFacts. Accepted shapes:
// NamedError `{name, data}` from session.error / message info.error (APIError with statusCode, isRetryable,
// responseHeaders, responseBody; UnknownError; MessageAbortedError; ContextOverflowError; ProviderAuthError…),
// `type:"error"` parts and stream events, the host retry status `{type:"retry", attempt, message, next}`,
// plain strings and Error instances, `{error:{…}}`, `{data:{error}}`, `cause`, JSON inside strings (also
// double-encoded, or after a prefix, or as an SSE `data:` frame), Python-repr bodies, typographic quotes, HTML
// error pages, and exception class names written into text. Total: never throws; the work is bounded whatever
// the input's size (depth, nodes, keys per object, characters read from each string and in all).
import { parseEmbedded } from "./embedded-json.ts"
import { asciiQuotes, htmlText, statusFromText, TYPOGRAPHIC } from "./error-text.ts"

export { statusFromText } from "./error-text.ts"

export type ErrorFacts = {
  /** NamedError name or Error class name (APIError, UnknownError, MessageAbortedError, …). */
  name?: string
  statusCode?: number
  /** The most specific human message found (not redacted; failure/ redacts before display). */
  message: string
  /** Raw response body when one was given. */
  body?: string
  /** Response headers, keys lower-cased. */
  headers?: Record<string, string>
  isRetryable?: boolean
  /** Provider error code (`error.code`), e.g. "insufficient_quota", "1113", "rate_limit_exceeded". */
  providerCode?: string
  /** Provider error type or status (`error.type`, Google `error.status`), e.g. "rate_limit_error", "RESOURCE_EXHAUSTED". */
  providerType?: string
  /** Every code/type/reason/name string found, lower-cased, for rules that look past the first one. */
  markers: string[]
  /** All text found (messages, body, codes), joined; what wording rules match against. */
  text: string
  /** Structured wait hints found in the payload (raw values; failure/retry-after.ts interprets them). */
  hints: WaitHints
  /** Set when the input was the host's retry status. */
  retry?: { attempt?: number; next?: number; actionReason?: string }
}

export type WaitHints = {
  retryAfterMs?: number // numeric ms from a structured field (retry_after_ms)
  retryAfterSec?: number // numeric seconds (retry_after, resets_in_seconds)
  resetAt?: number | string // epoch seconds or ms, or a date string (resets_at, reset_at, quotaResetTimeStamp)
  retryDelay?: string // a duration string: Google RetryInfo.retryDelay ("26s"), quotaResetDelay ("19h50m")
  loadEtaSec?: number // seconds until a model being loaded can serve (Hugging Face's estimated_time)
}

const MAX_NODES = 400
const MAX_DEPTH = 10
const MAX_TEXT_PER_STRING = 4000
const MAX_TEXTS = 40
/** The whole text haystack stays small whatever the input: rules scan it many times. */
const MAX_TOTAL_TEXT = 4000
/** Strings longer than this are cut before any JSON or HTML is read from them (error bodies are small). */
const MAX_PARSE = 4000
/** Keys of one object looked at for loose text (an error object with thousands of keys is not an error). */
const MAX_KEYS = 64
/** The longest message kept: failure/ shows at most a few hundred characters of it. */
const MAX_MESSAGE = 2000

const MESSAGE_KEYS = ["message", "msg", "detail", "error_description", "errorMessage", "error_message", "errorDescription", "error_msg", "errorMsg", "html-message", "title", "description"]
const NEST_KEYS = ["error", "data", "cause", "body", "responseBody", "response", "details", "errors", "metadata", "raw", "info", "innererror", "inner_error", "error_details", "header"]
const GENERIC_NAMES = new Set(["error", "object", ""])

type Acc = {
  nodes: number
  textChars: number
  names: string[]
  messages: string[]
  texts: string[]
  markers: string[]
  statuses: number[]
  codes: string[]
  types: string[]
  headers?: Record<string, string>
  body?: string
  isRetryable?: boolean
  hints: WaitHints
  retry?: ErrorFacts["retry"]
}

export function extractErrorFacts(input: unknown): ErrorFacts {
  const acc: Acc = { nodes: 0, textChars: 0, names: [], messages: [], texts: [], markers: [], statuses: [], codes: [], types: [], hints: {} }
  try {
    walk(input, 0, acc)
  } catch {
    // totality: whatever was collected so far stands
  }
  const text = acc.texts.join("\n")
  const statusCode = acc.statuses.find((s) => s >= 100 && s <= 599) ?? statusFromText(text)
  return {
    name: acc.names[0],
    statusCode,
    message: pickMessage(acc),
    body: acc.body,
    headers: acc.headers,
    isRetryable: acc.isRetryable,
    providerCode: acc.codes[acc.codes.length - 1],
    providerType: acc.types[acc.types.length - 1],
    markers: acc.markers,
    text,
    hints: acc.hints,
    retry: acc.retry,
  }
}

function addText(acc: Acc, s: string) {
  if (!s || acc.texts.length >= MAX_TEXTS || acc.textChars >= MAX_TOTAL_TEXT) return
  const room = Math.min(MAX_TEXT_PER_STRING, MAX_TOTAL_TEXT - acc.textChars)
  const t = s.length > room ? s.slice(0, room) : s
  if (!acc.texts.includes(t)) {
    acc.texts.push(t)
    acc.textChars += t.length + 1
  }
}

function addMarker(acc: Acc, s: string) {
  const m = s.trim().toLowerCase()
  if (m && m.length <= 120 && !acc.markers.includes(m)) acc.markers.push(m)
}

function walkString(s: string, depth: number, acc: Acc, asMessage: boolean) {
  let trimmed = (s.length > MAX_PARSE ? s.slice(0, MAX_PARSE) : s).trim()
  if (!trimmed) return
  // An HTML error page (a proxy, a CDN, a challenge page): its title and visible text say what happened.
  if (trimmed[0] === "<" || /^[^<]{0,80}<(?:!doctype|html|head|title)\b/i.test(trimmed)) {
    const text = htmlText(trimmed)
    if (text) {
      addText(acc, text)
      if (asMessage) acc.messages.push(text.slice(0, 300))
      return
    }
  }
  if (TYPOGRAPHIC.test(trimmed)) trimmed = asciiQuotes(trimmed)
  const parsed = trimmed.length > 1 && /[{[]/.test(trimmed) ? parseEmbedded(trimmed) : undefined
  if (parsed !== undefined) {
    // Keep the prefix ("Error code: 429 - ") as text: it often carries the status.
    const prefix = trimmed.slice(0, Math.max(0, trimmed.search(/[{[]/))).trim()
    if (prefix) {
      addText(acc, prefix)
      classNames(prefix, acc)
    }
    const before = acc.messages.length
    walk(parsed, depth + 1, acc)
    // A JSON string without any message field still says something: keep it whole.
    if (acc.messages.length === before) addText(acc, trimmed)
    return
  }
  addText(acc, trimmed)
  if (asMessage) acc.messages.push(trimmed.length > MAX_MESSAGE ? trimmed.slice(0, MAX_MESSAGE) : trimmed)
  classNames(trimmed, acc)
}

/**
 * Exception class names written into text ("ThrottlingException: …", "openai.RateLimitError: …",
 * "httpx.RemoteProtocolError: …") are structure too: record them as markers.
 */
function classNames(s: string, acc: Acc) {
  const head = s.length > 400 ? s.slice(0, 400) : s
  if (!/(?:Error|Exception)\b/.test(head)) return
  let n = 0
  for (const m of head.matchAll(/\b([A-Z][A-Za-z0-9]*(?:Error|Exception))\b/g)) {
    if (++n > 4) break
    if (m[1] !== "Error") addMarker(acc, m[1]!)
  }
}

function walk(node: unknown, depth: number, acc: Acc): void {
  if (node === null || node === undefined || depth > MAX_DEPTH || ++acc.nodes > MAX_NODES) return
  switch (typeof node) {
    case "string":
      return walkString(node, depth, acc, true)
    case "number":
      if (depth === 0 && node >= 100 && node <= 599) acc.statuses.push(node)
      return
    case "object":
      break
    default:
      return
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length && i < 20; i++) walk(node[i], depth + 1, acc)
    return
  }
  const o = node as Record<string, unknown>
  if (node instanceof Error) walkErrorInstance(node, depth, acc)

  // Host retry status: {type:"retry", attempt, message, next, action?}
  if (o.type === "retry" && (typeof o.attempt === "number" || typeof o.next === "number")) {
    acc.retry = {
      attempt: typeof o.attempt === "number" ? o.attempt : undefined,
      next: typeof o.next === "number" ? o.next : undefined,
      actionReason: isRecord(o.action) && typeof o.action.reason === "string" ? o.action.reason : undefined,
    }
    if (acc.retry.actionReason) addMarker(acc, acc.retry.actionReason)
  }

  // session.error / message.updated wrappers
  if (isRecord(o.properties)) walk(o.properties.error ?? (isRecord(o.properties.info) ? o.properties.info.error : undefined) ?? o.properties.status, depth + 1, acc)

  const name = o.name
  if (typeof name === "string" && !GENERIC_NAMES.has(name.toLowerCase()) && name.length < 80) {
    acc.names.push(name)
    addMarker(acc, name)
  }

  for (const k of ["statusCode", "status_code", "httpStatus", "http_status", "status"]) {
    const v = o[k]
    const num = typeof v === "number" ? v : typeof v === "string" && /^\d{3}$/.test(v) ? Number(v) : NaN
    if (num >= 100 && num <= 599) acc.statuses.push(num)
    else if (k === "status" && typeof v === "string" && /^[A-Z_]{3,40}$/.test(v)) {
      acc.types.push(v)
      addMarker(acc, v)
    }
  }

  const code = o.code ?? o.error_code ?? o.errorCode
  if (typeof code === "number") {
    if (code >= 100 && code <= 599) acc.statuses.push(code)
    else {
      acc.codes.push(String(code))
      addMarker(acc, String(code))
    }
  } else if (typeof code === "string" && code.length < 80) {
    if (/^\d{3}$/.test(code) && Number(code) >= 100 && Number(code) <= 599) acc.statuses.push(Number(code))
    else {
      acc.codes.push(code)
      addMarker(acc, code)
    }
  }

  const type = o.type
  if (typeof type === "string" && type !== "error" && type !== "retry" && type.length < 80 && !type.includes(".") && !isPartType(type)) {
    acc.types.push(type)
    addMarker(acc, type)
  }
  for (const k of ["reason", "error_type", "errorType", "@type", "quotaId", "quotaMetric"]) {
    const v = o[k]
    if (typeof v === "string" && v.length < 160) {
      addMarker(acc, v)
      addText(acc, v)
    }
  }

  if (typeof o.isRetryable === "boolean" && acc.isRetryable === undefined) acc.isRetryable = o.isRetryable

  const headers = o.responseHeaders ?? o.headers
  if (isRecord(headers)) acc.headers = lowerHeaders(headers, acc.headers)

  if (typeof o.responseBody === "string" && acc.body === undefined) acc.body = o.responseBody

  collectHints(o, acc)

  for (const k of MESSAGE_KEYS) {
    const v = o[k]
    if (typeof v === "string") walkString(v, depth, acc, true)
  }
  // `error` as a bare string is a message; as an object it nests.
  for (const k of NEST_KEYS) {
    const v = o[k]
    if (v === undefined || v === null) continue
    if (typeof v === "string") walkString(v, depth, acc, k === "error")
    else if (typeof v === "object") walk(v, depth + 1, acc)
  }
  if (isRecord(o.violations) || Array.isArray(o.violations)) walk(o.violations, depth + 1, acc)
  // Other short string fields of an error object still say something (remedy hints, limit names); ids and
  // links do not. Only objects that look like an error are read this way (enumerating keys costs their number).
  if (!looksLikeError(o)) return
  let keys = 0
  for (const k in o) {
    if (++keys > MAX_KEYS) break
    const v = o[k]
    if (typeof v === "string" && v.length < 600 && !KNOWN_KEYS.has(k) && !SKIP_TEXT_KEY.test(k)) addText(acc, v)
  }
}

const looksLikeError = (o: Record<string, unknown>) =>
  o.message !== undefined || o.error !== undefined || o.code !== undefined || o.type !== undefined || o.status !== undefined || o.detail !== undefined || o.reason !== undefined || o.msg !== undefined

const KNOWN_KEYS = new Set([...MESSAGE_KEYS, ...NEST_KEYS, "name", "type", "code", "status", "reason", "error_type", "errorType", "@type", "quotaId", "quotaMetric", "error_code", "errorCode"])
const SKIP_TEXT_KEY = /(?:^|_)id$|Id$|ID$|url|uri|link|href|request|trace|param|path|created|time|object|model$|sessionID|messageID/i

function walkErrorInstance(e: Error, depth: number, acc: Acc) {
  if (e.name && e.name !== "Error") {
    acc.names.push(e.name)
    addMarker(acc, e.name)
  }
  if (typeof e.message === "string") walkString(e.message, depth, acc, true)
  const cause = (e as { cause?: unknown }).cause
  if (cause !== undefined) walk(cause, depth + 1, acc)
}

function collectHints(o: Record<string, unknown>, acc: Acc) {
  const h = acc.hints
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined)
  if (h.retryAfterMs === undefined) h.retryAfterMs = num(o.retry_after_ms ?? o.retryAfterMs)
  if (h.retryAfterSec === undefined) h.retryAfterSec = num(o.retry_after ?? o.retryAfter ?? o.resets_in_seconds ?? o.reset_in_seconds ?? o.retry_after_seconds)
  if (h.resetAt === undefined) {
    const v = o.resets_at ?? o.reset_at ?? o.resetAt ?? o.resetsAt ?? o.quotaResetTimeStamp
    // A number too large to represent (1e400 parses as Infinity) still says "far away"; the wait caps it.
    if (typeof v === "number" && (Number.isFinite(v) || v === Infinity) && v > 0) h.resetAt = v
    else if (typeof v === "string" && v.length < 64) h.resetAt = /^\d+(\.\d+)?$/.test(v) ? Number(v) : v
  }
  if (h.loadEtaSec === undefined) h.loadEtaSec = num(o.estimated_time)
  if (h.retryDelay === undefined) {
    const d = o.retryDelay ?? o.quotaResetDelay
    if (typeof d === "string" && d.length < 32) h.retryDelay = d
  }
}

/** Header names lower-cased; headers already seen (the response's own) win over ones found deeper. */
function lowerHeaders(h: Record<string, unknown>, into?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = into ?? {}
  let n = 0
  for (const k in h) {
    if (++n > 64) break
    const v = h[k]
    const key = k.toLowerCase()
    if ((typeof v === "string" || typeof v === "number") && out[key] === undefined) out[key] = String(v)
  }
  return out
}

const PART_TYPES = new Set(["text", "tool", "reasoning", "step-start", "step-finish", "file", "agent", "subtask", "snapshot", "patch", "compaction", "idle", "busy"])
function isPartType(t: string) {
  return PART_TYPES.has(t)
}

const STATUS_TEXTS = new Set([
  "bad request",
  "unauthorized",
  "payment required",
  "forbidden",
  "not found",
  "too many requests",
  "internal server error",
  "bad gateway",
  "service unavailable",
  "gateway timeout",
])

/** The deepest specific message wins; a bare HTTP reason phrase only when nothing better exists. */
function pickMessage(acc: Acc): string {
  let best = ""
  for (const m of acc.messages) {
    // reason phrases are short: a long message is never one (and lower-casing it costs its length)
    if (m.length <= 24 && STATUS_TEXTS.has(m.toLowerCase().replace(/[.:]$/, ""))) continue
    best = m
  }
  return best || acc.messages[0] || acc.texts[0] || acc.names[0] || ""
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}
