// Audit: only src/gate/ may call the host's `session.prompt` / `session.promptAsync`. Everything else must go
// through the prompt gate (`createPromptGate().dispatch`).
//
// Rule (syntactic, on the TypeScript AST, so formatting and comments cannot hide a call): outside src/gate/,
// any of these naming `prompt` or `promptAsync` is a violation —
//   - a property access `x.prompt`, including optional chaining `x?.prompt` (so `.bind/.call/.apply`, aliasing
//     `const p = x.promptAsync` and `const s = client.session; s.prompt()` are all caught at the access);
//   - an element access whose key is a compile-time string: `x["promptAsync"]`, `` x[`prompt`] ``,
//     `x["prompt" + "Async"]`, `x[cond ? "prompt" : "other"]`, `x[k]` with `const k = "promptAsync"` in the file;
//   - an element access with a non-constant key on something named `session` (`client.session[name]`);
//   - a destructuring binding or destructuring assignment of that property (`const { promptAsync } = ...`,
//     `const { session: { prompt } } = client`, `({ prompt: p } = s)`, `const { ["prompt"]: p } = s`);
//   - `Reflect.*` / `Object.*` helpers given that name (`Reflect.get(s, "prompt")`).
// Exempt: type-only positions (type annotations, interfaces, type aliases, indexed access types), and
// definitions such as object literal properties or methods named `prompt` (they define, not read).
// Not caught (deliberately out of scope): enumerating the object (`Object.values(client.session)`, `for...in`).
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative, resolve, sep } from "node:path"
import ts from "typescript"

const METHODS = new Set(["prompt", "promptAsync"])
const REPO = resolve(import.meta.dir, "..", "..")
const SRC = join(REPO, "src")
const ALLOWED_DIR = "gate/" // relative to src/

export type PromptCallViolation = { file: string; line: number; column: number; kind: string; code: string }

type Consts = Map<string, Set<string>>

const MAX_VALUES = 64

/** The possible values of an expression that is a compile-time string (literals, +, templates, ?:, consts), else undefined. */
function staticStrings(expr: ts.Expression, consts: Consts): Set<string> | undefined {
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return new Set([expr.text])
  if (ts.isNumericLiteral(expr)) return new Set([expr.text])
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) || ts.isNonNullExpression(expr) || ts.isTypeAssertionExpression(expr)) {
    return staticStrings(expr.expression, consts)
  }
  if (ts.isIdentifier(expr)) return consts.get(expr.text)
  if (ts.isConditionalExpression(expr)) {
    const a = staticStrings(expr.whenTrue, consts)
    const b = staticStrings(expr.whenFalse, consts)
    return a && b ? new Set([...a, ...b]) : (a ?? b) // one known branch is still worth checking
  }
  const concat = (parts: Array<Set<string> | undefined>): Set<string> | undefined => {
    let acc = new Set([""])
    for (const part of parts) {
      if (!part) return undefined
      const next = new Set<string>()
      for (const x of acc) for (const y of part) if (next.size < MAX_VALUES) next.add(x + y)
      acc = next
    }
    return acc
  }
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return concat([staticStrings(expr.left, consts), staticStrings(expr.right, consts)])
  }
  if (ts.isTemplateExpression(expr)) {
    const parts: Array<Set<string> | undefined> = [new Set([expr.head.text])]
    for (const span of expr.templateSpans) parts.push(staticStrings(span.expression, consts), new Set([span.literal.text]))
    return concat(parts)
  }
  return undefined
}

/** `const name = <compile-time string>` anywhere in the file (scope-insensitive: a shadowing name only adds values). */
function collectConsts(sourceFile: ts.SourceFile): Consts {
  const consts: Consts = new Map()
  const decls: Array<[string, ts.Expression]> = []
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isVariableDeclarationList(node.parent) && node.parent.flags & ts.NodeFlags.Const) {
      decls.push([node.name.text, node.initializer])
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  for (let pass = 0; pass < 4; pass++) {
    for (const [name, init] of decls) {
      const values = staticStrings(init, consts)
      if (values) consts.set(name, new Set([...(consts.get(name) ?? []), ...values]))
    }
  }
  return consts
}

function isTypeOnly(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return true
    if (ts.isExpressionWithTypeArguments(n)) {
      // `class X extends <expr>` is a value position; `implements` and interface `extends` are types.
      const clause = n.parent
      if (ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent)) continue
      return true
    }
    if (ts.isTypeNode(n)) return true
  }
  return false
}

/** True when an object literal is the target of a destructuring assignment (`({ a } = b)`, `for ({ a } of xs)`). */
function isAssignmentTarget(node: ts.Node): boolean {
  let child = node
  for (let n = node.parent; n; child = n, n = n.parent) {
    if (ts.isParenthesizedExpression(n) || ts.isArrayLiteralExpression(n) || ts.isSpreadElement(n) || ts.isSpreadAssignment(n)) continue
    if (ts.isPropertyAssignment(n) && n.initializer === child) continue
    if (ts.isShorthandPropertyAssignment(n)) continue
    if (ts.isObjectLiteralExpression(n)) continue
    if (ts.isBinaryExpression(n)) return n.operatorToken.kind === ts.SyntaxKind.EqualsToken && n.left === child
    if (ts.isForOfStatement(n) || ts.isForInStatement(n)) return n.initializer === child
    return false
  }
  return false
}

function propertyNameValues(name: ts.PropertyName, consts: Consts): Set<string> | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return new Set([name.text])
  if (ts.isComputedPropertyName(name)) return staticStrings(name.expression, consts)
  return undefined
}

const namesMethod = (values: Set<string> | undefined) => values !== undefined && [...values].some((v) => METHODS.has(v))

function looksLikeSession(expr: ts.Expression): boolean {
  let e = expr
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression
  if (ts.isIdentifier(e)) return e.text === "session"
  if (ts.isPropertyAccessExpression(e)) return e.name.text === "session"
  if (ts.isElementAccessExpression(e)) return ts.isStringLiteralLike(e.argumentExpression) && e.argumentExpression.text === "session"
  return false
}

/** Every read of a `prompt` / `promptAsync` member in one source file (see the rule at the top). */
export function findPromptCallViolations(fileName: string, sourceText: string): PromptCallViolation[] {
  const kind = fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  const sourceFile = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true, kind)
  const consts = collectConsts(sourceFile)
  const violations: PromptCallViolation[] = []
  const report = (node: ts.Node, kind: string) => {
    if (isTypeOnly(node)) return
    const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile))
    violations.push({ file: fileName, line: line + 1, column: character + 1, kind, code: node.getText(sourceFile).slice(0, 120) })
  }
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && METHODS.has(node.name.text)) report(node, "property access")
    else if (ts.isElementAccessExpression(node)) {
      const key = staticStrings(node.argumentExpression, consts)
      if (namesMethod(key)) report(node, "element access")
      else if (key === undefined && looksLikeSession(node.expression)) report(node, "dynamic key on session")
    } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const name = node.propertyName ?? (ts.isIdentifier(node.name) ? node.name : undefined)
      if (name && namesMethod(propertyNameValues(name, consts))) report(node, "destructuring")
    } else if (ts.isObjectLiteralExpression(node) && isAssignmentTarget(node)) {
      for (const prop of node.properties) {
        const name = ts.isShorthandPropertyAssignment(prop) || ts.isPropertyAssignment(prop) ? prop.name : undefined
        if (name && namesMethod(propertyNameValues(name, consts))) report(prop, "destructuring assignment")
      }
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression)) {
      const owner = node.expression.expression.text
      if ((owner === "Reflect" || owner === "Object") && node.arguments.some((a) => namesMethod(staticStrings(a, consts)))) {
        report(node, `${owner}.${node.expression.name.text} with a prompt method name`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return violations
}

const SOURCE_EXT = /\.(ts|tsx|mts|cts)$/
const TEST_FILE = /\.test\.(ts|tsx|mts|cts)$/

/** Every non-test TypeScript file under `dir`, as paths relative to it with "/" separators. */
export function listSourceFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(full)
      } else if (SOURCE_EXT.test(entry.name) && !TEST_FILE.test(entry.name)) {
        out.push(relative(dir, full).split(sep).join("/"))
      }
    }
  }
  walk(dir)
  return out.sort()
}

/** Audits src/: violations in every module outside src/gate/. */
export function auditPromptCalls(srcDir = SRC): PromptCallViolation[] {
  return listSourceFiles(srcDir)
    .filter((file) => !file.startsWith(ALLOWED_DIR))
    .flatMap((file) => findPromptCallViolations(`src/${file}`, readFileSync(join(srcDir, file), "utf8")))
}

const HEADER = `declare const client: { session: { prompt(a: unknown): Promise<unknown>; promptAsync(a: unknown): Promise<unknown> } }\ndeclare const args: any\n`

describe("audit: only src/gate/ calls session.prompt / session.promptAsync", () => {
  test("no module outside src/gate/ reads prompt/promptAsync", () => {
    const violations = auditPromptCalls()
    const pretty = violations.map((v) => `${v.file}:${v.line}:${v.column} ${v.kind}: ${v.code}`)
    expect(pretty).toEqual([])
  })

  test("the walker sees the gate's own host call, and skips test files", () => {
    const files = listSourceFiles(SRC)
    expect(files).toContain("gate/host-call.ts")
    expect(files).toContain("host/client.ts")
    expect(files.some((f) => f.endsWith(".test.ts"))).toBe(false)
    const gateCall = findPromptCallViolations("src/gate/host-call.ts", readFileSync(join(SRC, "gate/host-call.ts"), "utf8"))
    expect(gateCall.length).toBeGreaterThan(0)
  })

  // name -> [snippet, the rule that must catch it]
  const evasions: Record<string, [string, string]> = {
    "plain call": [`client.session.prompt(args)`, "property access"],
    "async call": [`await client.session.promptAsync(args)`, "property access"],
    "element access": [`client.session["promptAsync"](args)`, "element access"],
    "single-quoted element access": [`client.session['prompt'](args)`, "element access"],
    "template key": ["client.session[`promptAsync`](args)", "element access"],
    "concatenated key": [`client.session["prompt" + "Async"](args)`, "element access"],
    "template with constant span": ['client.session[`${"prompt"}Async`](args)', "element access"],
    "const key": [`const k = "promptAsync"\nclient.session[k](args)`, "element access"],
    "const key via const": [`const a = "prompt"\nconst b = a + "Async"\nclient.session[b](args)`, "element access"],
    "conditional key": [`declare const sync: boolean\nclient.session[sync ? "prompt" : "promptAsync"](args)`, "element access"],
    "dynamic key on session": [`declare const name: "prompt"\nclient.session[name](args)`, "dynamic key on session"],
    "optional chaining": [`client?.session?.promptAsync?.(args)`, "property access"],
    "optional element access": [`client?.session?.["prompt"]?.(args)`, "element access"],
    "non-null and parens": [`(client!.session!).promptAsync!(args)`, "property access"],
    "as any": [`;(client as any).session.prompt(args)`, "property access"],
    destructuring: [`const { promptAsync } = client.session\npromptAsync(args)`, "destructuring"],
    "renamed destructuring": [`const { prompt: send } = client.session\nsend(args)`, "destructuring"],
    "nested destructuring": [`const { session: { prompt } } = client\nprompt(args)`, "destructuring"],
    "computed destructuring": [`const { ["promptAsync"]: p } = client.session\np(args)`, "destructuring"],
    "string-key destructuring": [`const { "prompt": p } = client.session\np(args)`, "destructuring"],
    "parameter destructuring": [`function send({ promptAsync }: typeof client.session) { return promptAsync(args) }`, "destructuring"],
    "destructuring assignment": [`let p: unknown\n;({ prompt: p } = client.session)`, "destructuring assignment"],
    "shorthand destructuring assignment": [`let prompt: unknown\n;({ prompt } = client.session)`, "destructuring assignment"],
    "nested destructuring assignment": [`let p: unknown\n;({ session: { promptAsync: p } } = client)`, "destructuring assignment"],
    "for-of destructuring": [`for (const { prompt } of [client.session]) prompt(args)`, "destructuring"],
    "alias of session": [`const s = client.session\ns.prompt(args)`, "property access"],
    "alias of method": [`const p = client.session.promptAsync\np(args)`, "property access"],
    bind: [`const p = client.session.promptAsync.bind(client.session)\np(args)`, "property access"],
    call: [`client.session.prompt.call(client.session, args)`, "property access"],
    apply: [`client.session.promptAsync.apply(client.session, [args])`, "property access"],
    "Reflect.get": [`Reflect.get(client.session, "promptAsync")(args)`, "Reflect.get with a prompt method name"],
    "Reflect.apply via const": [`const m = "prompt"\nReflect.apply(Reflect.get(client.session, m), client.session, [args])`, "Reflect.get with a prompt method name"],
    "any receiver": [`declare const c: any\nc.sdk.session.promptAsync(args)`, "property access"],
    "comments and whitespace": [`client . session /* x */ . promptAsync (args)`, "property access"],
  }
  test("the snippet header alone is clean", () => {
    expect(findPromptCallViolations("header.ts", HEADER)).toEqual([])
  })

  for (const [name, [snippet, kind]] of Object.entries(evasions)) {
    test(`catches: ${name}`, () => {
      const violations = findPromptCallViolations("evasion.ts", HEADER + snippet)
      expect(violations.map((v) => v.kind)).toContain(kind)
    })
  }

  test("type-only declarations are not flagged (src/host/client.ts and inline types)", () => {
    const hostClient = readFileSync(join(SRC, "host/client.ts"), "utf8")
    expect(findPromptCallViolations("src/host/client.ts", hostClient)).toEqual([])
    const types = [
      `import type { PromptClient } from "./host-client.ts"`,
      `interface Session { prompt(a: unknown): Promise<unknown>; promptAsync: (a: unknown) => Promise<unknown> }`,
      `type Send = PromptClient["session"]["promptAsync"]`,
      `type Both = Pick<PromptClient["session"], "prompt" | "promptAsync">`,
      `type Q = typeof client.session.prompt`,
      `let f: (typeof client.session)["promptAsync"] | undefined`,
      `function g(x: { session: { prompt: () => void } }): Session["prompt"] | undefined { return undefined }`,
      `class Impl implements Pick<Session, "prompt"> { prompt(a: unknown) { return Promise.resolve(a) } }`,
    ].join("\n")
    expect(findPromptCallViolations("types.ts", HEADER + types)).toEqual([])
  })

  test("definitions and unrelated names are not flagged", () => {
    const fine = [
      `const fake = { session: { prompt: async () => ({}), promptAsync(a: unknown) { return Promise.resolve(a) } } }`,
      `const message = "call session.promptAsync through the gate"`,
      `const o = { prompts: 1, promptAsyncCount: 2 }\no.prompts + o.promptAsyncCount`,
      `declare const cfg: Record<string, unknown>\ncfg["prompts"]\ncfg[String(1)]`,
      `const { prompts } = o`,
      `class Dialog { promptAsync() {} }`,
    ].join("\n")
    expect(findPromptCallViolations("fine.ts", HEADER + fine)).toEqual([])
  })

  test("violations carry file, line and column", () => {
    const [v] = findPromptCallViolations("x.ts", `\n  client.session.promptAsync(args)`)
    expect(v).toMatchObject({ file: "x.ts", line: 2, column: 3, kind: "property access" })
  })
})
