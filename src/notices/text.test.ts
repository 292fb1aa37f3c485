// The words for entries passed over, and the neighbour notice.
import { describe, expect, test } from "bun:test"
import { renderNotice, skipReason, tokensText } from "./text.ts"

const A = { providerID: "p", modelID: "a" }
const S = { providerID: "q", modelID: "small" }
const T = { providerID: "q", modelID: "text" }

describe("entries passed over", () => {
  test("token counts read short", () => {
    expect([tokensText(900), tokensText(1_500), tokensText(59_904), tokensText(120_000)]).toEqual(["900", "1.5k", "60k", "120k"])
  })
  test("each reason in words", () => {
    expect(skipReason({ model: S, why: { kind: "context", tokens: 100_000, limit: 59_904 } })).toBe("the conversation (100k tokens) does not fit its context window (60k usable)")
    expect(skipReason({ model: T, why: { kind: "attachments", missing: ["image", "pdf"] } })).toBe("it takes no image or pdf input")
    expect(skipReason({ model: T, why: { kind: "tools" } })).toBe("it cannot call tools")
  })
  test("the switch notice names them", () => {
    const text = renderNotice({ type: "switched", from: A, to: T, code: "payment_required", skipped: [{ model: S, why: { kind: "context", tokens: 100_000, limit: 59_904 } }] })
    expect(text).toBe("out of credits on p/a · switched to q/text · skipped q/small: the conversation (100k tokens) does not fit its context window (60k usable)")
  })
  test("when none fits, the exhausted notice says so", () => {
    const text = renderNotice({ type: "exhausted", tried: [{ model: A, code: "payment_required", statusCode: 402 }], noChain: false, skipped: [{ model: T, why: { kind: "tools" } }] })
    expect(text).toBe("No model could answer. Tried: p/a (out of credits 402). No other model of the chain fits this turn: q/text: it cannot call tools.")
  })
  test("without entries passed over, the notices read as before", () => {
    expect(renderNotice({ type: "switched", from: A, to: T, code: "payment_required" })).toBe("out of credits on p/a · switched to q/text")
  })
})

describe("a neighbour that re-sends failed turns", () => {
  test("standing back says who acts and how to choose", () => {
    const text = renderNotice({ type: "neighbour", peer: "oh-my-openagent's runtime_fallback", where: "/h/.omo/omo.jsonc", acting: "peer" })
    expect(text).toContain("this plugin stands back")
    expect(text).toContain("/h/.omo/omo.jsonc")
    expect(text).toContain('"neighbours": "act"')
  })
  test("acting too warns of double re-sends", () => {
    expect(renderNotice({ type: "neighbour", peer: "opencode-fallback", where: 'plugin entry "opencode-fallback"', acting: "both" })).toContain("re-sent twice")
  })
})
