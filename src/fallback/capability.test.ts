// The capability rules, one test each: a model is passed over only for what is known about it and the turn.
import { describe, expect, test } from "bun:test"
import { attachmentKind, OUTPUT_TOKEN_MAX, unfit, usableTokens } from "./capability.ts"

describe("usable tokens, by the host's own overflow rule", () => {
  test("the window less the output the host asks for", () => {
    expect(usableTokens({ context: 64_000, output: 4_096 })).toBe(64_000 - 4_096)
  })
  test("the output asked for is capped at the host's OUTPUT_TOKEN_MAX", () => {
    expect(usableTokens({ context: 200_000, output: 128_000 })).toBe(200_000 - OUTPUT_TOKEN_MAX)
  })
  test("a model without an output limit is asked for OUTPUT_TOKEN_MAX", () => {
    expect(usableTokens({ context: 100_000 })).toBe(100_000 - OUTPUT_TOKEN_MAX)
  })
  test("a stated input limit wins, less a reserve of at most 20k", () => {
    expect(usableTokens({ context: 400_000, input: 272_000, output: 128_000 })).toBe(272_000 - 20_000)
    expect(usableTokens({ context: 400_000, input: 272_000, output: 8_000 })).toBe(272_000 - 8_000)
  })
  test("an unknown or zero window is unknown, never zero", () => {
    expect(usableTokens({})).toBeUndefined()
    expect(usableTokens({ context: 0, output: 4_096 })).toBeUndefined()
  })
  test("a window smaller than the output asked for leaves nothing", () => {
    expect(usableTokens({ context: 2_000, output: 4_096 })).toBe(0)
  })
})

describe("unfit: why a model cannot take the turn", () => {
  test("the conversation is larger than the usable window", () => {
    expect(unfit({ context: 64_000, output: 4_096 }, { tokens: 100_000 })).toEqual({ kind: "context", tokens: 100_000, limit: 59_904 })
  })
  test("a conversation that fits passes", () => {
    expect(unfit({ context: 64_000, output: 4_096 }, { tokens: 59_904 })).toBeUndefined()
  })
  test("nothing known about the model, or about the turn: never ruled out", () => {
    expect(unfit(undefined, { tokens: 10_000_000, attachments: ["image"], tools: true })).toBeUndefined()
    expect(unfit({ context: 1_000, attachment: false, toolcall: false }, undefined)).toBeUndefined()
    expect(unfit({}, { tokens: 10_000_000 })).toBeUndefined()
  })
  test("a file kind the model's modalities refuse", () => {
    expect(unfit({ attachment: true, modalities: { image: false, pdf: true } }, { attachments: ["image", "pdf"] })).toEqual({ kind: "attachments", missing: ["image"] })
  })
  test("without modalities, the attachment flag decides", () => {
    expect(unfit({ attachment: false }, { attachments: ["pdf"] })).toEqual({ kind: "attachments", missing: ["pdf"] })
    expect(unfit({ attachment: true }, { attachments: ["pdf"] })).toBeUndefined()
    expect(unfit({}, { attachments: ["pdf"] })).toBeUndefined()
  })
  test("a modality the model states wins over its attachment flag", () => {
    expect(unfit({ attachment: false, modalities: { image: true } }, { attachments: ["image"] })).toBeUndefined()
  })
  test("tools needed and the model states it cannot call them", () => {
    expect(unfit({ toolcall: false }, { tools: true })).toEqual({ kind: "tools" })
    expect(unfit({ toolcall: false }, { tools: false })).toBeUndefined()
    expect(unfit({}, { tools: true })).toBeUndefined()
  })
  test("the window is checked first", () => {
    expect(unfit({ context: 10_000, output: 1_000, toolcall: false }, { tokens: 50_000, tools: true })?.kind).toBe("context")
  })
})

describe("attachment kinds from MIME types (as the host maps them)", () => {
  test("images, PDFs, audio and video need their modality; other files do not", () => {
    expect(attachmentKind("image/png")).toBe("image")
    expect(attachmentKind("application/pdf")).toBe("pdf")
    expect(attachmentKind("audio/mpeg")).toBe("audio")
    expect(attachmentKind("video/mp4")).toBe("video")
    expect(attachmentKind("text/plain")).toBeUndefined()
    expect(attachmentKind("application/x-directory")).toBeUndefined()
    expect(attachmentKind("application/zip")).toBeUndefined()
    expect(attachmentKind(undefined)).toBeUndefined()
  })
})
