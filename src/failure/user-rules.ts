// The user's own rules (`classify.rules`), compiled once per rules array. Substring rules look for the
// lowercased text. Regex rules run on the linear-time matcher (regex-nfa.ts), never on the backtracking
// RegExp engine, over at most MAX_RULE_TEXT characters of the error, so a rule costs bounded time whatever its
// pattern and whatever the provider sent. Patterns the matcher does not support never match (config
// validation reports them at load, with the file and key).
import { compileLinear } from "./regex-nfa.ts"
import type { Facts, Rule } from "./rules.ts"
import type { UserRule } from "./types.ts"

/** User regexes see at most this much of the error text and of its markers. */
export const MAX_RULE_TEXT = 4_096
/** Rules compiled at most (later ones are ignored); the config schema allows no more. */
export const MAX_USER_RULES = 100

const compiled = new WeakMap<readonly UserRule[], Rule[]>()

export function userRules(rules: readonly UserRule[] | undefined): Rule[] {
  if (!rules || rules.length === 0) return []
  const hit = compiled.get(rules)
  if (hit) return hit
  const out: Rule[] = []
  rules.slice(0, MAX_USER_RULES).forEach((r, i) => {
    if (!r || typeof r.match !== "string") return
    let test: (f: Facts) => boolean
    if (r.regex) {
      const c = compileLinear(r.match)
      if (!c.ok) return
      const re = c.regex
      test = (f) => re.test(clip(f.e.text)) || (f.markers.length > 0 && re.test(clip(f.markers.join("\n"))))
    } else {
      const needle = r.match.toLowerCase()
      test = (f) => needle.length > 0 && f.text.includes(needle)
    }
    out.push({ id: `user.${i}`, code: r.code, action: r.action, why: `user rule #${i + 1} matched ${r.regex ? "/" + r.match + "/i" : JSON.stringify(r.match)}`, test })
  })
  compiled.set(rules, out)
  return out
}

function clip(text: string): string {
  return text.length > MAX_RULE_TEXT ? text.slice(0, MAX_RULE_TEXT) : text
}
