import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../src/log/logger.js";
import { MAX_REDACT_DEPTH, Redactor, REDACTED, TOO_DEEP } from "../../src/log/redact.js";
import { testHome } from "../helpers/temp-home.js";

test("the redaction layer removes secrets from nested log records, by key and by value", async (t) => {
  const home = testHome(t);
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

test("the access log writes one JSON line per request, masks secret values in the user agent, and keeps 90 days", async (t) => {
  const home = testHome(t);
  const { writeFileSync, existsSync } = await import("node:fs");
  writeFileSync(join(home, "access-2000-01-01.log"), "old\n");
  writeFileSync(join(home, `access-${new Date().toISOString().slice(0, 10)}.log`), "");
  const redactor = new Redactor();
  redactor.addSecretValues("ua-secret-value-123");
  const logger = createLogger({ level: "info", logsDir: home, console: false, redactor });
  logger.access({ method: "POST", path: "/webhook", status: 401, user_agent: "curl ua-secret-value-123" });
  logger.access({ method: "GET", path: "/health", status: 200 });
  await logger.close();
  assert.equal(existsSync(join(home, "access-2000-01-01.log")), false, "older than 90 days: removed");
  const file = readdirSync(home).find((f) => f.startsWith("access-"))!;
  const lines = readFileSync(join(home, file), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.method, l.path, l.status]), [["POST", "/webhook", 401], ["GET", "/health", 200]]);
  assert.equal(lines[0].user_agent, "curl [REDACTED]");
  assert.ok(lines[0].time);
});

test("redact replaces what nests deeper than 64 levels instead of overflowing the stack", () => {
  const r = new Redactor();
  let deep: unknown = { token: "t" };
  for (let i = 0; i < 50_000; i++) deep = { next: deep };
  let out = r.redact(deep) as Record<string, unknown>;
  let levels = 0;
  while (typeof out === "object" && out !== null) {
    out = out["next"] as Record<string, unknown>;
    levels++;
  }
  assert.equal(levels, MAX_REDACT_DEPTH);
  assert.equal(out, TOO_DEEP);
});

test("a value met twice side by side is not a cycle, and a parsed __proto__ key stays a key", () => {
  const r = new Redactor();
  const shared = { ticker: "9984" };
  assert.deepEqual(r.redact({ a: shared, b: [shared, shared] }), { a: shared, b: [shared, shared] });
  const parsed = JSON.parse('{"__proto__": {"passphrase": "x", "note": "y"}, "ok": 1}');
  const out = r.redact(parsed) as Record<string, unknown>;
  assert.equal(JSON.stringify(out), '{"__proto__":{"passphrase":"[REDACTED]","note":"y"},"ok":1}');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

test("a secret cut off at the end of a string is masked (a body cut short kept the start of a passphrase copied into another field)", () => {
  const r = new Redactor();
  r.addSecretValues("correct-horse-battery-staple-42");
  assert.equal(r.redactString('{"comment":"pw=correct-horse-batt'), '{"comment":"pw=[REDACTED]');
  assert.equal(r.redactString("ends with correct-hors"), "ends with [REDACTED]");
  assert.equal(r.redactString("correct-horse and more"), "correct-horse and more", "not at the end: not cut");
  assert.equal(r.redactString("through the correct-hor"), "through the correct-hor", "under 12 characters could be any word");
});
