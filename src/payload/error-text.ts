// Reading error text that is not clean JSON: HTML error pages (a proxy, a CDN, a challenge page), typographic
// quotes, and status codes written into prose ("API Error: 403", "HTTP/2 429", an HTML title "401 Authorization
// Required"). Total and bounded: callers pass strings already cut to a few thousand characters.

/** The most text kept from one HTML page. */
const MAX_HTML_TEXT = 4000

export const TYPOGRAPHIC = /[\u2018\u2019\u201c\u201d\u00ab\u00bb]/
/** Typographic quotes → ASCII, so bodies pasted through a word processor still parse and match. */
export function asciiQuotes(s: string): string {
  return s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
}

/** The title and visible text of an HTML page, whitespace collapsed (scripts and styles dropped). */
export function htmlText(html: string): string {
  const title = /<title[^>]*>([^<]{0,200})<\/title>/i.exec(html)?.[1]?.trim()
  const body = withoutCode(withoutComments(html))
    .replace(/<[^<>]{0,2000}>/g, " ")
    .replace(/&nbsp;|&#160;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&bull;|&middot;/g, "·")
    .replace(/\s+/g, " ")
    .trim()
  if (!body && !title) return ""
  return title && !body.startsWith(title) ? `${title} · ${body}`.slice(0, MAX_HTML_TEXT) : body.slice(0, MAX_HTML_TEXT)
}

/** The page without its comments (first: a comment may hold an unclosed tag); an unclosed one runs to the end. */
function withoutComments(html: string): string {
  let at = html.indexOf("<!--")
  if (at < 0) return html
  const kept: string[] = []
  let from = 0
  while (at >= 0) {
    kept.push(html.slice(from, at))
    const end = html.indexOf("-->", at + 4)
    if (end < 0) return kept.join(" ")
    from = end + 3
    at = html.indexOf("<!--", from)
  }
  kept.push(html.slice(from))
  return kept.join(" ")
}

const CODE_OPEN = /<(script|style)(?=[\s/>])/gi
const CODE_CLOSE = { script: /<\/script\s*>/gi, style: /<\/style\s*>/gi }
/**
 * The page without its scripts and styles, in one pass: each block is skipped to its closing tag (an
 * unclosed one, as in a cut page, runs to the end). A lazy regex over the whole page costs a scan per block.
 */
function withoutCode(html: string): string {
  CODE_OPEN.lastIndex = 0
  let m = CODE_OPEN.exec(html)
  if (!m) return html
  const kept: string[] = []
  let from = 0
  while (m) {
    kept.push(html.slice(from, m.index))
    const close = CODE_CLOSE[m[1]!.toLowerCase() as keyof typeof CODE_CLOSE]
    close.lastIndex = m.index + m[0].length
    const end = close.exec(html)
    if (!end) return kept.join(" ")
    from = end.index + end[0].length
    CODE_OPEN.lastIndex = from
    m = CODE_OPEN.exec(html)
  }
  kept.push(html.slice(from))
  return kept.join(" ")
}

const REASON_PHRASE: ReadonlyArray<[RegExp, number]> = [
  [/^bad request\b/i, 400],
  [/^unauthorized\b/i, 401],
  [/^payment required\b/i, 402],
  [/^forbidden\b/i, 403],
  [/^not found\b/i, 404],
  [/^request timeout\b/i, 408],
  [/^payload too large\b/i, 413],
  [/^too many requests\b/i, 429],
  [/^internal server error\b/i, 500],
  [/^bad gateway\b/i, 502],
  [/^service unavailable\b/i, 503],
  [/^gateway timeout\b/i, 504],
]

/**
 * Status codes written into text: "Error code: 429", "429 You exceeded", "[503]", "status code 503", "HTTP 502",
 * "HTTP/2 429", "API Error: 403", "API Error (520 …", "Error reference number: 502" (Cloudflare), an HTML title
 * ("401 Authorization Required", "host | 520: …"), or the host's "<reason phrase>: <body>" rewrite.
 */
export function statusFromText(text: string): number | undefined {
  if (!text) return undefined
  const head = text.length > 2000 ? text.slice(0, 2000) : text
  for (const [re, code] of REASON_PHRASE) if (re.test(head)) return code
  const m =
    /(?:error code|status[ _]?code|status|http(?: status)?(?: code)?|statuscode)\s*[:=]?\s*(?:[a-z ]*?\s)?\(?([1-5]\d\d)\b/i.exec(head) ??
    /\bhttp\/\d(?:\.\d)?\s+([1-5]\d\d)\b/i.exec(head) ??
    /\[([1-5]\d\d)\]/.exec(head) ??
    /^\s*([1-5]\d\d)(?=[\s:,-])/.exec(head) ??
    /(?:error|exception):?\s*\(?\s*([1-5]\d\d)(?=[\s:,)\]<{-]|$)/i.exec(head) ??
    /\berror reference number:?\s*([1-5]\d\d)\b/i.exec(head) ??
    /\|\s*([1-5]\d\d):\s/.exec(head) ??
    /\b([1-5]\d\d)\s+status code\b/i.exec(head) ??
    /\(([1-5]\d\d)\s+[A-Z][a-z]/.exec(head)
  const n = m ? Number(m[1]) : NaN
  return n >= 100 && n <= 599 ? n : undefined
}

