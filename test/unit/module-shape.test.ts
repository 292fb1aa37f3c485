// Both entries load straight from a checkout in bun, with no build step, and the plugin module has the shape
// the host requires: a default export `{ id, server }` and no other export (any other makes it refuse).
import { expect, test } from "bun:test"

test("the plugin module exports only the default { id, server }", async () => {
  const mod = await import("../../src/server.ts")
  expect(Object.keys(mod)).toEqual(["default"])
  expect(mod.default.id).toBe("opencode-turn-fallback")
  expect(typeof mod.default.server).toBe("function")
})

test("the library entry exposes the public API", async () => {
  const lib = await import("../../src/index.ts")
  for (const name of ["classifyFailure", "createPromptGate", "waitForSessionResult", "normaliseEvent", "normaliseMessages", "extractErrorFacts", "loadConfig"]) expect(typeof (lib as Record<string, unknown>)[name]).toBe("function")
  expect(typeof lib.configSchema.parse).toBe("function")
})

test("the plugin starts with a bad config and returns hooks instead of throwing", async () => {
  const mod = await import("../../src/server.ts")
  const calls: string[] = []
  const client = { app: { log: async () => (calls.push("log"), { data: true }) }, tui: { showToast: async () => (calls.push("toast"), { data: true }) }, session: {} }
  const hooks = await mod.default.server({ client, directory: "/nonexistent", worktree: "/", project: {}, serverUrl: new URL("http://x"), $: undefined } as any, { chains: "not a chain" } as any)
  expect(typeof hooks).toBe("object")
  // logged at once; the toast waits for a TUI to draw (src/plugin/startup-notice.ts, tested there)
  expect(calls).toEqual(["log"])
})
