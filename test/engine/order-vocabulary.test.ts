/** Every alert kind of the order vocabulary on the paper broker: what it does, what it refuses, and why. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { T0, vocabEngine } from "../helpers/vocabulary.js";

const data = (r: { answer: { body: Record<string, unknown> } }) => r.answer.body["data"] as Record<string, unknown>;

test("a buy limit away from the market rests (working, in orders with its expiry) and fills when the ask reaches it, at the quote", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3010, 3012);
  const r = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2990.7, expire_minutes: 30 });
  assert.equal(r.answer.statusCode, 200);
  const [working] = e.journal.workingOrders("9984");
  assert.equal(working?.limit_price, 2990, "a buy limit rounded down to the TSE tick");
  assert.deepEqual(working?.sent, { quantity: 100, notes: ["price 2990.7 → 2990 (TSE tick, rounded down)"] });
  assert.equal(working?.order_expires_at, T0 + 1000 + 30 * 60_000);
  await e.quote("9984", 2992, 2994); // not yet
  assert.equal(e.journal.getOrder(working!.order_id)!.status, "working");
  await e.quote("9984", 2985, 2987); // the ask crosses the limit: fills at the quote
  const filled = e.journal.getOrder(working!.order_id)!;
  assert.equal(filled.status, "filled");
  assert.equal(filled.fill_price, 2987);
  assert.equal(e.ledger.position("9984")?.quantity, 100);
  assert.ok(e.types().includes("order.working"));
});

test("a pending order expires at its expiry, never filled after it", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3010, 3012);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2900, expire_minutes: 1 });
  const [w] = e.journal.workingOrders();
  e.clock.advance(61_000);
  await e.watch.sweep();
  assert.equal(e.journal.getOrder(w!.order_id)!.status, "expired");
  await e.quote("9984", 2800, 2801);
  assert.equal(e.ledger.position("9984"), undefined, "the expired order did not fill at the later low");
  assert.ok(e.types().includes("order.expired"));
});

test("a buy stop rests above the market and fills at the quote (with slippage) once the ask reaches it", async (t) => {
  const e = vocabEngine(t, { slippageBps: 10 });
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 3050, order_type: "stop" });
  const [w] = e.journal.workingOrders();
  await e.quote("9984", 3040, 3045);
  assert.equal(e.journal.getOrder(w!.order_id)!.status, "working");
  await e.quote("9984", 3060, 3062);
  assert.equal(e.journal.getOrder(w!.order_id)!.fill_price, 3065.062, "3062 × 1.001");
});

test("close_long closes the held position at market; a close with no position is refused (403 no_position)", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 200, price: "market" });
  const partial = await e.send({ action: "close_long", ticker: "9984", quantity: 100 });
  assert.equal(partial.answer.statusCode, 200);
  assert.equal(e.ledger.position("9984")?.quantity, 100, "a partial close");
  const all = await e.send({ action: "close_long", ticker: "9984" });
  assert.equal(data(all)["quantity"], 100);
  assert.equal(e.ledger.position("9984")?.quantity ?? 0, 0);
  const none = await e.send({ action: "close_long", ticker: "9984" });
  assert.equal(none.answer.statusCode, 403);
  assert.equal((none.answer.body["details"] as Record<string, unknown>)["limit_type"], "no_position");
  const short = await e.send({ action: "close_short", ticker: "7203" });
  assert.equal(short.answer.statusCode, 403);
});

test("close_all with ticker * closes every position, one order each", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.quote("7203", 2500, 2501);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  await e.send({ action: "buy", ticker: "7203", quantity: 300, price: "market" });
  const r = await e.send({ action: "close_all", ticker: "*" });
  assert.equal(r.answer.statusCode, 200);
  assert.equal((data(r)["orders"] as unknown[]).length, 2);
  assert.deepEqual(e.ledger.positions().filter((p) => p.quantity !== 0), []);
});

test("cancel removes the ticker's pending orders (optionally one side); with none it is refused", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2900 });
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2800 });
  const r = await e.send({ action: "cancel", ticker: "9984", side: "buy" });
  assert.equal(r.answer.statusCode, 200);
  assert.equal(e.journal.workingOrders().length, 0);
  assert.equal(e.journal.listOrders({ status: "cancelled" }).total, 2);
  await e.quote("9984", 2700, 2701);
  assert.equal(e.ledger.position("9984"), undefined, "a cancelled order never fills");
  const none = await e.send({ action: "cancel", ticker: "9984" });
  assert.equal(none.answer.statusCode, 422);
  assert.match(String(none.answer.body["message"]), /no pending order of 9984 to cancel/);
});

test("modify sets SL/TP (units converted from the open price); the paper stop closes the position when the bid crosses it", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" }); // fills at 3001
  const m = await e.send({ action: "modify", ticker: "9984", stop_loss: 2, sl_unit: "percent", take_profit: 100, tp_unit: "pips" });
  assert.equal(m.answer.statusCode, 200);
  const stops = e.stops.get("9984")!;
  assert.equal(stops.stop_loss, 2940, "3001 − 2% = 2940.98, rounded away from the price");
  assert.equal(stops.take_profit, 3105, "3001 + 100 pips = 3101, above 3,000 the tick is 5: rounded up, away from the price");
  await e.quote("9984", 2945, 2946);
  assert.equal(e.ledger.position("9984")?.quantity, 100);
  await e.quote("9984", 2938, 2939); // gapped through the stop: closed at the bid
  assert.equal(e.ledger.position("9984")?.quantity ?? 0, 0);
  const close = e.journal.listOrders({ ticker: "9984" }).orders.find((o) => o.effect === "close");
  assert.equal(close?.fill_price, 2938);
  assert.equal(e.stops.get("9984"), undefined, "a closed position has no stops left");
});

test("trailing moves the stop up on the price stream, never down; a modify that would loosen it is refused", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", stop_loss: 2900, trailing: { trigger: 50, distance: 40, step: 10 } });
  await e.quote("9984", 3060, 3061); // profit 59 ≥ 50: stop to 3020
  assert.equal(e.stops.get("9984")!.stop_loss, 3020);
  await e.quote("9984", 3040, 3041);
  assert.equal(e.stops.get("9984")!.stop_loss, 3020, "never loosened when the price falls back");
  const loosen = await e.send({ action: "modify", ticker: "9984", stop_loss: 2950 });
  assert.equal(loosen.answer.statusCode, 422);
  assert.equal((loosen.answer.body["details"] as Record<string, unknown>)["code"], "TRAILING_WOULD_LOOSEN");
  await e.quote("9984", 3019, 3020);
  assert.equal(e.ledger.position("9984")?.quantity ?? 0, 0, "the trailed stop closed it");
});

test("a position closed at the broker (no fill of ours) leaves no stops to the next one: a new entry without stops is not trailed", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", stop_loss: 2900, trailing: { trigger: 50, distance: 40, step: 10 } });
  assert.ok(e.stops.get("9984")?.protection, "the first position is trailed");
  // Its stop hit at the terminal: reconciliation records the broker's deal, with no order of ours.
  e.ledger.applyFill({ order_id: null, ticker: "9984", action: "sell", quantity: 100, price: 2990, fee: 0, time: T0 + 1, broker_deal_id: "deal-at-broker" });
  assert.equal(e.ledger.position("9984")?.quantity ?? 0, 0);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  assert.equal(e.stops.get("9984"), undefined, "the new position has no stops of the old one");
  const before = e.journal.listOrders({ ticker: "9984" }).orders.length;
  await e.quote("9984", 3100, 3101); // 99 in profit: the old trailing would move a stop to 3060
  assert.equal(e.journal.listOrders({ ticker: "9984" }).orders.length, before, "no modify was sent for it");
  assert.equal(e.ledger.position("9984")?.quantity, 100);
});

test("an entry added to a position keeps the position's stops when it brings none", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", stop_loss: 2900 });
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  assert.equal(e.ledger.position("9984")?.quantity, 200);
  assert.equal(e.stops.get("9984")?.stop_loss, 2900);
});

test("reverse closes the long and opens a short when short selling is allowed; refused (nothing done) when it is not", async (t) => {
  const off = vocabEngine(t);
  await off.quote("9984", 3000, 3001);
  await off.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  const refused = await off.send({ action: "reverse", ticker: "9984", quantity: 100 });
  assert.equal(refused.answer.statusCode, 422);
  assert.equal(off.ledger.position("9984")?.quantity, 100, "nothing was closed");

  const e = vocabEngine(t, { allowShort: true });
  await e.quote("9984", 3000, 3001);
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  const r = await e.send({ action: "reverse", ticker: "9984", quantity: 200 });
  assert.equal(r.answer.statusCode, 200);
  const orders = data(r)["orders"] as Array<Record<string, unknown>>;
  assert.deepEqual(orders.map((o) => [o["action"], o["quantity"], o["status"]]), [["sell", 100, "filled"], ["sell", 200, "filled"]]);
  assert.equal(e.ledger.position("9984")?.quantity, -200);
  const back = await e.send({ action: "close_short", ticker: "9984" });
  assert.equal(back.answer.statusCode, 200);
  assert.equal(e.ledger.position("9984")?.quantity ?? 0, 0);
});

test("risk_percent sizing computes the quantity from the balance and the stop, shown in the answer and the journal", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  const r = await e.send({ action: "buy", ticker: "9984", price: "market", stop_loss: 2901, sizing: { mode: "risk_percent", value: 1 } });
  // 1% of 10,000,000 = 100,000 at risk; 3001 − 2901 = 100 per share → 1000 shares
  assert.equal(data(r)["quantity"], 1000);
  const o = e.journal.getOrder(String(data(r)["order_id"]))!;
  assert.equal(o.quantity, 1000);
  assert.match(String(o.sent?.["sizing"]), /1% of balance 10000000 = 100000 at risk \/ 100 per share/);
  const small = await e.send({ action: "buy", ticker: "9984", price: "market", sizing: { mode: "cash", value: 100_000 } });
  assert.equal(small.answer.statusCode, 422, "100,000 buys 33 shares: below the 100-share lot");
});

test("max_spread refuses an entry when the spread is wider (403 max_spread)", async (t) => {
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3006);
  const r = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", max_spread: 5 });
  assert.equal(r.answer.statusCode, 403);
  assert.deepEqual((r.answer.body["details"] as Record<string, unknown>)["limit_type"], "max_spread");
  const ok = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", max_spread: 6 });
  assert.equal(ok.answer.statusCode, 200);
});

test("exits are never blocked by entry limits or the kill switch's entry block; entries are", async (t) => {
  const e = vocabEngine(t, { policy: { riskRules: () => ({ maxDailyEntries: 1, cooldownMinutes: 60, marketHours: "always", maxDailyLoss: 1, maxExposure: 1 }), timestampWindowMs: 300_000 } });
  await e.quote("9984", 3000, 3001);
  e.killSwitch.set(true, "test", "test", e.clock.now());
  const entry = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  assert.equal(entry.answer.statusCode, 503);
  e.killSwitch.set(false, null, "test", e.clock.now());
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market", expire_minutes: undefined }, "flatten");
  await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2500 }, "flatten");
  e.killSwitch.set(true, "test", "test", e.clock.now());
  const modify = await e.send({ action: "modify", ticker: "9984", stop_loss: 2800 });
  assert.equal(modify.answer.statusCode, 200, "an SL move under the kill switch and over every entry limit");
  const cancel = await e.send({ action: "cancel", ticker: "9984" });
  assert.equal(cancel.answer.statusCode, 200);
  const close = await e.send({ action: "close_long", ticker: "9984" });
  assert.equal(close.answer.statusCode, 200);
  const again = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: "market" });
  assert.equal(again.answer.statusCode, 503);
});

test("TSE prices: a limit beyond the daily price limit (値幅制限) is refused; a stop beyond it waits", async (t) => {
  const e = vocabEngine(t, { instruments: { "9984": { symbol: "9984", basePrice: 3000 } } });
  await e.quote("9984", 3000, 3001);
  const beyond = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2200 });
  assert.equal(beyond.answer.statusCode, 422);
  assert.match(String(beyond.answer.body["message"]), /outside today's price limit 2300–3700/);
  const stop = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 3800, order_type: "stop" });
  assert.equal(stop.answer.statusCode, 200);
  assert.equal(e.journal.workingOrders("9984").length, 1);
});

test("the dry run reports exactly what would be sent: the computed quantity and the prices on the grid", async (t) => {
  const { buildDryRun } = await import("../../src/webhook/dry-run.js");
  const { validateAlert } = await import("../../src/webhook/validate-alert.js");
  const e = vocabEngine(t);
  await e.quote("9984", 3000, 3001);
  const v = validateAlert({ action: "buy", ticker: "9984", price: 2950.4, stop_loss: 2900.5, sizing: { mode: "risk_percent", value: 1 } }, { now: e.clock.now(), timestampWindowMs: 300_000, signalTtlMs: 60_000, requestId: "req_t", signalId: "sig_t", mode: "test" });
  assert.equal(v.ok, true);
  const out = await e.engine.admit({ signal: v.ok ? v.signal : (null as never), dryRun: true });
  const report = buildDryRun({ requestId: "req_t", now: e.clock.now(), validation: v, judgement: out.kind === "dry_run" ? out.judgement : null });
  assert.equal(report.would_execute, true);
  // limit 2950.4 → 2950 (down), stop 2900.5 → 2900 (away); 1% of 10M / (2950 − 2900) = 2000 shares
  assert.deepEqual(report.would_send?.map((o) => [o["order_type"], o["price"], o["stop_loss"], o["quantity"]]), [["limit", 2950, 2900, 2000]]);
  assert.equal(e.journal.listOrders().total, 0, "nothing was written");
});
