import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { compileLinear } from "./regex-nfa.ts"
import { parseRegex } from "./regex-syntax.ts"

const linear = (p: string) => {
  const r = compileLinear(p)
  if (!r.ok) throw new Error(`${p}: ${r.error}`)
  return r.regex
}

describe("linear-time matcher agrees with RegExp (flag i)", () => {
  test.each([
    ["quota.*exceeded", "Your QUOTA has been exceeded", true],
    ["^weird-(\\d+)$", "weird-42", true],
    ["^weird-(\\d+)$", "weird-42x", false],
    ["\\bkey\\b", "bad key!", true],
    ["\\bkey\\b", "monkeys", false],
    ["[^a-c]x", "ax bx dx", true],
    ["a{2,3}b", "aab", true],
    ["a{2,3}b", "ab", false],
    ["(?:foo|bar)+baz", "foobarfoobaz", true],
    ["(?<n>x)y", "XY", true],
    ["[\\d-x]", "-", true],
    ["\\x41\\u0042\\cJ", "ab\n", true],
    ["", "anything", true],
    ["a|", "zzz", true],
    ["[]", "a", false],
    ["[^]", "a", true],
    ["\\S+@\\S+", "me@x", true],
    ["\\u017f", "s", false],
  ])("/%s/i on %j", (p, text, expected) => {
    expect(new RegExp(p, "i").test(text)).toBe(expected)
    expect(linear(p).test(text)).toBe(expected)
  })

  test("random patterns and texts", () => {
    const atom = fc.constantFrom("a", "b", "A", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "\\W", "-", "1", " ", "\\b", "^", "$", "[a-c1]", "\\.", "x")
    const pattern: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
      p: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        atom,
        fc.tuple(tie("p"), tie("p")).map(([a, b]) => a + b),
        fc.tuple(tie("p"), tie("p")).map(([a, b]) => `(?:${a}|${b})`),
        fc.tuple(tie("p"), fc.constantFrom("*", "+", "?", "{2}", "{1,3}", "{0,}", "*?")).map(([a, q]) => `(${a})${q}`),
      ),
    })).p
    const text = fc.stringMatching(/^[abAB1 .x-]{0,12}$/)
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        let native: boolean
        try {
          native = new RegExp(p, "i").test(t)
        } catch {
          return true
        }
        const c = compileLinear(p)
        if (!c.ok) return true
        return c.regex.test(t) === native
      }),
      { numRuns: 3_000, seed: 1313 },
    )
  }, 60_000)
})

describe("what the parser refuses", () => {
  test.each([
    ["(a)\\1", "back-reference"],
    ["(?=a)b", "lookaround"],
    ["(?<!a)b", "lookaround"],
    ["a{1000}", "counted repeat"],
    ["(", "invalid regular expression"],
    ["\\u{41}", "u flag"],
  ])("%s", (p, why) => {
    const r = parseRegex(p)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(why)
  })
  test("a program too large once repeats expand", () => {
    const r = compileLinear("(?:(?:a{50}){50})")
    expect(r.ok).toBe(false)
  })
})

test("catastrophic shapes run in steps proportional to the text", () => {
  // (a+)+$ on "aaaa…!" backtracks exponentially in RegExp; here it is one pass.
  const text = "a".repeat(5_000) + "!"
  for (const p of ["(a+)+$", "^(a|a)*$", "a*a*a*a*b", "^(\\w+\\s?)*$"]) expect(linear(p).test(text)).toBe(false)
  expect(linear("^(.*)*$").test(text)).toBe(true)
  expect(linear("(a+)+!").test(text)).toBe(true)
})
