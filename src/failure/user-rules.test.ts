// User rules run in bounded time whatever the pattern and whatever the provider sent: the matcher visits at
// most (text length + 1) × program size states, the text is clipped, and the program size is capped, so the
// work per rule has a fixed ceiling. (Wall-clock figures: script/bench/user-rules.ts.)
import { describe, expect, test } from "bun:test"
import { classifyFailure } from "./classify.ts"
import { compileLinear, MAX_PROGRAM } from "./regex-nfa.ts"
import { MAX_RULE_TEXT, userRules } from "./user-rules.ts"

const ADVERSARIAL_PATTERNS = ["(a+)+$", "(a|a)*$", "(.*)*$", "a*a*a*a*a*b", "(\\w+\\s?)*$", "(x+x+)+y", ".*a.*a.*a.*b", "(?:a|aa)+$", "([a-z]+)*!", "(.{1,10}){1,10}$"]
const ADVERSARIAL_TEXTS = ["a".repeat(100_000), "a".repeat(30) + "!", "aa ".repeat(20_000), "x".repeat(50_000) + "z", `{"error":{"message":"${"a".repeat(80_000)}"}}`]

describe("bounded work", () => {
  test.each(ADVERSARIAL_PATTERNS)("%s: visited states within (clipped length + 1) × program size", (p) => {
    const c = compileLinear(p)
    expect(c.ok).toBe(true)
    if (!c.ok) return
    expect(c.regex.size).toBeLessThanOrEqual(MAX_PROGRAM + 1)
    for (const t of ADVERSARIAL_TEXTS) {
      const clipped = t.slice(0, MAX_RULE_TEXT)
      expect(c.regex.steps(clipped)).toBeLessThanOrEqual((clipped.length + 1) * c.regex.size)
    }
  })
  test("classification with adversarial user rules and inputs gives the same answer RegExp would on short inputs", () => {
    const rules = ADVERSARIAL_PATTERNS.map((match) => ({ match, regex: true, code: "overloaded" as const }))
    expect(classifyFailure("aaab", { rules }).code).toBe("overloaded") // a*…b matches
    for (const t of ADVERSARIAL_TEXTS) expect(typeof classifyFailure(t, { rules }).code).toBe("string")
  }, 30_000)
  test("a rule sees at most MAX_RULE_TEXT characters", () => {
    const rules = userRules([{ match: "needle", regex: true, code: "auth" }])
    const facts = (text: string) => ({ e: { text, message: text, markers: [] }, markers: [], text: text.toLowerCase() }) as never
    expect(rules[0]!.test(facts("x".repeat(MAX_RULE_TEXT - 10) + "needle"))).toMatchObject({ kind: "rule" })
    expect(rules[0]!.test(facts("x".repeat(MAX_RULE_TEXT) + "needle"))).toBeUndefined()
  })
  test("unsupported patterns handed to the library directly never match and never throw", () => {
    const rules = [{ match: "(a)\\1", regex: true, code: "auth" as const }, { match: "(", regex: true, code: "auth" as const }]
    expect(classifyFailure("aa (", { rules }).code).not.toBe("auth")
  })
})

describe("a budget for all regex rules together", () => {
  const big = ".?".repeat(150) + "x" // about 300 matcher steps, no nested repeat
  test("rules past the budget are skipped at run time", () => {
    const rules = [big, big, "needle"].map((match) => ({ match, regex: true, code: "auth" as const }))
    expect(userRules(rules).map((r) => r.id)).toEqual(["user.0", "user.2"])
  })
  test("and refused at load, naming the rule", async () => {
    const { configSchema } = await import("../config/schema.ts")
    const r = configSchema.safeParse({ classify: { rules: [big, big].map((match) => ({ match, regex: true, code: "auth" })) } })
    expect(r.success).toBe(false)
    if (!r.success) expect(r.error.issues.map((i) => [i.path.join("."), i.message.includes("too large")])).toEqual([["classify.rules.1.match", true]])
  })
})
