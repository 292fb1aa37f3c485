// A fake host client that records every call the plugin makes. Tests assert on `calls`; results can be
// scripted per method (a value, a thrown error, or a promise that never settles).
import type { HostClient } from "../../src/host/client.ts"

export type Call = { method: string; args: any }
export type Behaviour = "ok" | "error" | "throw" | "hang"

export type FakeClient = HostClient & {
  calls: Call[]
  behaviour: Partial<Record<string, Behaviour>>
  messages: unknown[]
  count(method: string): number
  of(method: string): any[]
  /** Host API calls other than logging and toasts. */
  hostCalls(): Call[]
}

export function createFakeClient(): FakeClient {
  const calls: Call[] = []
  const behaviour: Partial<Record<string, Behaviour>> = {}
  const fc = {} as FakeClient
  const answer = (method: string, args: any, data: unknown) => {
    calls.push({ method, args })
    switch (behaviour[method] ?? "ok") {
      case "error":
        return Promise.resolve({ error: { name: "BadRequest", data: { message: `${method} refused` } }, response: { status: 400 } })
      case "throw":
        return Promise.reject(new Error(`${method} failed`))
      case "hang":
        return new Promise(() => {})
      default:
        return Promise.resolve({ data, response: { status: 200 } })
    }
  }
  Object.assign(fc, {
    calls,
    behaviour,
    messages: [],
    count: (m: string) => calls.filter((c) => c.method === m).length,
    of: (m: string) => calls.filter((c) => c.method === m).map((c) => c.args),
    hostCalls: () => calls.filter((c) => c.method !== "app.log" && c.method !== "tui.showToast"),
    session: {
      prompt: (a: any) => answer("session.prompt", a, { info: {}, parts: [] }),
      promptAsync: (a: any) => answer("session.promptAsync", a, undefined),
      abort: (a: any) => answer("session.abort", a, true),
      messages: (a: any) => answer("session.messages", a, fc.messages),
      status: (a: any) => answer("session.status", a, {}),
      get: (a: any) => answer("session.get", a, {}),
    },
    tui: { showToast: (a: any) => answer("tui.showToast", a, true) },
    app: { log: (a: any) => answer("app.log", a, true) },
  })
  return fc
}
