// The user's own rules (`classify.rules`), compiled once per rules array. Substring rules look for the
// lowercased text. Regex rules run on the linear-time matcher (regex-nfa.ts), never on the backtracking
// RegExp engine, over at most MAX_RULE_TEXT characters of the error, so a rule costs bounded time whatever its
// pattern and whatever the provider sent. Patterns the matcher does not support never match (config
// validation reports them at load, with the file and key).
import { compileLinear } from "./regex-nfa.ts"
import type { Facts } from "./evidence.ts"
import type { Rule } from "./rules.ts"
import type { UserRule } from "./types.ts"

/** User regexes see at most this much of the error text, and this much of its markers (codes, types). */
export const MAX_RULE_TEXT = 2_048
export const MAX_RULE_MARKERS = 512
/** Rules compiled at most (later ones are ignored); the config schema allows no more. */
export const MAX_USER_RULES = 100
/**
 * All regex rules together compile to at most this many matcher steps (config validation refuses more; here
 * later rules are skipped). With the text caps above, one classification visits at most
 * (MAX_RULE_TEXT + MAX_RULE_MARKERS + 2) × MAX_RULES_PROGRAM ≈ 1.3 million matcher states: about 10 ms.
 */
export const MAX_RULES_PROGRAM = 500

/** Matcher steps of a rule list's regex rules, rule by rule (undefined: not compilable). */
export function ruleProgramSizes(rules: ReadonlyArray<{ match: string; regex?: boolean }>): Array<number | undefined> {
  return rules.map((r) => {
    if (!r.regex) return 0
    const c = compileLinear(r.match)
    return c.ok ? c.regex.size : undefined
  })
}

const compiled = new WeakMap<readonly UserRule[], Rule[]>()

export function userRules(rules: readonly UserRule[] | undefined): Rule[] {
  if (!rules || rules.length === 0) return []
  const hit = compiled.get(rules)
  if (hit) return hit
  const out: Rule[] = []
  let budget = MAX_RULES_PROGRAM
  rules.slice(0, MAX_USER_RULES).forEach((r, i) => {
    if (!r || typeof r.match !== "string") return
    let test: (f: Facts) => boolean
    if (r.regex) {
      const c = compileLinear(r.match)
      if (!c.ok || c.regex.size > budget) return
      budget -= c.regex.size
      const re = c.regex
      test = (f) => re.test(clip(f.e.text, MAX_RULE_TEXT)) || (f.markers.length > 0 && re.test(clip(f.markers.join("\n"), MAX_RULE_MARKERS)))
    } else {
      const needle = r.match.toLowerCase()
      test = (f) => needle.length > 0 && f.text.includes(needle)
    }
    const why = `user rule #${i + 1} matched ${r.regex ? "/" + r.match + "/i" : JSON.stringify(r.match)}`
    out.push({ id: `user.${i}`, code: r.code, action: r.action, why, test: (f) => (test(f) ? { kind: "rule", detail: why } : undefined) })
  })
  compiled.set(rules, out)
  return out
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text
}
