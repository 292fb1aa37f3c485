// `bun script/bench/user-rules.ts`: the slowest classification with hostile user rules. The rules fill the
// regex budget (MAX_RULES_PROGRAM) with the shapes that make backtracking engines explode (built straight into
// the options, bypassing config validation, which would refuse most of them), plus the heaviest pattern the
// budget allows; the inputs are long runs built to make those shapes work hardest. Prints the max and the
// median over runs, against the 50 ms bound of issue 13.
import { classifyFailure } from "../../src/failure/classify.ts"
import type { UserRule } from "../../src/failure/types.ts"

const patterns = ["(a+)+$", "(a|a)*$", "(.*)*$", "a*a*a*a*a*b", "(\\w+\\s?)*$", "(x+x+)+y", ".*a.*a.*a.*b", "(?:a|aa)+$", "([a-z]+)*!", ".?".repeat(200) + "b"]
const rules: UserRule[] = patterns.map((match) => ({ match, regex: true, code: "overloaded" }))
const inputs: unknown[] = [
  "a".repeat(200_000),
  "a".repeat(30) + "!",
  "aa ".repeat(50_000),
  { error: { message: "a".repeat(100_000), type: "a".repeat(5_000), code: "a".repeat(5_000) } },
  { name: "APIError", data: { message: "x".repeat(60_000) + "y", statusCode: 500, responseBody: JSON.stringify({ error: { message: "a".repeat(50_000) } }) } },
]
const times: number[] = []
for (let round = 0; round < 20; round++)
  for (const input of inputs) {
    const t0 = performance.now()
    classifyFailure(input, { rules })
    times.push(performance.now() - t0)
  }
times.sort((a, b) => a - b)
const max = times[times.length - 1]!
console.log(`classification with ${rules.length} hostile regex rules over ${inputs.length} adversarial inputs × 20: median ${times[times.length >> 1]!.toFixed(2)} ms, max ${max.toFixed(2)} ms (bound 50 ms)`)
if (max > 50) process.exitCode = 1
