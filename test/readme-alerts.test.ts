/** Every example alert of the README's "Orders beyond buy and sell", sent in order against the paper broker. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { vocabEngine } from "./helpers/vocabulary.js";

const README = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");

function examples(): Array<Record<string, unknown>> {
  const start = README.indexOf("### Orders beyond buy and sell");
  const end = README.indexOf("\n### ", start + 10);
  assert.ok(start > 0 && end > start, "the README section is there");
  const section = README.slice(start, end);
  return [...section.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
}

test("every README example alert is accepted and does what the README says", async (t) => {
  const list = examples();
  assert.equal(list.length, 11);
  const e = vocabEngine(t, { allowShort: true });
  await e.quote("9984", 3000, 3001);
  await e.quote("7203", 2500, 2501);
  await e.quote("6758", 3420, 3421);
  for (const body of list) {
    const { passphrase, ...alert } = body;
    assert.equal(passphrase, "your-secret-passphrase-here");
    const r = await e.send(alert);
    assert.equal(r.answer.statusCode, 200, `${JSON.stringify(alert)} → ${JSON.stringify(r.answer.body)}`);
  }
  const cancelled = e.journal.listOrders({ status: "cancelled" }).orders;
  assert.equal(cancelled.length, 2, "the limit and the stop, cancelled by the cancel example");
  assert.equal(cancelled.find((o) => o.order_type === "stop")?.limit_price, 3025, "20 pips above the ask 3001 = 3021, up to the 5-yen tick above 3,000");
  const sized = e.journal.listOrders({ ticker: "9984" }).orders.find((o) => o.sent?.["sizing"]);
  // 0.5% of 10,000,000 = 50,000 at risk; stop 2% below 3001 = 2940.98 → 2940 (away from the price): 61 a share → 800
  assert.equal(sized?.quantity, 800);
  assert.deepEqual(e.ledger.positions().filter((p) => p.quantity !== 0), [], "close_all * left nothing open");
});
