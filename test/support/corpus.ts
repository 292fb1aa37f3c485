// The development corpus of real provider errors, and the two forms in which the host delivers each one:
//   1. the session.error APIError object the host builds (statusCode, isRetryable as the AI SDK sets it,
//      responseBody, and the message it extracts from the body), or UnknownError when no status is known;
//   2. the bare message string the host's retry status carries.
import { readFileSync } from "node:fs"
import { join } from "node:path"

export type CorpusRow = {
  provider: string
  status: number | null
  body: string
  expected: "retry_same" | "fallback" | "fatal"
  category: string
  source: string
  /** "issue12": collected for issue 12 (dev rows tuned against; held-out rows split off before any rule was written). */
  batch?: string
}

export const CORPUS_PATH = join(import.meta.dir, "..", "..", "..", "shared", "corpus", "provider-errors.dev.jsonl")
export const LOCAL_CORPUS_PATH = join(import.meta.dir, "..", "fixtures", "provider-errors.dev.jsonl")

export function loadCorpus(path = LOCAL_CORPUS_PATH): CorpusRow[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRow)
}

export const EXPECTED_ACTION = { retry_same: "retry", fallback: "fallback", fatal: "stop" } as const

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
}

/** The first non-empty text under message/error/detail/details/msg, reading JSON strings as they come. */
function nestedText(value: unknown): string | undefined {
  if (typeof value === "string") {
    try {
      const inner = JSON.parse(value)
      return inner && typeof inner === "object" ? nestedText(inner) : value
    } catch {
      return value
    }
  }
  if (!value || typeof value !== "object") return undefined
  for (const key of ["message", "error", "detail", "details", "msg"]) {
    const v = (value as Record<string, unknown>)[key]
    const text = typeof v === "string" ? v || undefined : nestedText(v)
    if (text) return text
  }
  return undefined
}

/**
 * The AI SDK (openai-compatible) takes `error.message` from a JSON body, else the status text. OpenRouter's own
 * SDK, as bundled in the host, instead reads the upstream error inside `error.metadata` and writes
 * "[<provider_name>] <upstream message>" (recorded from the real host: test/fixtures/sdk/openrouter-overloaded).
 */
function sdkMessage(provider: string, status: number, body: string): string {
  try {
    const parsed = JSON.parse(body)
    const error = parsed?.error
    if (provider === "openrouter" && typeof error?.message === "string" && error.metadata && typeof error.metadata === "object") {
      const name = typeof error.metadata.provider_name === "string" && error.metadata.provider_name ? [`[${error.metadata.provider_name}]`] : []
      const upstream = nestedText(error.metadata.raw)
      return [...name, upstream && upstream !== error.message ? upstream : error.message].join(" ")
    }
    if (typeof error?.message === "string") return error.message
  } catch {}
  return STATUS_TEXT[status] ?? `HTTP ${status}`
}

/** The host then appends body details when the SDK only had a status text (opencode provider/error.ts). */
function hostMessage(provider: string, status: number, body: string): string {
  const k = sdkMessage(provider, status, body)
  if (k !== STATUS_TEXT[status]) return k
  try {
    const y = JSON.parse(body)
    const w = y.message || y.error || y.error?.message
    if (typeof w === "string") return `${k}: ${w}`
  } catch {}
  return `${k}: ${body}`
}

export function apiErrorForm(row: CorpusRow): unknown {
  if (row.status === null) return { name: "UnknownError", data: { message: row.body } }
  const s = row.status
  return {
    name: "APIError",
    data: {
      message: hostMessage(row.provider, s, row.body),
      statusCode: s,
      isRetryable: s === 408 || s === 409 || s === 429 || s >= 500,
      responseHeaders: { "content-type": "application/json" },
      responseBody: row.body,
    },
  }
}

export function bareStringForm(row: CorpusRow): string {
  return row.status === null ? row.body : hostMessage(row.provider, row.status, row.body)
}

/** The classifier's actions over rows in one form: accuracy, the misses, and transient rows moved to another model. */
export function scoreCorpus(rows: readonly CorpusRow[], make: (r: CorpusRow) => unknown, classify: (input: unknown) => { action: string; code: string; rule: string }) {
  const misses: string[] = []
  const moved: string[] = []
  for (const r of rows) {
    const f = classify(make(r))
    if (f.action !== EXPECTED_ACTION[r.expected]) misses.push(`${r.provider} ${r.status}: expected ${r.expected}, got ${f.action}/${f.code} (${f.rule}) ${r.source}`)
    if (r.expected === "retry_same" && f.action === "fallback") moved.push(`${r.provider}: ${r.source}`)
  }
  return { accuracy: rows.length ? (rows.length - misses.length) / rows.length : 1, misses, moved }
}

export const FORMS = [
  ["session.error APIError object", apiErrorForm],
  ["bare retry-status string", bareStringForm],
] as const
