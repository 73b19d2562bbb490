/** The per-day risk counters are kept by triggers in the same transactions as the orders and fills they count. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Database } from "../../src/store/database.js";
import { Journal, type StoredOrder } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { testHome } from "../helpers/temp-home.js";

const T = Date.parse("2026-11-24T10:00:00+09:00");

function order(journal: Journal, action: "buy" | "sell", at = T): StoredOrder {
  const { orderId, tradingDate } = journal.nextOrderId(at);
  const o: StoredOrder = {
    order_id: orderId, signal_id: `s_${orderId}`, request_id: "r", ticker: "9984", action, quantity: 100, order_type: "market",
    limit_price: null, stop_loss: null, take_profit: null, reference_price: 3000, status: "pending", fill_price: null, filled_quantity: 0,
    fee: 0, broker_order_id: null, error_code: null, error_message: null, attempts: 0, created_at: at, updated_at: at,
    submitted_at: null, filled_at: null, expires_at: at + 60_000, trading_date: tradingDate,
  };
  journal.insertOrder(o);
  return o;
}

test("entries and exits count per JST day; a refused order stops counting; realised P&L adds up; a rollback undoes both", () => {
  const db = new Database(":memory:");
  const journal = new Journal(db);
  const ledger = new Ledger(db);
  const b1 = order(journal, "buy");
  order(journal, "buy");
  order(journal, "sell");
  assert.deepEqual(journal.dayCounters(T), { entries: 2, exits: 1, realized_pnl: 0 });

  journal.updateOrder(b1.order_id, { status: "rejected" }, T);
  assert.equal(journal.dayCounters(T).entries, 1, "a rejected entry does not count");
  journal.updateOrder(b1.order_id, { status: "rejected", error_code: "X" }, T);
  assert.equal(journal.dayCounters(T).entries, 1, "an update that keeps the status changes nothing");

  ledger.applyFill({ order_id: null, ticker: "9984", action: "buy", quantity: 100, price: 3000, fee: 0, time: T, broker_deal_id: "d1" });
  ledger.applyFill({ order_id: null, ticker: "9984", action: "sell", quantity: 100, price: 2950, fee: 10, time: T + 1, broker_deal_id: "d2" });
  assert.equal(journal.dayCounters(T).realized_pnl, -5010);

  assert.throws(() => db.tx(() => {
    order(journal, "buy");
    throw new Error("crash inside the transaction");
  }));
  assert.equal(journal.dayCounters(T).entries, 1, "rolled back with the order");

  const nextDay = Date.parse("2026-11-25T00:30:00+09:00");
  assert.deepEqual(journal.dayCounters(nextDay), { entries: 0, exits: 0, realized_pnl: 0 }, "a new JST day starts at zero");
  order(journal, "buy", nextDay);
  assert.equal(journal.dayCounters(nextDay).entries, 1);
  assert.equal(journal.dayCounters(T).entries, 1);
});

test("a batched write queued inside a transaction is written after it, never deadlocking the two connections", async (t) => {
  const { tempHome } = await import("../helpers/temp-home.js");
  const home = testHome(t);
  const db = new Database(`${home}/t.db`);
  db.tx(() => {
    for (let i = 0; i < 600; i++) db.bulkDefer("INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)", `k${i}`, "v", i);
    db.flush();
  });
  db.flush();
  assert.equal(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM state")?.n, 600);
  db.close();
});

test("a durable commit syncs the WAL once and a relaxed one does not; a commit that cannot start shows the real error and leaves no transaction open", async (t) => {
  const { tempHome } = await import("../helpers/temp-home.js");
  const { DatabaseSync } = await import("node:sqlite");
  const home = testHome(t);
  const db = new Database(`${home}/t.db`);
  const write = (k: string) => db.run("INSERT INTO state (key, value, updated_at) VALUES (?, 'v', 1)", k);
  const before = db.syncs;
  db.tx(() => (write("a"), write("b")));
  assert.equal(db.syncs, before + 1, "one sync for a durable transaction");
  db.tx(() => write("c"), { durable: false });
  assert.equal(db.syncs, before + 1, "none for a relaxed one");
  write("d");
  assert.equal(db.syncs, before + 2, "a statement on its own is a durable commit");

  db.db.exec("PRAGMA busy_timeout=50");
  const other = new DatabaseSync(`${home}/t.db`);
  other.exec("BEGIN IMMEDIATE");
  assert.throws(() => db.tx(() => write("e")), /locked/);
  other.exec("ROLLBACK");
  other.close();
  assert.equal(db.db.isTransaction, false);
  db.close();
});
