import { test } from "node:test";
import assert from "node:assert/strict";
import { PaperBroker } from "../../../src/broker/paper/paper-broker.js";
import { ManualClock } from "../../../src/domain/clock.js";
import type { Quote } from "../../../src/domain/types.js";
import type { OrderRequest, OrderResult } from "../../../src/engine/broker.js";
import { Database } from "../../../src/store/database.js";
import { Ledger } from "../../../src/store/ledger.js";

const cfg = { initialCash: 1_000_000, slippageBps: 10, feeRate: 0.001, feeMin: 100 };

function setup(quotes: Record<string, Quote> = {}) {
  const db = new Database(":memory:");
  const ledger = new Ledger(db);
  const clock = new ManualClock(Date.parse("2026-11-24T01:00:00Z"));
  const make = () => new PaperBroker(() => cfg, ledger, (t) => quotes[t], clock);
  /** What the engine's settle transaction does with a fill. */
  const record = (req: OrderRequest, r: OrderResult) => {
    if (r.kind !== "filled") return;
    ledger.applyFill({ order_id: req.client_order_id, ticker: req.ticker, action: req.action, quantity: r.fill.quantity, price: r.fill.price, fee: r.fill.fee, time: r.fill.time, broker_deal_id: r.fill.broker_deal_id });
  };
  return { db, ledger, make, record };
}

function req(o: Partial<OrderRequest> = {}): OrderRequest {
  return { client_order_id: "ORD_20261124_001", kind: "trade", effect: null, ticker: "9984", action: "buy", quantity: 100, order_type: "market", limit_price: null, order_expires_at: null, target_client_order_id: null, target_broker_order_id: null, stop_loss: null, take_profit: null, reference_price: null, is_exit: false, ...o };
}

const q9984: Quote = { instrument: "9984", bid: 2999, ask: 3000, time: 0, tradeable: true, feed: "t" };

test("a market buy fills at the ask plus slippage, with the fee; once journaled, cash goes down", async () => {
  const s = setup({ "9984": q9984 });
  const b = s.make();
  const r = await b.orderSend(req());
  assert.equal(r.kind, "filled");
  if (r.kind !== "filled") return;
  assert.equal(r.fill.price, 3003); // 3000 × (1 + 10 bps)
  assert.equal(r.fill.fee, 300.3); // 0.1% of 300,300
  s.record(req(), r);
  assert.equal((await b.accountInfo()).balance, 1_000_000 - 300_300 - 300.3);
  const sell = req({ client_order_id: "ORD_20261124_002", action: "sell" });
  const r2 = await b.orderSend(sell);
  assert.equal(r2.kind === "filled" && r2.fill.price, 2996.001); // 2999 × (1 − 10 bps)
  s.record(sell, r2);
  assert.deepEqual(await b.positions(), []);
});

test("without a quote it fills at the alert's price; with neither it needs a quote, and refuses for a passing reason", async () => {
  const quotes: Record<string, Quote> = {};
  const b = setup(quotes).make();
  assert.equal(b.needsQuote(req({ reference_price: 1500 })), false, "the alert's price will do");
  const r = await b.orderSend(req({ reference_price: 1500 }));
  assert.equal(r.kind === "filled" && r.fill.price, 1500);
  assert.equal(b.needsQuote(req()), true, "a market order without a price hint waits for a quote");
  const none = await b.orderSend(req({ client_order_id: "ORD_20261124_002" }));
  assert.deepEqual(none.kind === "rejected" && [none.code, /no quote for 9984/.test(none.message), none.temporary], ["NO_PRICE", true, true]);
  quotes["9984"] = q9984;
  assert.equal(b.needsQuote(req()), false, "quoted: nothing to wait for");
});

test("cash and no-short checks; a journaled order is found and never filled twice; the book is the journal's", async () => {
  const s = setup({ "9984": q9984 });
  const b = s.make();
  const big = await b.orderSend(req({ quantity: 100_000 }));
  assert.equal(big.kind === "rejected" && big.code, "INSUFFICIENT_CASH");
  const short = await b.orderSend(req({ client_order_id: "ORD_X_1", action: "sell" }));
  assert.equal(short.kind === "rejected" && short.code, "NO_POSITION");
  assert.equal(await b.findOrder("ORD_X_2"), null, "not executed until its fill is journaled");
  const first = await b.orderSend(req({ client_order_id: "ORD_X_2" }));
  s.record(req({ client_order_id: "ORD_X_2" }), first);
  const again = await b.orderSend(req({ client_order_id: "ORD_X_2" }));
  assert.deepEqual(again, first);
  const restarted = s.make();
  assert.deepEqual(await restarted.positions(), await b.positions());
  assert.equal((await restarted.positions())[0]!.quantity, 100);
  assert.deepEqual(await restarted.findOrder("ORD_X_2"), first);
});

test("a limit order fills when marketable, at the better of quote and limit; else it rests", async () => {
  const b = setup({ "9984": q9984 }).make();
  const away = await b.orderSend(req({ order_type: "limit", limit_price: 2900 }));
  assert.equal(away.kind, "placed", "a limit away from the market rests until the quote reaches it");
  const through = await b.orderSend(req({ client_order_id: "ORD_L_2", order_type: "limit", limit_price: 3100 }));
  assert.equal(through.kind === "filled" && through.fill.price, 3003, "at the ask with slippage, not at the worse limit");
});
