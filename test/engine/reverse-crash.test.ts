/**
 * A crash in the middle of a reverse: after its close was journaled, before its open was sent. On restart the open
 * is sent once (while its signal is fresh) or expires (after), never twice; the close is never dealt again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/domain/clock.js";
import type { Signal } from "../../src/domain/types.js";
import { crashCopy, journalFile, OPEN_POLICY, openEngine, testSignal } from "../helpers/engine.js";
import { T0 } from "../helpers/vocabulary.js";

const reverse = (id: string, o: Partial<Signal> = {}) => testSignal(id, T0, { action: "reverse", quantity: 100, entry_price: 3000, ...o });

test("a reverse cut between its close and its open: the open happens once on restart, or expires; never twice", async (t) => {
  const clock = new ManualClock(T0);
  const file = journalFile(t);
  // No quote: each order is queued and the paper broker deals it at the alert's price, one after the other.
  const a = openEngine(file, clock, { allowShort: true, policy: OPEN_POLICY });
  t.after(() => a.db.close());
  const buy = await a.engine.admit({ signal: testSignal("b1", T0) });
  assert.equal(buy.kind === "accepted" && (await buy.done).status, "filled");

  const copies: string[] = [];
  a.bus.on("order.filled", (e) => {
    const p = e.payload as { action: string };
    if (p.action === "sell" && copies.length === 0) {
      // The close's fill is committed; the open has not run yet: what a kill -9 here leaves on disk.
      copies.push(crashCopy(file, `${file}.fresh`), crashCopy(file, `${file}.late`));
    }
  });
  const r = await a.engine.admit({ signal: reverse("r1") });
  assert.equal(r.kind, "accepted");
  await a.engine.drain();
  assert.equal(copies.length, 2, "the crash point was reached");

  // Restarted while the signal is fresh: the open is sent once.
  const b = openEngine(copies[0]!, clock, { allowShort: true });
  t.after(() => b.db.close());
  const open = b.journal.openOrders();
  assert.deepEqual(open.map((o) => [o.action, o.effect, o.status]), [["sell", "open", "pending"]]);
  assert.equal(await b.engine.resume(), 1);
  await b.engine.drain();
  assert.equal(b.ledger.position("9984")?.quantity, -100);
  const fills = b.db.all<{ order_id: string }>("SELECT order_id FROM fills");
  assert.equal(fills.length, 3, "buy, close, open: each dealt once");
  assert.equal(new Set(fills.map((f) => f.order_id)).size, 3);
  assert.equal(await b.engine.resume(), 0, "nothing left to send a second time");

  // Restarted after the signal went stale: the open expires, never sent; the close stands.
  const late = new ManualClock(T0 + 61_000);
  const c = openEngine(copies[1]!, late, { allowShort: true });
  t.after(() => c.db.close());
  await c.engine.resume();
  await c.engine.drain();
  const expired = c.journal.listOrders({ status: "expired" }).orders;
  assert.deepEqual(expired.map((o) => [o.action, o.effect]), [["sell", "open"]]);
  assert.equal(c.ledger.position("9984")?.quantity ?? 0, 0);
  assert.equal(c.db.all("SELECT order_id FROM fills").length, 2);
});
