// Issue 14 in the real TUI (opencode in tmux, 160×45), against the fake provider: what a person sees. Every
// frame is captured while a turn runs (one every 200 ms); the assertions read the screen text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startFakeProvider, type FakeProvider } from "./harness/fake-provider.ts"
import { PLUGIN_CONFIG_PATH } from "./harness/scenario.ts"
import { occurrences, startTui, tmuxAvailable, type Tui } from "./harness/tui.ts"

const CASE_MS = 240_000
const CHAIN = {
  chains: { default: ["fake/backup-model"], models: { "fake/quota-x-model": ["fake/credits-x-model"] } },
  // every fake model shares the provider id "fake": a 402 cools only its model here
  cooldown: { scope: { payment_required: "model" } },
}
const PROMPT = "please tell me a short joke"
/** Raw provider errors the fake sends (test/e2e/harness/fake-provider.ts). */
const RAW_ERRORS = ["exceeded your current quota", "Insufficient credits", "Add more using"]

let fake: FakeProvider
beforeAll(async () => {
  if (!tmuxAvailable()) throw new Error("tmux is needed for the TUI tests (.ci/run installs it)")
  fake = await startFakeProvider()
})
afterAll(() => fake?.close())

/** Runs one prompt in a TUI whose default model is `model`, capturing every frame until the answer settled. */
async function rescue(tui: Tui, answer: string) {
  tui.record()
  tui.send(PROMPT)
  await tui.waitForScreen((s) => s.includes(answer), 120_000, `the answer "${answer}"`)
  // what stays once the answer is shown (the host's own toasts fade; our cleanup runs at the idle after it)
  await Bun.sleep(2_500)
  tui.stopRecording()
  const shown = tui.frames.findIndex((f) => f.includes(answer))
  return { frames: tui.frames, afterAnswer: tui.frames.slice(shown + Math.ceil(1_500 / 200)), last: tui.screen() }
}

function modelLine(screen: string): string {
  return screen.split("\n").find((l) => /Build · \S+ Fake loopback provider/.test(l)) ?? ""
}

describe("the real TUI", () => {
  for (const [label, model] of [
    ["quota (429 insufficient_quota)", "quota-q1-model"],
    ["credits (402)", "credits-c1-model"],
  ] as const) {
    test(
      `${label}: the prompt at most once in every frame, the fallback's answer, no raw error left, the user's model selected`,
      async () => {
        const tui = await startTui({ provider: fake, label: "tui", model: `fake/${model}`, models: [model], files: { [PLUGIN_CONFIG_PATH]: JSON.stringify(CHAIN) } })
        try {
          const r = await rescue(tui, "Hello from fake model backup-model.")
          expect(Math.max(...r.frames.map((f) => occurrences(f, PROMPT)))).toBe(1)
          expect(r.afterAnswer.length).toBeGreaterThan(0)
          for (const f of r.afterAnswer) for (const raw of RAW_ERRORS) expect(f).not.toContain(raw)
          expect(modelLine(r.last)).toContain(model)
          expect(r.last).toContain("· switched to")
        } finally {
          await tui.stop()
        }
      },
      CASE_MS,
    )
  }

  test(
    "an exhausted chain: 30 s after it settled the screen still says no model could answer, and names them",
    async () => {
      const tui = await startTui({ provider: fake, label: "tui-exhausted", model: "fake/quota-x-model", models: ["quota-x-model", "credits-x-model"], files: { [PLUGIN_CONFIG_PATH]: JSON.stringify(CHAIN) } })
      try {
        tui.send(PROMPT)
        await tui.host.waitForEvent((e) => e.type === "tui.toast.show" && String(e.properties?.message).startsWith("No model could answer"), 120_000, "the exhaustion notice")
        await Bun.sleep(30_000)
        const s = tui.screen()
        expect(s).toContain("No model could answer")
        expect(s).toContain("fake/quota-x-model (quota exhausted)")
        expect(s).toContain("fake/credits-x-model (out of credits 402)")
        expect(occurrences(s, PROMPT)).toBe(1)
      } finally {
        await tui.stop()
      }
    },
    CASE_MS,
  )

  test(
    "a broken config: a one-line-per-problem notice naming the file is on screen within 10 s after the TUI first draws",
    async () => {
      const bad = '{ "retry": { "maxHostAttempts": "two" }, "chains": { "default": "fake/backup-model" } }'
      const tui = await startTui({ provider: fake, label: "tui-config", files: { [PLUGIN_CONFIG_PATH]: bad } })
      try {
        const drawn = Date.now() // startTui returns once the prompt box is drawn
        const s = await tui.waitForScreen((x) => x.includes("config error"), 10_000, "the config error notice")
        expect(Date.now() - drawn).toBeLessThanOrEqual(10_000)
        expect(s).toContain("runtime-fallback.jsonc")
        expect(s).toContain("retry.maxHostAttempts")
      } finally {
        await tui.stop()
      }
    },
    CASE_MS,
  )

  test(
    "a new session while a model cools down: pre-routed, the notice, the user's model still selected; /fallback shows the cooldown and the rescued turn's model",
    async () => {
      const tui = await startTui({ provider: fake, label: "tui-cooling", model: "fake/credits-n1-model", models: ["credits-n1-model"], files: { [PLUGIN_CONFIG_PATH]: JSON.stringify(CHAIN) } })
      try {
        await rescue(tui, "Hello from fake model backup-model.")
        const failed = fake.requests.filter((r) => r.model === "credits-n1-model").length
        tui.send("/new")
        await tui.waitForScreen((s) => !s.includes(PROMPT), 30_000, "a new, empty session")
        tui.send("and another one")
        await tui.waitForScreen((s) => s.includes("is cooling down") && s.includes("Hello from fake model backup-model."), 120_000, "the pre-routed answer")
        expect(fake.requests.filter((r) => r.model === "credits-n1-model")).toHaveLength(failed) // 0 requests to it
        // while the pre-routed turn runs the selector may show the model answering; once it settled, the user's again
        await tui.waitForScreen((x) => modelLine(x).includes("credits-n1-model"), 15_000, "the user's model selected after the turn")
        // Enter on the command list completes a server command ("/fallback "); the next Enter runs it.
        tui.type("/fallback")
        await tui.waitForScreen((x) => x.includes("/fallback"), 10_000, "the typed command")
        tui.key("Enter")
        const shown = (x: string) => x.includes("Runtime fallback status") && x.includes("Cooling down")
        await tui.waitForScreen(shown, 3_000, "the status").catch(() => tui.key("Enter"))
        const s = await tui.waitForScreen(shown, 60_000, "the status")
        expect(s).toContain("fake/credits-n1-model: out of credits")
        expect(s).toContain("answered by fake/backup-model") // the rescued (pre-routed) turn of this session
      } finally {
        await tui.stop()
      }
    },
    CASE_MS,
  )
})
