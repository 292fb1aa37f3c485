// The secret shapes issue 13 found passing redaction into the state file and `explain`.
import { expect, test } from "bun:test"
import { classifyFailure } from "./classify.ts"
import { redact } from "./redact.ts"

const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

test.each([
  ["AWS secret as key=value", `aws_secret_access_key=${AWS_SECRET}`, AWS_SECRET],
  ["AWS secret in JSON", `{"AWS_SECRET_ACCESS_KEY": "${AWS_SECRET}"}`, "bPxRfiCYEXAMPLEKEY"],
  ["AWS secret next to wording", `The AWS secret key ${AWS_SECRET} does not match`, "K7MDENG"],
  ["AWS signature error with the secret", `SignatureDoesNotMatch: calculated with secret ${AWS_SECRET.replace(/\//g, "+")}`, "bPxRfiCYEXAMPLEKEY"],
  ["32-character hex key", "invalid api credentials 9f86d081884c7d659a2feaa0c55ad015 for project", "9f86d081884c7d659a2feaa0c55ad015"],
  ["32-character base62 key", "key Xk3mP9qR2sT7vW1yZ4aB6cD8eF0gH5jK rejected", "Xk3mP9qR2sT7vW1yZ4aB6cD8eF0gH5jK"],
  ["Hugging Face token", "Authorization failed for hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345"],
  ["bearer in a header dump", 'headers: {"authorization":"Bearer abcdefgh.ijklmnop-qrst"}', "abcdefgh.ijklmnop-qrst"],
  ["raw Authorization value", "Authorization: 0123456789abcdefXYZ", "0123456789abcdefXYZ"],
  ["x-api-key header", "x-api-key: 7d8e9f0a1b2c3d4e", "7d8e9f0a1b2c3d4e"],
  ["unsigned JWT", "token eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. rejected", "eyJzdWIiOiIxIn0"],
  ["short JWT signature", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln expired", "eyJzdWIiOiIxMjMifQ"],
])("%s", (_name, text, secret) => {
  const out = redact(text)
  expect(out).not.toContain(secret)
  expect(out).toContain("redacted")
})

test.each([
  "model claude-3-5-sonnet-20241022 not found",
  "deepseek-r1-distill-qwen-32b is overloaded",
  "request 123e4567-e89b-12d3-a456-426614174000 failed",
  "You exceeded your current quota, please check your plan and billing details.",
  "meta-llama/Llama-3.3-70B-Instruct-Turbo is not available",
])("ordinary text survives: %s", (text) => {
  expect(redact(text)).toBe(text)
})

test("the failure message every consumer stores or prints is redacted", () => {
  const f = classifyFailure({ error: { message: `Invalid token hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345 and aws_secret_access_key=${AWS_SECRET}`, type: "authentication_error" } })
  expect(f.message).not.toContain("hf_AbCd")
  expect(f.message).not.toContain("EXAMPLEKEY")
})
