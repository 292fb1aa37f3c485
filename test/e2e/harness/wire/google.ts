// Google Gemini (served by @ai-sdk/google): `POST /v1beta/models/<id>:streamGenerateContent?alt=sse` (unnamed
// SSE frames, each a GenerateContentResponse; the last carries finishReason and usageMetadata) and
// `:generateContent` (one JSON answer). The model id is in the path, not the body.
// Sources: https://ai.google.dev/api/generate-content, https://ai.google.dev/gemini-api/docs/troubleshooting
// (error shape {error:{code,message,status,details}}: 400 INVALID_ARGUMENT, 404 NOT_FOUND, 429
// RESOURCE_EXHAUSTED, 503 UNAVAILABLE "The model is overloaded"), https://ai.google.dev/gemini-api/docs/rate-limits,
// and bodies quoted in public bug reports: the 400 "API key not valid" with ErrorInfo API_KEY_INVALID, the
// 429 QuotaFailure violations whose quotaId names the window (GenerateRequestsPerMinutePerProjectPerModel-FreeTier
// vs GenerateRequestsPerDayPerProjectPerModel-FreeTier; a per-day violation still carries a short
// RetryInfo.retryDelay and "Please retry in …s"), the 429 "Your prepayment credits are depleted", and an
// error object sent inside the SSE stream after the 200 (googleapis/js-genai#461).
import type { ServerResponse } from "node:http"
import { deltas, fakeId, frame, json, startSse, writeDeltas } from "./sse.ts"
import type { ErrorKind, ErrorReply, ParsedRequest, ToolCall, Wire, ReplyOptions } from "./types.ts"

type Part = { text?: string; functionCall?: unknown; functionResponse?: { name?: string; response?: Record<string, unknown> } }
type Content = { role?: string; parts?: Part[] }

const MODEL_PATH = /\/models\/([^/:]+):(streamGenerateContent|generateContent)$/

export function isGooglePath(path: string): boolean {
  return MODEL_PATH.test(path)
}

function resultText(p: Part): string {
  const r = p.functionResponse?.response
  if (!r) return ""
  const v = r.content ?? r.output ?? r.result
  return typeof v === "string" ? v : JSON.stringify(v ?? r)
}

function parse(body: any, path: string): ParsedRequest {
  const m = MODEL_PATH.exec(path)
  const contents: Content[] = Array.isArray(body?.contents) ? body.contents : []
  const out: ParsedRequest = {
    model: m ? decodeURIComponent(m[1]!) : "",
    stream: m?.[2] === "streamGenerateContent",
    roles: body?.systemInstruction ? ["system"] : [],
    userTexts: [],
    assistantTexts: [],
    toolResults: [],
    trailingToolResults: [],
    toolNames: (Array.isArray(body?.tools) ? body.tools : []).flatMap((t: { functionDeclarations?: Array<{ name?: string }> }) =>
      (t?.functionDeclarations ?? []).map((d) => String(d?.name)),
    ),
  }
  contents.forEach((c, i) => {
    const parts = c.parts ?? []
    const text = parts.map((p) => p.text ?? "").join("")
    if (c.role === "model") {
      out.roles.push("assistant")
      out.assistantTexts.push(text)
      return
    }
    const results = parts.filter((p) => p.functionResponse).map(resultText)
    for (const r of results) {
      out.roles.push("tool")
      out.toolResults.push(r)
    }
    if (results.length && i === contents.length - 1 && !text) out.trailingToolResults = results
    if (text || !results.length) {
      out.roles.push("user")
      out.userTexts.push(text)
    }
  })
  return out
}

function chunk(model: string, responseId: string, parts: Part[], finishReason?: string) {
  return {
    candidates: [{ content: { parts, role: "model" }, ...(finishReason ? { finishReason } : {}), index: 0 }],
    usageMetadata: finishReason ? { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 } : { promptTokenCount: 11, totalTokenCount: 11 },
    modelVersion: model,
    responseId,
  }
}

async function reply(res: ServerResponse, model: string, stream: boolean, o: ReplyOptions) {
  const id = fakeId("")
  if (!stream) {
    json(res, 200, chunk(model, id, [{ text: o.text }], "STOP"))
    return
  }
  startSse(res)
  const ds = deltas(o.text)
  let i = 0
  if (!(await writeDeltas(res, ds, o, (d) => res.write(frame(chunk(model, id, [{ text: d }], ++i === ds.length ? "STOP" : undefined)))))) return
  res.end()
}

function toolCalls(res: ServerResponse, model: string, stream: boolean, calls: ToolCall[]) {
  const body = chunk(model, fakeId(""), calls.map((c) => ({ functionCall: { name: c.name, args: c.args } })), "STOP")
  if (!stream) return json(res, 200, body)
  startSse(res)
  res.end(frame(body))
}

/** A few chunks, then an error object in the stream (default: 500 INTERNAL) and the stream ends. */
function midstream(res: ServerResponse, model: string, text: string, error?: Record<string, unknown>) {
  const id = fakeId("")
  startSse(res)
  for (const d of deltas(text)) res.write(frame(chunk(model, id, [{ text: d }])))
  res.end(
    frame({
      error: error ?? {
        code: 500,
        message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        status: "INTERNAL",
      },
    }),
  )
}

const HELP = { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] }

/** A free-tier request quota violation; `window` picks the quotaId (per minute or per day). */
function quotaExceeded(model: string, window: "Minute" | "Day", limit: number, retrySec: number): ErrorReply {
  const seconds = window === "Day" ? retrySec + 0.2 : retrySec
  return {
    status: 429,
    body: {
      error: {
        code: 429,
        message: `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: ${limit}, model: ${model}\nPlease retry in ${seconds}s.`,
        status: "RESOURCE_EXHAUSTED",
        details: [
          HELP,
          {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            violations: [
              {
                quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                quotaId: `GenerateRequestsPer${window}PerProjectPerModel-FreeTier`,
                quotaDimensions: { location: "global", model },
                quotaValue: String(limit),
              },
            ],
          },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${Math.floor(retrySec)}s` },
        ],
      },
    },
  }
}

function error(kind: ErrorKind, model: string, o: { retryAfterSec?: number } = {}): ErrorReply {
  switch (kind) {
    case "credits":
      return {
        status: 429,
        body: {
          error: {
            code: 429,
            message: "Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.",
            status: "RESOURCE_EXHAUSTED",
          },
        },
      }
    case "auth":
      // Gemini answers a bad API key with 400 INVALID_ARGUMENT (not 401), reason API_KEY_INVALID.
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            message: "API key not valid. Please pass a valid API key.",
            status: "INVALID_ARGUMENT",
            details: [
              { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } },
              { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
            ],
          },
        },
      }
    case "missing":
      return {
        status: 404,
        body: {
          error: {
            code: 404,
            message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
            status: "NOT_FOUND",
          },
        },
      }
    case "quota":
      // The daily request cap: the retry hint is short and does not mean the quota is back.
      return quotaExceeded(model, "Day", 20, 41)
    case "rate-limit":
      return quotaExceeded(model, "Minute", 10, o.retryAfterSec ?? 1)
    case "overloaded":
      return { status: 503, body: { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } } }
  }
}

export const google: Wire = { protocol: "google", parse, error, reply, toolCalls, midstream }
