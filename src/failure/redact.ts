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
]

/** Emails are found from their "@" and the domain after it; the local part is walked back from there (linear). */
const EMAIL_DOMAIN = /@[A-Za-z0-9.\-]{1,255}\.[A-Za-z]{2,24}/g
const LOCAL_CHAR = /[A-Za-z0-9._%+\-]/

function redactEmails(s: string): string {
  if (!s.includes("@")) return s
  let out = ""
  let last = 0
  for (const m of s.matchAll(EMAIL_DOMAIN)) {
    let start = m.index
    while (start > last && m.index - start < 64 && LOCAL_CHAR.test(s[start - 1]!)) start--
    if (start === m.index) continue
    out += s.slice(last, start) + "[redacted-email]"
    last = m.index + m[0].length
  }
  return out + s.slice(last)
}

/**
 * Opaque runs, checked per run in linear time: 40+ characters that are neither a word nor a number, or 32+
 * with a long mixed letter-and-digit stretch (model names are short hyphenated words).
 */
const OPAQUE_RUN = /(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])/g
function opaque(run: string): string {
  if (run.length >= 40 && /\d/.test(run) && /[A-Za-z]/.test(run)) return "[redacted]"
  return run.split(/[-_]/).some((seg) => seg.length >= 20 && /\d/.test(seg) && /[A-Za-z]/.test(seg)) ? "[redacted]" : run
}

/** In text that talks about AWS or secrets, a 40-character base64 run is a secret access key. */
const AWS_CONTEXT = /\baws|secret|credential|signature/i
const BASE64_RUN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g
const awsSecret = (m: string) => (/[0-9/+]/.test(m) ? "[redacted-key]" : m)

export const MAX_MESSAGE = 240

export function redact(text: string, max = MAX_MESSAGE): string {
  if (typeof text !== "string") return ""
  // Only what can be shown is redacted: whitespace collapsed, then a margin beyond `max` (a redaction can
  // shorten the text), cut at a space so no half of a secret is left at the end for the patterns to miss.
  let out = (text.length > 8 * max ? text.slice(0, 8 * max) : text).replace(/\s+/g, " ").trim()
  if (out.length > 3 * max) {
    const cut = out.lastIndexOf(" ", 3 * max)
    out = out.slice(0, cut > max ? cut : 3 * max)
  }
  if (AWS_CONTEXT.test(out)) out = out.replace(BASE64_RUN, awsSecret)
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep as string)
  out = redactEmails(out).replace(OPAQUE_RUN, opaque)
  return out.length > max ? out.slice(0, max - 1).trimEnd() + "…" : out
}
