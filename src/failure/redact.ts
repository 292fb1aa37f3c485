// Failure messages are shown in toasts and logs, so secrets never pass: API keys of every common shape,
// bearer tokens, JWTs, key-bearing URL parameters and email addresses are replaced, and the text is capped.

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:sk|pk|rk)-(?:proj-|ant-(?:api\d{2}-)?|or-v1-|live-|test-)?[A-Za-z0-9_*\-]{8,}/g, "[redacted-key]"],
  [/\bAIza[0-9A-Za-z_\-]{20,}/g, "[redacted-key]"],
  [/\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/g, "[redacted-token]"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, "[redacted-token]"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "[redacted-key]"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, "[redacted-jwt]"],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{8,}/gi, "$1 [redacted]"],
  [/([?&](?:key|api[_-]?key|token|access_token|auth|signature|sig)=)[^&\s"']+/gi, "$1[redacted]"],
  [/((?:api[_ -]?key|token|secret|password)["']?\s*[:=]\s*["']?)[A-Za-z0-9._\-]{8,}/gi, "$1[redacted]"],
  [/[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}/g, "[redacted-email]"],
  // long opaque runs (hex/base64-ish) that are neither words nor numbers
  [/\b(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{40,}\b/g, "[redacted]"],
]

export const MAX_MESSAGE = 240

export function redact(text: string, max = MAX_MESSAGE): string {
  if (typeof text !== "string") return ""
  let out = text.length > 8 * max ? text.slice(0, 8 * max) : text
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep)
  out = out.replace(/\s+/g, " ").trim()
  return out.length > max ? out.slice(0, max - 1).trimEnd() + "…" : out
}
