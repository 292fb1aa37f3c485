import { describe, expect, test } from "bun:test"
import { createLogger } from "./logger.ts"

function capture() {
  const logs: { level: string; message: string }[] = []
  const client = { app: { log: async (a: { body: { level: string; message: string } }) => void logs.push(a.body) } }
  return { logs, logger: createLogger({ client: client as never, debug: true }) }
}

describe("logger", () => {
  test("a caught error is logged once at error level, later ones at debug, with secrets redacted", () => {
    const { logs, logger } = capture()
    logger.errorOnce("k", "host call failed", new Error("401 from proxy: Authorization: Bearer sk-live-0123456789abcdef"))
    logger.errorOnce("k", "host call failed", new Error("again"))
    expect(logs.map((l) => l.level)).toEqual(["error", "debug"])
    expect(logs[0]!.message).toContain("host call failed")
    expect(logs[0]!.message).not.toContain("0123456789abcdef")
  })
  test("a failing host log call is swallowed, never thrown", () => {
    const logger = createLogger({ client: { app: { log: () => { throw new Error("down") } } } as never })
    expect(() => logger.errorOnce("k", "x", "y")).not.toThrow()
  })
})
