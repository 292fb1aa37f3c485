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
]

/** Emails are found from their "@" and the domain after it; the local part is walked back from there. */
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

/** Long opaque runs (hex/base64-ish) that are neither words nor numbers; checked per run, in linear time. */
const OPAQUE_RUN = /\b[A-Za-z0-9_\-]{40,}\b/g
const opaque = (run: string) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? "[redacted]" : run)

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
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep)
  out = redactEmails(out).replace(OPAQUE_RUN, opaque)
  return out.length > max ? out.slice(0, max - 1).trimEnd() + "…" : out
}
