import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../src/log/logger.js";
import { Redactor, REDACTED } from "../../src/log/redact.js";
import { tempHome } from "../helpers/temp-home.js";

test("the redaction layer removes secrets from nested log records, by key and by value", async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  const redactor = new Redactor();
  const secret = "correct-horse-battery-staple-42";
  redactor.addSecretValues(secret);
  const logger = createLogger({ level: "debug", logsDir: home, console: false, redactor });
  logger.info("alert received", {
    request: { body: { ticker: "9984", passphrase: "pp-value-1234567890", nested: [{ api_key: "k-1", Authorization: "Bearer abc" }] } },
    headers: { authorization: "Bearer xyz" },
    token: "tok-123",
    password: "hunter2hunter2",
    note: `the secret ${secret} leaked into a message`,
  });
  await logger.close();
  const file = readdirSync(home).find((f) => f.startsWith("tradectl-"))!;
  const text = readFileSync(join(home, file), "utf8");
  for (const leaked of ["pp-value-1234567890", "k-1", "Bearer abc", "Bearer xyz", "tok-123", "hunter2hunter2", secret]) {
    assert.ok(!text.includes(leaked), `log contains ${leaked}`);
  }
  const rec = JSON.parse(text.trim().split("\n")[0]!);
  assert.equal(rec.request.body.passphrase, REDACTED);
  assert.equal(rec.request.body.nested[0].api_key, REDACTED);
  assert.equal(rec.request.body.ticker, "9984");
  assert.match(rec.note, /\[REDACTED\] leaked/);
});

test("redact handles cycles and errors", () => {
  const r = new Redactor();
  r.addSecretValues("s3cr3t-value");
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  const out = r.redact({ o, err: new Error("failed with s3cr3t-value") }) as { o: { self: string }; err: { message: string } };
  assert.equal(out.o.self, "[Circular]");
  assert.equal(out.err.message, "failed with [REDACTED]");
});
