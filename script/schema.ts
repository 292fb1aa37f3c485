// `npm run schema`: writes schema.json from the zod schema and regenerates the README's config reference
// between <!-- config-reference:start --> and <!-- config-reference:end -->. With no README (or no
// markers) the table is printed instead. `--check` writes nothing and exits 1 when either file is stale.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { currentReferenceBlock, renderJsonSchema, renderReferenceBlock, renderReferenceTable, replaceReferenceBlock } from "../src/cli/config-reference.ts"

const root = resolve(import.meta.dir, "..")
const check = process.argv.includes("--check")
let stale = 0

const schemaPath = join(root, "schema.json")
const schema = renderJsonSchema()
const before = existsSync(schemaPath) ? readFileSync(schemaPath, "utf8") : ""
if (before === schema) console.log(`schema.json is current (${schema.length} bytes)`)
else if (check) {
  console.error("schema.json is stale: run `npm run schema`")
  stale++
} else {
  writeFileSync(schemaPath, schema)
  console.log(`wrote schema.json (${schema.length} bytes)`)
}

const readmePath = join(root, "README.md")
const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : undefined
const next = readme === undefined ? undefined : replaceReferenceBlock(readme)
if (readme === undefined || next === undefined) {
  console.log(`${readme === undefined ? "no README.md" : "README.md has no config-reference markers"}; the config reference:\n`)
  console.log(renderReferenceTable())
} else if (currentReferenceBlock(readme) === renderReferenceBlock()) console.log("README.md config reference is current")
else if (check) {
  console.error("README.md config reference is stale: run `npm run schema`")
  stale++
} else {
  writeFileSync(readmePath, next)
  console.log("updated the config reference in README.md")
}
if (stale) process.exit(1)
