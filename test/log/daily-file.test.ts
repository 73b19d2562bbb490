/** Log files: one per UTC day, old ones deleted by age, errors also in their own file, written at once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DailyFile } from "../../src/log/daily-file.js";
import { createLogger } from "../../src/log/logger.js";
import { Redactor } from "../../src/log/redact.js";
import { testHome } from "../helpers/temp-home.js";

test("a daily file moves to a new file at UTC midnight and deletes files past their age then", async (t) => {
  const home = testHome(t);
  let now = Date.parse("2026-11-23T23:59:59.900Z");
  writeFileSync(join(home, "tradectl-2026-08-25.log"), "old\n"); // 90 days before 2026-11-23: kept until the next day
  writeFileSync(join(home, "other-2000-01-01.log"), "not ours\n");
  const file = new DailyFile(home, { name: "tradectl", keepDays: 90, now: () => now });
  file.writeLine("first"); // still queued (batched) when the day changes
  now = Date.parse("2026-11-24T00:00:00.010Z");
  file.writeLine("second");
  await file.close();
  assert.equal(readFileSync(join(home, "tradectl-2026-11-23.log"), "utf8"), "first\n");
  assert.equal(readFileSync(join(home, "tradectl-2026-11-24.log"), "utf8"), "second\n");
  assert.equal(existsSync(join(home, "tradectl-2026-08-25.log")), false, "older than 90 days on the new day: removed");
  assert.equal(existsSync(join(home, "other-2000-01-01.log")), true, "another log's files are not touched");
});

test("errors go to the main log and to the error log, at once; info only to the main log", async (t) => {
  const home = testHome(t);
  const logger = createLogger({ level: "info", logsDir: home, console: false, redactor: new Redactor() });
  logger.info("an info line", { n: 1 });
  logger.error("an error line", { n: 2 });
  await new Promise((res) => setImmediate(res));
  const read = (prefix: string) => {
    const f = readdirSync(home).find((n) => n.startsWith(prefix));
    return f ? readFileSync(join(home, f), "utf8") : "";
  };
  // No close yet: an error is written without waiting for the batch.
  assert.match(read("error-"), /an error line/);
  await logger.close();
  const main = read("tradectl-").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(main.map((r) => [r.level, r.message, r.n]), [["info", "an info line", 1], ["error", "an error line", 2]]);
  assert.ok(main.every((r) => typeof r.timestamp === "string"));
  assert.doesNotMatch(read("error-"), /an info line/);
});

test("a line logged after the logger closed does not throw: a late error or warning goes to stderr, redacted; info is dropped", async (t) => {
  const home = testHome(t);
  const redactor = new Redactor();
  redactor.addSecretValues("late-secret-value-123");
  const logger = createLogger({ level: "info", logsDir: home, console: false, redactor });
  await logger.close();
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    logger.info("late info");
    logger.warn("late warning");
    logger.error("late error with late-secret-value-123");
    await logger.close();
    await new Promise((res) => setImmediate(res));
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(written, ["tradectl: warn: late warning\n", "tradectl: error: late error with [REDACTED]\n"]);
});
