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
