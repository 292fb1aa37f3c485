// The frontmatter forms a chain is written in, as doctor reads them.
import { describe, expect, test } from "bun:test"
import { frontmatterChain } from "./opencode-config.ts"

const md = (fm: string) => `---\n${fm}\n---\nYou help.\n`

describe("fallback_models in an agent's frontmatter", () => {
  test("a block list of strings", () => {
    expect(frontmatterChain(md("description: x\nfallback_models:\n  - fake/one\n  - 'fake/two'\nmode: primary"))).toEqual({ ok: true, value: ["fake/one", "fake/two"] })
  })
  test("a flow list", () => {
    expect(frontmatterChain(md('fallback_models: [fake/one, "fake/two"]'))).toEqual({ ok: true, value: ["fake/one", "fake/two"] })
  })
  test("one string", () => {
    expect(frontmatterChain(md("fallback_models: fake/one"))).toEqual({ ok: true, value: "fake/one" })
  })
  test("maps with model and variant", () => {
    expect(frontmatterChain(md("fallback_models:\n  - model: fake/one\n    variant: high\n  - fake/two"))).toEqual({ ok: true, value: [{ model: "fake/one", variant: "high" }, "fake/two"] })
  })
  test("no frontmatter, or no key: nothing", () => {
    expect(frontmatterChain("You help.")).toBeUndefined()
    expect(frontmatterChain(md("description: x"))).toBeUndefined()
  })
  test("a form doctor does not read says so", () => {
    expect(frontmatterChain(md("fallback_models: [fake/one,\n  fake/two]"))?.ok).toBe(false)
    expect(frontmatterChain(md("fallback_models:\n  - model: fake/one\n    temperature: 1"))?.ok).toBe(false)
  })
})
