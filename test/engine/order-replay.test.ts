/**
 * The paper broker driven through a recorded price path (fixtures/replay/order-path.ndjson): every limit, stop,
 * stop-loss, take-profit and trailing fill price against values computed by hand (slippage 10 bps: a buy deals at
 * ask × 1.001, a sell at bid × 0.999).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { T0, vocabEngine } from "../helpers/vocabulary.js";

const PATH = fileURLToPath(new URL("../../fixtures/replay/order-path.ndjson", import.meta.url));
const ticks = readFileSync(PATH, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { tick: { instrument: string; time: string; bid: number; ask: number } }).tick);

test("replay: limit, stop, take profit, trailing stop and expiry fill (or not) exactly where computed by hand", async (t) => {
  assert.equal(Date.parse(ticks[0]!.time), T0, "the path starts at the fixture's clock");
  const e = vocabEngine(t, { slippageBps: 10 });
  const at = (tick: (typeof ticks)[number]) => e.quote(tick.instrument, tick.bid, tick.ask, Date.parse(tick.time) - e.clock.now());
  await at(ticks[0]!);
  await at(ticks[1]!);
  // A: buy limit 2990 on 9984 with SL 2950 / TP 3100. B: buy stop 2520 on 7203 with SL 2490 and a trailing stop.
  // C: buy limit 2400 on 9984 that expires after a minute, before the price gets there.
  const a = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2990, stop_loss: 2950, take_profit: 3100 });
  const b = await e.send({ action: "buy", ticker: "7203", quantity: 100, price: 2520, order_type: "stop", stop_loss: 2490, trailing: { trigger: 20, distance: 15, step: 5 } });
  const c = await e.send({ action: "buy", ticker: "9984", quantity: 100, price: 2400, expire_minutes: 1 });
  const id = (r: typeof a) => String((r.answer.body["data"] as Record<string, unknown>)["order_id"]);
  const stopsOf7203: Array<number | null> = [];
  for (const tick of ticks.slice(2)) {
    await at(tick);
    if (tick.instrument === "7203") stopsOf7203.push(e.stops.get("7203")?.stop_loss ?? null);
  }
  const fill = (orderId: string) => e.journal.getOrder(orderId)!.fill_price;
  // A: at 01:00:20 the ask 2987 × 1.001 = 2989.987 ≤ 2990 (at 01:00:10, 2993 × 1.001 = 2995.993 was not).
  assert.equal(fill(id(a)), 2989.987);
  // B: at 01:00:20 the ask 2522 ≥ 2520 triggers it: 2522 × 1.001 = 2524.522.
  assert.equal(fill(id(b)), 2524.522);
  // The trailing stop: profit 15.478 at 2540 (< 20: none); 2550 → 2535; 2553 → 2538 is < 5 above: none; 2560 → 2545.
  assert.deepEqual(stopsOf7203, [null, 2490, 2490, 2535, 2535, 2545, null], "before the fill none; then the stop; closed at the end");
  const closes = e.journal.listOrders({}).orders.filter((o) => o.effect === "close");
  const closeOf = (ticker: string) => closes.find((o) => o.ticker === ticker)!;
  // A's take profit: at 01:01:10 the bid 3101 ≥ 3100: sold at 3101 × 0.999 = 3097.899.
  assert.equal(closeOf("9984").fill_price, 3097.899);
  assert.equal(closeOf("9984").filled_at, Date.parse("2026-11-24T01:01:10Z"));
  // B's trailed stop: at 01:01:20 the bid 2544 ≤ 2545: sold at 2544 × 0.999 = 2541.456.
  assert.equal(closeOf("7203").fill_price, 2541.456);
  // C expired at 01:01:00 (placed at 01:00:00 + 3 ms of alert time): the 2381 ask at 01:01:20 came too late.
  assert.equal(e.journal.getOrder(id(c))!.status, "expired");
  assert.deepEqual(e.ledger.positions().filter((p) => p.quantity !== 0), []);
  // Realised: A (3097.899 − 2989.987) × 100 + B (2541.456 − 2524.522) × 100
  assert.equal(Math.round(e.ledger.cashFlow() * 1000) / 1000, Math.round(((3097.899 - 2989.987) + (2541.456 - 2524.522)) * 100 * 1000) / 1000);
});
