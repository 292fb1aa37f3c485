// Failure messages are shown in toasts and logs and kept in the state file, so secrets never pass: API keys of
// every common shape (OpenAI, Anthropic, Google, GitHub, Hugging Face, Slack, AWS key ids and secret keys, any
// 32+ character opaque key), bearer and other Authorization values, JWTs, key-bearing URL parameters and email
// addresses are replaced, and the text is capped.

const PATTERNS: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // AWS: the secret access key as a key=value (any spelling), before the generic key=value rule cuts it at "/"
  [/(aws_?secret_?access_?key|secret_?access_?key|aws_?secret(?:_?key)?)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi, "$1$2[redacted]"],
  [/\b(?:sk|pk|rk)-(?:proj-|ant-(?:api\d{2}-)?|or-v1-|live-|test-)?[A-Za-z0-9_*\-]{8,}/g, "[redacted-key]"],
  [/\bAIza[0-9A-Za-z_\-]{20,}/g, "[redacted-key]"],
  [/\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/g, "[redacted-token]"],
  [/\bhf_[A-Za-z0-9]{16,}/g, "[redacted-token]"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, "[redacted-token]"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "[redacted-key]"],
  // JWTs, signed or not ("eyJ…" header and payload, optional signature)
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g, "[redacted-jwt]"],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{8,}/gi, "$1 [redacted]"],
  // an Authorization / API-key header with any scheme: "authorization": "xyz…", x-api-key: …
  [/((?:authorization|x-api-key|api-key|x-goog-api-key)["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b|Token\b|\[redacted)[A-Za-z0-9._~+/=\-]{8,}/gi, "$1[redacted]"],
  [/([?&](?:key|api[_-]?key|token|access_token|auth|signature|sig)=)[^&\s"']+/gi, "$1[redacted]"],
  [/((?:api[_ -]?key|token|secret|password)["']?\s*[:=]\s*["']?)(?!\[redacted)[A-Za-z0-9._~+/=\-]{8,}/gi, "$1[redacted]"],
  // (starts only where a run starts: otherwise a long run without "@" is scanned from every position)
  [/(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}/g, "[redacted-email]"],
  // Opaque runs (tested in a callback: lookaheads over long runs are quadratic): 40+ characters that are
  // neither a word nor a number, or 32+ with a long mixed letter-and-digit stretch (model names are short
  // hyphenated words).
  [/(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])/g, (m) => (opaque(m) ? "[redacted]" : m)],
]

function opaque(run: string): boolean {
  if (run.length >= 40 && /\d/.test(run) && /[A-Za-z]/.test(run)) return true
  return run.split(/[-_]/).some((seg) => seg.length >= 20 && /\d/.test(seg) && /[A-Za-z]/.test(seg))
}

/** In text that talks about AWS or secrets, a 40-character base64 run is a secret access key. */
const AWS_CONTEXT = /\baws|secret|credential|signature/i
const BASE64_RUN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g
const awsSecret = (m: string) => (/[0-9/+]/.test(m) ? "[redacted-key]" : m)

export const MAX_MESSAGE = 240

export function redact(text: string, max = MAX_MESSAGE): string {
  if (typeof text !== "string") return ""
  let out = text.length > 8 * max ? text.slice(0, 8 * max) : text
  if (AWS_CONTEXT.test(out)) out = out.replace(BASE64_RUN, awsSecret)
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep as string)
  out = out.replace(/\s+/g, " ").trim()
  return out.length > max ? out.slice(0, max - 1).trimEnd() + "…" : out
}
