// Error text that is not clean JSON: statuses written into prose, HTML pages, typographic quotes, class names.
import { describe, expect, test } from "bun:test"
import { extractErrorFacts } from "./error.ts"
import { asciiQuotes, htmlText, statusFromText } from "./error-text.ts"

describe("status codes written into text", () => {
  const cases: Array<[string, number | undefined]> = [
    ["Error code: 429 - {'error': {}}", 429],
    ["API Error: 403 <!DOCTYPE html>", 403],
    ["API Error (520 <!DOCTYPE html>", 520],
    ["MistralLeChat error: ((HTTP/2 429) Could not parse HTTP response.)", 429],
    ["FailoverError: 500 '>' not supported between instances of 'NoneType' and 'int'", 500],
    ["upstream_status: HTTP 400; cause: Invalid schema", 400],
    ["Bad gateway The web server reported a bad gateway error. Error reference number: 502", 502],
    ["api.example.com | 524: A timeout occurred", 524],
    ["Message: 429 status code (no body). Please try again later.", 429],
    ["401 Authorization Required", 401],
    ["[503] The request queue is full", 503],
    ["Request failed with status code 504", 504],
    ["Rate limit reached for gpt-4o in organization org-1234: Limit 5000, Used 4990", undefined],
    ["see https://example.com/errors/429-help for details", undefined],
  ]
  for (const [text, status] of cases) test(JSON.stringify(text), () => expect(statusFromText(text)).toBe(status))
})

describe("HTML error pages", () => {
  test("title and visible text, without scripts, styles, comments or tags", () => {
    const html = "<!DOCTYPE html><html><head><title>Just a moment...</title><style>body{color:red}</style><script>var x = '<b>no</b>'</script></head><body><!-- c --><h1>Checking your browser</h1><p>Enable JavaScript&nbsp;and cookies</p></body></html>"
    expect(htmlText(html)).toBe("Just a moment... Checking your browser Enable JavaScript and cookies")
  })
  test("code blocks in any case, several of them, and one left open by a cut page", () => {
    const page = "<html><head><title>503 Service Unavailable</title><SCRIPT type=x>a<b</SCRIPT ><style>p{}</style></head><body><p>upstream busy</p><script>var s = 1"
    expect(htmlText(page)).toBe("503 Service Unavailable upstream busy")
    expect(htmlText("<p>one</p><style>x{}</style><p>two</p><script>y()</script><p>three</p>")).toBe("one two three")
    // a closing tag of the other kind does not end a block
    expect(htmlText("<p>a</p><style>x{}</script>still css</style><p>b</p>")).toBe("a b")
    // a custom element named like a code block is visible text; a comment never opens a block
    expect(htmlText("<p>a</p><script-loader>b</script-loader><p>c</p>")).toBe("a b c")
    expect(htmlText("<p>a</p><!-- <script src=x.js> --><p>b</p><!-- cut")).toBe("a b")
  })
  test("a page becomes the message and its status is read from the title", () => {
    const f = extractErrorFacts("<html>\n<head><title>401 Authorization Required</title></head>\n<body><center><h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>")
    expect(f.statusCode).toBe(401)
    expect(f.message).toContain("401 Authorization Required")
    expect(f.text).not.toContain("<")
  })
  test("a prefix before the page is kept", () => {
    const f = extractErrorFacts("API Error: 403 <!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>")
    expect(f.statusCode).toBe(403)
    expect(f.text).toContain("Sorry, you have been blocked")
  })
})

describe("other text shapes", () => {
  test("typographic quotes are made ASCII, so the body parses", () => {
    expect(asciiQuotes("“a” ‘b’ «c»")).toBe(`"a" 'b' "c"`)
    const f = extractErrorFacts("{“error”: {“type”: “insufficient_quota”, “message”: “You exceeded your current quota”}}")
    expect(f.markers).toContain("insufficient_quota")
    expect(f.message).toBe("You exceeded your current quota")
  })
  test("exception class names in text become markers", () => {
    const f = extractErrorFacts("botocore.errorfactory.ThrottlingException: An error occurred (ThrottlingException): Too many tokens")
    expect(f.markers).toContain("throttlingexception")
    const g = extractErrorFacts("openai.NotFoundError: Error code: 404 - {'error': {'message': 'The model `x` does not exist', 'code': 'model_not_found'}}")
    expect(g.markers).toEqual(expect.arrayContaining(["notfounderror", "model_not_found"]))
    expect(g.statusCode).toBe(404)
  })
  test("a trailing SSE frame is read", () => {
    const f = extractErrorFacts('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')
    expect(f.markers).toContain("overloaded_error")
  })
  test("reading is bounded whatever the size: a 1 MB body keeps a bounded text and a bounded message", () => {
    const f = extractErrorFacts({ name: "APIError", data: { statusCode: 500, message: "x".repeat(1_000_000), responseBody: "y".repeat(1_000_000) } })
    expect(f.text.length).toBeLessThanOrEqual(4100)
    expect(f.message.length).toBeLessThanOrEqual(2000)
  })
})
