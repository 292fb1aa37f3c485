// Structured logging through the host (`client.app.log`) and notices (`client.tui.showToast`). Both are
// fire-and-forget and total: a failing host call is swallowed (reported once to stderr), never thrown.
// Messages carry the plugin name because the host log drops the service name. Never pass prompt text or
// secrets here: callers log ids, model names, codes and redacted failure messages only.
import { appendFileSync } from "node:fs"
import type { HostClient, LogBody, ToastBody } from "./client.ts"
import { redact } from "../failure/redact.ts"

export const SERVICE = "runtime-fallback"
export const PREFIX = "runtime-fallback"

export type Level = LogBody["level"]

export type Logger = {
  log(level: Level, message: string, extra?: Record<string, unknown>): void
  /** `session` only attributes the notice in the trace; the host's toast has no session. */
  toast(variant: ToastBody["variant"], message: string, opts?: { title?: string; session?: string; durationMs?: number }): void
  /** Logs a caught error once per `key` (later ones at debug level). */
  errorOnce(key: string, message: string, error: unknown): void
  /** Decision trace for tests and debugging (ids, kinds and codes only). */
  trace(record: Record<string, unknown>): void
  /** True when a trace file is configured (callers skip building trace records otherwise). */
  readonly tracing: boolean
}

export type LoggerOptions = {
  client: Pick<HostClient, "app" | "tui">
  directory?: string
  debug?: boolean
  /** JSONL file for the decision trace (tests set ORF_TRACE_FILE). */
  traceFile?: string
  now?: () => number
}

export function createLogger(o: LoggerOptions): Logger {
  const seen = new Set<string>()
  const query = o.directory ? { directory: o.directory } : undefined
  const now = o.now ?? Date.now
  let reportedHostFailure = false
  const swallow = (what: string) => (e: unknown) => {
    if (reportedHostFailure) return
    reportedHostFailure = true
    try {
      console.error(`${PREFIX}: ${what} failed: ${e instanceof Error ? e.message : String(e)}`)
    } catch {}
  }
  const logger: Logger = {
    log(level, message, extra) {
      if (level === "debug" && !o.debug) return
      try {
        const p = o.client.app?.log({ body: { service: SERVICE, level, message: `${PREFIX}: ${message}`, extra }, ...(query ? { query } : {}) })
        if (p && typeof (p as Promise<unknown>).catch === "function") (p as Promise<unknown>).catch(swallow("app.log"))
      } catch (e) {
        swallow("app.log")(e)
      }
    },
    toast(variant, message, opts = {}) {
      const title = opts.title ?? "Runtime fallback"
      if (o.traceFile) logger.trace({ toast: variant, session: opts.session })
      try {
        const p = o.client.tui?.showToast({ body: { title, message, variant, duration: opts.durationMs ?? (variant === "error" ? 10_000 : 6_000) }, ...(query ? { query } : {}) })
        if (p && typeof (p as Promise<unknown>).catch === "function") (p as Promise<unknown>).catch(swallow("tui.showToast"))
      } catch (e) {
        swallow("tui.showToast")(e)
      }
    },
    errorOnce(key, message, error) {
      // A thrown message may quote a request (a key, a token): redacted like a provider message.
      const detail = redact(error instanceof Error ? error.message : String(error))
      const first = !seen.has(key)
      if (first && seen.size < 256) seen.add(key)
      logger.log(first ? "error" : "debug", `${message}: ${detail}`)
    },
    tracing: !!o.traceFile,
    trace(record) {
      if (!o.traceFile) return
      try {
        appendFileSync(o.traceFile, JSON.stringify({ t: now(), ...record }) + "\n")
      } catch {}
    },
  }
  return logger
}
