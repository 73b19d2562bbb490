/** Restart recovery with the real journal and the paper broker: nothing lost, nothing sent twice, stale entries never sent. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/domain/clock.js";
import type { Signal } from "../../src/domain/types.js";
import { newOrder } from "../../src/engine/order-records.js";
import type { PlannedOrder } from "../../src/engine/plan-orders.js";
import { journalFile, openEngine, testSignal } from "../helpers/engine.js";

const T0 = Date.parse("2026-11-24T01:00:00Z");

const signal = (id: string, o: Partial<Signal> = {}) => testSignal(id, T0, o);

test("an order whose fill was journaled but whose status was not is settled from the broker's record, not resent", async (t) => {
  const file = journalFile(t);
  const clock = new ManualClock(T0);
  const a = openEngine(file, clock);
  const accepted = await a.engine.admit({ signal: signal("s1") });
  assert.equal(accepted.kind, "accepted");
  if (accepted.kind !== "accepted") return;
  await accepted.done;
  // Simulate the crash window: the fill is journaled, but the order row still says "submitted".
  a.journal.updateOrder(accepted.order.order_id, { status: "submitted", fill_price: null }, clock.now());
  const cashBefore = (await a.broker.accountInfo()).balance;
  a.db.close();

  const b = openEngine(file, clock);
  assert.equal(await b.engine.resume(), 1);
  await b.engine.drain();
  const o = b.journal.getOrder(accepted.order.order_id)!;
  assert.equal(o.status, "filled");
  assert.equal(o.fill_price, 3000);
  assert.equal(b.ledger.position("9984")?.quantity, 100, "the fill is recorded once");
  assert.equal((await b.broker.accountInfo()).balance, cashBefore, "not bought twice");
  b.db.close();
});

test("a pending entry whose signal expired during an outage is marked expired and never sent; a pending exit is still sent", async (t) => {
  const file = journalFile(t);
  const clock = new ManualClock(T0);
  const a = openEngine(file, clock);
  const held = await a.engine.admit({ signal: signal("held", { ticker: "7203" }) });
  assert.equal(held.kind, "accepted");
  if (held.kind === "accepted") await held.done;
  // Journal two orders, then "crash" before they are sent: they stay pending.
  const { orderId: entryId, tradingDate } = a.journal.nextOrderId(clock.now());
  const { orderId: exitId } = a.journal.nextOrderId(clock.now());
  const base = { request_id: "r", order_type: "market" as const, limit_price: null, stop_loss: null, take_profit: null, status: "pending" as const, fill_price: null, filled_quantity: 0, fee: 0, broker_order_id: null, error_code: null, error_message: null, attempts: 0, created_at: T0, updated_at: T0, submitted_at: null, filled_at: null, expires_at: T0 + 60_000, trading_date: tradingDate, quantity: 100 };
  a.journal.insertSignal(signal("e"), "accepted");
  a.journal.insertSignal(signal("x", { action: "sell", ticker: "7203" }), "accepted");
  a.journal.insertOrder({ ...base, order_id: entryId, signal_id: "e", ticker: "9984", action: "buy", reference_price: 3000 });
  a.journal.insertOrder({ ...base, order_id: exitId, signal_id: "x", ticker: "7203", action: "sell", reference_price: 2900 });
  a.db.close();

  clock.advance(10 * 60_000); // a 10-minute outage
  const b = openEngine(file, clock);
  assert.equal(await b.engine.resume(), 2);
  await b.engine.drain();
  const entry = b.journal.getOrder(entryId)!;
  assert.equal(entry.status, "expired");
  assert.equal(entry.error_code, "SIGNAL_EXPIRED");
  assert.equal(await b.broker.findOrder(entryId), null, "never reached the broker");
  assert.equal(b.journal.getOrder(exitId)!.status, "filled", "reducing risk is never stale");
  assert.equal(b.ledger.position("7203"), undefined);
  b.db.close();
});

test("an order taken over as unknown and found unsent is sent once, recording when it was sent and the attempt (paper)", async (t) => {
  const file = journalFile(t);
  const clock = new ManualClock(T0);
  const a = openEngine(file, clock);
  t.after(() => a.db.close());
  // What a new leader's takeover leaves: an order the previous leader may have sent, marked unknown, never sent here.
  const s = signal("taken");
  const { orderId, tradingDate } = a.journal.nextOrderId(T0);
  const plan: PlannedOrder = { kind: "trade", ticker: "9984", action: "buy", effect: null, quantity: 100, order_type: "market", limit_price: null, stop_loss: null, take_profit: null, reference_price: 3000, order_expires_at: null, target_order_id: null, protection: null, sent: null };
  a.journal.insertSignal(s, "accepted", null, orderId);
  a.journal.insertOrder({ ...newOrder(s, plan, orderId, tradingDate, T0), status: "unknown", error_code: "PAIR_TAKEOVER" });
  clock.advance(1000);
  assert.equal(await a.engine.resume(), 1);
  await a.engine.drain();
  const o = a.journal.getOrder(orderId)!;
  assert.deepEqual([o.status, o.submitted_at, o.attempts], ["filled", T0 + 1000, 1]);
  assert.equal(a.db.all("SELECT order_id FROM fills").length, 1);
});
