import { expect, test } from "bun:test"
import { redact } from "./redact.ts"

test.each([
  ["OpenAI key", "Incorrect API key provided: sk-proj-AbCdEf1234567890xyz", "sk-proj-AbCdEf1234567890xyz"],
  ["masked key still redacted", "key sk-proj-****MxYA rejected", "sk-proj-****MxYA"],
  ["Anthropic key", "x-api-key sk-ant-api03-abcdefghijklmnopqrstuv", "sk-ant-api03-abcdefghijklmnopqrstuv"],
  ["Google key", "key=AIzaSyA1234567890abcdefghijklmnopqrs invalid", "AIzaSyA1234567890abcdefghijklmnopqrs"],
  ["GitHub token", "token ghp_abcdefghijklmnopqrstuvwxyz0123 expired", "ghp_abcdefghijklmnopqrstuvwxyz0123"],
  ["bearer", "Authorization: Bearer abc.def-ghi_jkl123456", "abc.def-ghi_jkl123456"],
  ["JWT", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl", "eyJhbGciOiJIUzI1NiJ9"],
  ["email", "contact jane.doe+ops@example.co.uk for access", "jane.doe+ops@example.co.uk"],
  ["url key param", "GET https://x.example/v1?key=supersecretvalue&alt=json", "supersecretvalue"],
  ["AWS key id", "The security token AKIAIOSFODNN7EXAMPLE is invalid", "AKIAIOSFODNN7EXAMPLE"],
])("%s", (_name, text, secret) => {
  const out = redact(text)
  expect(out).not.toContain(secret)
  expect(out).toContain("redacted")
})

test("ordinary words, numbers and model names survive", () => {
  expect(redact("Rate limit reached for gpt-4o on tokens per min: Limit 10000, Requested 3082")).toBe("Rate limit reached for gpt-4o on tokens per min: Limit 10000, Requested 3082")
})

test("capped and single-line", () => {
  const out = redact("a\n\n b " + "x ".repeat(500), 50)
  expect(out.length).toBeLessThanOrEqual(50)
  expect(out).not.toContain("\n")
})

test("long opaque runs are redacted, long runs of one letter are not, and emails are found from their @", () => {
  expect(redact("token 9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928 rejected")).toBe("token [redacted] rejected")
  expect(redact("y".repeat(60))).toBe("y".repeat(60))
  expect(redact("owner: " + "a".repeat(10_000) + " ops@example.com", 50_000)).not.toContain("ops@example.com")
  expect(redact("mail to first.last@sub.example.org now")).toBe("mail to [redacted-email] now")
  expect(redact("not an email: user@localhost or @handle")).toBe("not an email: user@localhost or @handle")
})

test("whitespace is collapsed before the cap, so a secret after a long gap is still redacted", () => {
  const out = redact("key:" + " ".repeat(1_500) + "sk-proj-abcdefghijklmnop1234 denied")
  expect(out).not.toContain("abcdefghijklmnop1234")
  expect(out).toContain("[redacted-key]")
})
