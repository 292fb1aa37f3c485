// `opencode run` (one-shot) exits at the first idle, so a re-dispatched turn can never reach its output.
// The plugin fails the first turn fast with a clear message (instead of ~70 s of host retries) and records
// the cooldown, so the next run goes straight to the fallback model.
import { afterAll, beforeAll, expect, test } from "bun:test"
import { spawn } from "node:child_process"
import { OPENCODE_BIN, sandboxEnv } from "./harness/host.ts"
import { startWorld, stopWorld, type World } from "./harness/scenario.ts"

let w: World
beforeAll(async () => {
  // the world provides the sandbox, config and fake provider; `opencode run` starts its own instance there
  w = await startWorld({ label: "run", config: { chains: { default: ["fake/backup-model"] } }, models: ["quota-run-model"] })
  await w.host.stop({ keepSandbox: true })
})
afterAll(async () => {
  await w.fake.close()
  const { rmSync } = await import("node:fs")
  rmSync(w.host.sandbox, { recursive: true, force: true })
})

function run(model: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(OPENCODE_BIN, ["run", "--format", "json", "--model", model, "hello"], {
      cwd: w.host.project,
      env: sandboxEnv(w.host.sandbox),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (b) => (stdout += b))
    child.stderr.on("data", (b) => (stderr += b))
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}

test("opencode run: the first run fails fast with a clear message; the next run is answered by the fallback", async () => {
  const first = await run("fake/quota-run-model")
  expect(first.code).toBe(1)
  expect(first.stdout).toContain("runtime-fallback: fake/quota-run-model is out of quota")
  expect(first.stdout).toContain("the next run will use fake/backup-model")
  // the host alone would make 6 requests over ~70 s; the plugin ends the turn at its next retry
  expect(w.fake.requests.filter((r) => r.model === "quota-run-model").length).toBeLessThanOrEqual(2)
  const second = await run("fake/quota-run-model")
  expect(second.code).toBe(0)
  expect(second.stdout).toContain("Hello from fake model backup-model.")
  expect(w.fake.requests.filter((r) => r.model === "quota-run-model").length).toBeLessThanOrEqual(2)
}, 300_000)
