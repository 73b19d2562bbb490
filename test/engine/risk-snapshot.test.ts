/** Risk reads count orders accepted but not filled yet: the exit of a queued entry is taken, exposure includes it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PaperBroker } from "../../src/broker/paper/paper-broker.js";
import { ManualClock } from "../../src/domain/clock.js";
import { Control } from "../../src/engine/control.js";
import { EventBus } from "../../src/engine/event-bus.js";
import { KillSwitch } from "../../src/engine/kill-switch.js";
import { QuoteBook } from "../../src/engine/quote-book.js";
import { Database } from "../../src/store/database.js";
import { Journal, type StoredOrder } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { SqliteStateStore } from "../../src/store/state-store.js";

const T = Date.parse("2026-11-24T10:00:00+09:00");

test("held quantity and exposure include open orders; final ones do not", () => {
  const db = new Database(":memory:");
  const journal = new Journal(db);
  const ledger = new Ledger(db);
  const clock = new ManualClock(T);
  const quotes = new QuoteBook();
  quotes.update({ instrument: "7203", bid: 2799, ask: 2801, time: T, tradeable: true, feed: "t" });
  const control = new Control({
    journal, ledger, quotes, clock, bus: new EventBus(), killSwitch: new KillSwitch(new SqliteStateStore(db)),
    broker: new PaperBroker(() => ({ initialCash: 1e7, slippageBps: 0, feeRate: 0, feeMin: 0 }), ledger, (t) => quotes.forTicker(t), clock),
    risk: () => ({ maxDailyEntries: 3, cooldownMinutes: 0, maxDailyLoss: 0, maxExposure: 0 }), marketOpen: () => true, streams: () => [], flatten: async () => [],
    brokerState: async () => ({ kind: "paper", connected: true, checked_at: null }),
  });
  const add = (action: "buy" | "sell", ticker: string, quantity: number, status: StoredOrder["status"], limit: number | null = null) => {
    const { orderId, tradingDate } = journal.nextOrderId(T);
    journal.insertOrder({
      order_id: orderId, signal_id: `s_${orderId}`, request_id: "r", ticker, action, quantity, order_type: limit ? "limit" : "market", limit_price: limit,
      stop_loss: null, take_profit: null, reference_price: 1000, status, fill_price: null, filled_quantity: 0, fee: 0, broker_order_id: null,
      error_code: null, error_message: null, attempts: 0, created_at: T, updated_at: T, submitted_at: null, filled_at: null, expires_at: T + 60_000, trading_date: tradingDate,
    });
  };
  ledger.applyFill({ order_id: null, ticker: "9984", action: "buy", quantity: 100, price: 3000, fee: 0, time: T, broker_deal_id: "d1" });
  add("buy", "7203", 300, "submitted"); // at the broker: valued at the quote's mid (2,800)
  add("buy", "1301", 200, "pending", 3000); // queued limit: valued at its limit
  add("sell", "9984", 100, "pending"); // an exit already queued
  add("buy", "6758", 500, "rejected"); // final: counts for nothing
  const r = control.riskSnapshot();
  assert.equal(r.held("7203"), 300, "the exit of a queued entry finds it");
  assert.equal(r.held("9984"), 0, "a second exit of the same shares finds nothing left");
  assert.equal(r.held("6758"), 0);
  assert.equal(r.exposure, 100 * 3000 + 300 * 2800 + 200 * 3000);
  db.close();
});
