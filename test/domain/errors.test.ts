/**
 * The one table of error codes (domain/errors.ts): each kind answers in its class of statuses, each code's exit code
 * is the CLI's (0/1/2/3), and an error answer read back over the socket is the typed error it was.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorEnvelope, errorFromAnswer } from "../../src/domain/error-envelope.js";
import { API_ERROR_CODES, ERROR_CODES, ERRORS, exitCodeOf, httpStatuses, TradectlError } from "../../src/domain/errors.js";

test("a kind answers in its class: rejected 4xx, temporary 502/503, internal 500", () => {
  for (const code of ERROR_CODES) {
    const statuses = httpStatuses(code);
    const kind = ERRORS[code].kind;
    for (const s of statuses) {
      if (kind === "rejected") assert.ok(s >= 400 && s < 500, `${code}: ${s}`);
      if (kind === "temporary") assert.ok(s === 503 || s === 502, `${code}: ${s}`);
      if (kind === "internal") assert.equal(s, 500, code);
    }
  }
  assert.deepEqual([...API_ERROR_CODES].sort().slice(0, 3), ["AUTH_FAILED", "EXPECTATION_FAILED", "HEADERS_TOO_LARGE"]);
});

test("exit codes: usage 2, unreachable 3, every other error 1", () => {
  const byExit = (n: number) => ERROR_CODES.filter((c) => exitCodeOf(c) === n).sort();
  assert.deepEqual(byExit(2), ["CONFIG_UNKNOWN_KEY", "CONFIG_VALUE_INVALID", "USAGE"]);
  assert.deepEqual(byExit(3), ["DAEMON_UNREACHABLE", "WEBHOOK_UNREACHABLE"]);
  assert.equal(byExit(1).length, ERROR_CODES.length - 5);
});

test("a status a code does not have is not taken: the code's usual one is", () => {
  assert.equal(new TradectlError("VALIDATION_ERROR", "x", { status: 415 }).status, 415);
  assert.equal(new TradectlError("NOT_FOUND", "x", { status: 500 as never }).status, 404);
  assert.equal(new TradectlError("JOURNAL_SYNC_FAILED", "x").status, 500);
  assert.equal(new TradectlError("BROKER_UNAVAILABLE", "x").status, 503);
});

test("an error answer is rebuilt as the typed error it was; anything else is a BAD_RESPONSE", () => {
  const body = errorEnvelope({ requestId: "req_0123456789abcdef", code: "RELAY_PAUSED", message: "paused", now: 0, details: { paused_by: ["receiver"] } });
  const e = errorFromAnswer(409, body, "the daemon");
  assert.ok(e instanceof TradectlError);
  assert.deepEqual([e.code, e.kind, e.status, e.message, e.details], ["RELAY_PAUSED", "rejected", 409, "paused", { paused_by: ["receiver"] }]);
  const fields = errorFromAnswer(400, { ...errorEnvelope({ requestId: "r", code: "VALIDATION_ERROR", message: "Invalid query", now: 0 }), errors: [{ field: "limit", message: "too big" }] }, "the daemon");
  assert.deepEqual(fields.errors, [{ field: "limit", message: "too big" }]);
  const foreign = errorFromAnswer(418, { error_code: "TEAPOT", message: "short and stout" }, "the daemon");
  assert.deepEqual([foreign.code, exitCodeOf(foreign.code)], ["BAD_RESPONSE", 1]);
});
