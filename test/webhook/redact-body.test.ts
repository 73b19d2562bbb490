import { test } from "node:test";
import assert from "node:assert/strict";
import { redactRawBody } from "../../src/webhook/redact-body.js";

const SECRET = "your-secret-passphrase-here-0123456789";

test("the passphrase is removed from a parsed body and from a broken one", () => {
  const raw = JSON.stringify({ action: "buy", passphrase: SECRET });
  assert.equal(redactRawBody(raw, JSON.parse(raw)), '{"action":"buy","passphrase":"[REDACTED]"}');
  assert.equal(redactRawBody(`{"passphrase": "${SECRET}", "ticker": `), '{"passphrase": "[REDACTED]", "ticker": ');
  assert.equal(redactRawBody(`{"passphrase": "${SECRET.slice(0, 12)}`), '{"passphrase": "[REDACTED]"');
});

test("a parsed body JSON cannot write is redacted by pattern instead of throwing after admission (a 500 with the order made)", () => {
  let deep: unknown = "x";
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const raw = `{"passphrase":"${SECRET}","comment":[[["x"]]]}`;
  for (const parsed of [{ passphrase: SECRET, comment: deep }, { passphrase: SECRET, n: 1n }]) {
    const out = redactRawBody(raw, parsed);
    assert.equal(out, '{"passphrase":"[REDACTED]","comment":[[["x"]]]}');
  }
});
