/**
 * The order vocabulary at MetaTrader 5 end to end: alerts through POST /webhook to the real bridge and the fake
 * terminal. Pending orders via TRADE_ACTION_PENDING (found filled by reconciliation), SL/TP via TRADE_ACTION_SLTP,
 * cancels via TRADE_ACTION_REMOVE, closes as opposite deals against the position ticket, and the refusals.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { buy, order, sends, setup, spawnedSetup } from "../helpers/mt5-daemon.js";
import { until } from "../helpers/until.js";

test("a buy limit rests at MT5 (PENDING, comment = order id, price on the symbol's grid) and is found filled by reconciliation", async (t) => {
  const { bridge, d } = await setup(t);
  const res = await d.post("/webhook", buy({ price: 8950.06, stop_loss: 8800.04, take_profit: 9300.01 }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = res.body.data.order_id as string;
  assert.equal(res.body.data.order_status, "working");
  assert.equal(res.body.data.limit_price, 8950, "a buy limit rounded down to the 0.1 tick");
  assert.deepEqual([res.body.data.stop_loss, res.body.data.take_profit], [8800, 9300.1]);
  const pending = bridge.fakeState().orders;
  assert.deepEqual(pending.map((o) => [o.comment, o.type, o.price_open, o.sl, o.tp]), [[id, 2, 8950, 8800, 9300.1]]);
  assert.equal((await order(d, id)).status, "working");
  bridge.faults({ prices: { "9984.T": { bid: 8948, ask: 8949 } } });
  const filled = await until("the pending order to fill", () => order(d, id), (o) => o.status === "filled");
  assert.equal(filled.fill_price, 8949);
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", 100]]);
});

test("modify moves SL/TP with TRADE_ACTION_SLTP; close_long deals against the position ticket; a second close is refused", async (t) => {
  const { bridge, d } = await setup(t);
  const entry = await d.post("/webhook", buy());
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  const ticket = bridge.fakeState().positions[0]!.ticket;
  const m = await d.post("/webhook", buy({ action: "modify", quantity: undefined, price: undefined, stop_loss: 1, sl_unit: "percent", take_profit: 9500 }));
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.equal(m.body.data.order_status, "done");
  const pos = bridge.fakeState().positions[0]!;
  assert.deepEqual([pos.sl, pos.tp], [8911.9, 9500], "9002 − 1% = 8911.98, on the 0.1 grid away from the price");
  const close = await d.post("/webhook", buy({ action: "close_long", quantity: undefined, price: undefined }));
  assert.equal(close.status, 200, JSON.stringify(close.body));
  const deal = bridge.fakeState().deals.at(-1)!;
  assert.deepEqual([deal.comment, deal.position_id, deal.entry], [close.body.data.order_id, ticket, 1]);
  const again = await d.post("/webhook", buy({ action: "close_long", quantity: undefined, price: undefined }));
  assert.equal(again.status, 403);
  assert.equal(again.body.details.limit_type, "no_position");
});

test("cancel removes the pending order with TRADE_ACTION_REMOVE; the journal says cancelled", async (t) => {
  const { bridge, d } = await setup(t);
  const placed = await d.post("/webhook", buy({ price: 8500 }));
  assert.equal(placed.body.data.order_status, "working", JSON.stringify(placed.body));
  const cancel = await d.post("/webhook", buy({ action: "cancel", quantity: undefined, price: undefined }));
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  assert.equal(bridge.fakeState().orders.length, 0);
  assert.equal(bridge.fakeState().history_orders.at(-1)!.state, 2, "ORDER_STATE_CANCELED");
  assert.equal((await order(d, placed.body.data.order_id)).status, "cancelled");
  const none = await d.post("/webhook", buy({ action: "cancel", quantity: undefined, price: undefined }));
  assert.equal(none.status, 422);
});

test("refusals at MT5: a modify that would loosen a trailing stop, a spread above max_spread", async (t) => {
  const { d } = await setup(t);
  // 9984.T quotes 9000/9002 in points of 0.1: a spread of 20 points = 2 pips (pip = 1 point on a 1-digit symbol).
  const wide = await d.post("/webhook", buy({ max_spread: 1 }));
  assert.equal(wide.status, 403, JSON.stringify(wide.body));
  assert.equal(wide.body.details.limit_type, "max_spread");
  const entry = await d.post("/webhook", buy({ stop_loss: 8900, trailing: { trigger: 100, distance: 50 } }));
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  const loosen = await d.post("/webhook", buy({ action: "modify", quantity: undefined, price: undefined, stop_loss: 8800 }));
  assert.equal(loosen.status, 422);
  assert.equal(loosen.body.details.code, "TRAILING_WOULD_LOOSEN");
});

test("a reverse at MT5 answers 200 within the sync budget with its close and its open settled; a repeat gets that answer", async (t) => {
  const { bridge, d } = await setup(t, { config: () => ({ risk: { allowShort: true } }) });
  const entry = await d.post("/webhook", buy());
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  const body = buy({ action: "reverse" });
  const res = await d.post("/webhook", body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const orders = res.body.data.orders as Array<{ order_id: string; action: string; status: string; fill_price: number }>;
  assert.deepEqual(orders.map((o) => [o.action, o.status, o.fill_price]), [["sell", "filled", 9000], ["sell", "filled", 9000]]);
  assert.deepEqual([res.body.data.order_id, res.body.data.order_status], [orders[0]!.order_id, "filled"]);
  assert.deepEqual(bridge.sent(), [entry.body.data.order_id, ...orders.map((o) => o.order_id)]);
  const repeat = await d.post("/webhook", body);
  assert.equal(repeat.status, 200);
  assert.deepEqual(repeat.body, res.body, "the settled answer was kept for repeats");
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", -100]]);
});

test("a partial close_long: a quantity smaller than the position is dealt against its ticket, the rest stays held", async (t) => {
  const { bridge, d } = await setup(t);
  const entry = await d.post("/webhook", buy({ quantity: 300 }));
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  const ticket = bridge.fakeState().positions[0]!.ticket;
  const close = await d.post("/webhook", buy({ action: "close_long", quantity: 100, price: undefined }));
  assert.equal(close.status, 200, JSON.stringify(close.body));
  assert.deepEqual([close.body.data.order_status, close.body.data.quantity], ["filled", 100]);
  const deal = bridge.fakeState().deals.at(-1)!;
  assert.deepEqual([deal.comment, deal.position_id, deal.entry, deal.volume], [close.body.data.order_id, ticket, 1, 1]);
  assert.deepEqual(bridge.fakeState().positions.map((p) => [p.ticket, p.volume]), [[ticket, 2]]);
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", 200]]);
  const status = (await d.socket("GET", "/status")).body.data;
  assert.deepEqual(status.risk_status.blocked_tickers, {}, "the journal agrees with the terminal");
});

test("a pending order that fills while the daemon is down is found by reconciliation at the next start", async (t) => {
  const s = await setup(t);
  const placed = await s.d.post("/webhook", buy({ price: 8950 }));
  assert.equal(placed.body.data.order_status, "working", JSON.stringify(placed.body));
  const id = placed.body.data.order_id as string;
  await s.d.close();
  s.bridge.faults({ prices: { "9984.T": { bid: 8948, ask: 8949 } } });
  const d = await s.restart();
  // The start waits for its first reconciliation: the fill is in the journal before the daemon takes an alert.
  const o = await order(d, id);
  assert.deepEqual([o.status, o.fill_price, o.filled_quantity], ["filled", 8949, 100]);
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", 100]]);
  assert.equal(sends(s.bridge), 1, "found, never sent again");
  const status = (await d.socket("GET", "/status")).body.data;
  assert.equal(status.reconciliation.external_fills, 0, "the fill is the order's own, not a stranger's");
  assert.deepEqual(status.risk_status.blocked_tickers, {});
});

test("a pending order that expires at the terminal (ORDER_TIME_SPECIFIED) is recorded as expired", async (t) => {
  const { bridge, d } = await setup(t);
  const placed = await d.post("/webhook", buy({ price: 8950, expire_minutes: 5 }));
  assert.equal(placed.body.data.order_status, "working", JSON.stringify(placed.body));
  const id = placed.body.data.order_id as string;
  const resting = (bridge.fakeState() as unknown as { orders: Array<{ comment: string; type_time: number; time_expiration: number }> }).orders;
  const expiresAt = Date.parse(placed.body.data.order_expires_at as string);
  assert.deepEqual(resting.map((o) => [o.comment, o.type_time, o.time_expiration]), [[id, 2, Math.ceil(expiresAt / 1000)]], "ORDER_TIME_SPECIFIED, its expiry in seconds");
  // Ten minutes pass at the trade server: the order expires there, and the daemon's reconciliation finds it gone.
  bridge.faults({ clock_offset_s: 600 });
  const o = await until("the order expired", () => order(d, id), (x) => x.status === "expired");
  assert.equal(o.error_code, "ORDER_EXPIRED");
  const history = (bridge.fakeState() as unknown as { history_orders: Array<{ comment: string; state: number }> }).history_orders;
  assert.deepEqual(history.filter((h) => h.comment === id).map((h) => h.state), [6], "ORDER_STATE_EXPIRED at the terminal");
  assert.equal(sends(bridge), 1);
  assert.deepEqual((await d.socket("GET", "/positions")).body.data.positions, []);
});

test("breakeven and trailing move the stop loss with TRADE_ACTION_SLTP on the price stream: at most one move a second, never loosening", async (t) => {
  const s = await setup(t, { config: (url) => ({ feeds: [{ name: "mt5", kind: "sse", stream: "prices", url: `${url}/stream`, instruments: ["9984.T"] }] }) });
  const entry = await s.d.post("/webhook", buy({ stop_loss: 8900, breakeven: { trigger: 20, offset: 2 }, trailing: { trigger: 50, distance: 30, step: 5 } }));
  assert.equal(entry.status, 200, JSON.stringify(entry.body));
  assert.equal(entry.body.data.fill_price, 9002);
  const slAtTerminal = () => s.bridge.fakeState().positions[0]?.sl as number | undefined;
  const modifies = async () =>
    ((await s.d.socket("GET", "/orders?limit=100")).body.data.orders as Array<{ kind: string; stop_loss: number; status: string; created_at: string }>)
      .filter((o) => o.kind === "modify")
      .reverse();
  // Moves the quote and keeps it ticking (the stream sends only changes) until `done` holds.
  const drive = async (what: string, bid: number, done: () => Promise<boolean>) => {
    const deadline = Date.now() + 20_000;
    for (let i = 0; Date.now() < deadline; i++) {
      s.bridge.faults({ prices: { "9984.T": { bid, ask: bid + 1 + (i % 2) / 10 } } });
      if (await done()) return;
      await delay(100);
    }
    const quotes = (await s.d.socket("GET", "/quotes")).body.data;
    assert.fail(`timed out: ${what}; moves ${JSON.stringify(await modifies())}; quotes ${JSON.stringify(quotes)}; at the terminal ${JSON.stringify(s.bridge.fakeState().positions)}`);
  };

  // 28 in profit at the bid: breakeven (trigger 20) moves the stop to the entry + 2.
  await drive("breakeven", 9030, async () => slAtTerminal() === 9004);
  // 68 in profit: trailing (trigger 50) keeps it 30 behind the bid.
  await drive("the trailing move", 9070, async () => slAtTerminal() === 9040);
  // Back to 9050: the trail (9020) would loosen the stop; nothing moves, although quotes keep coming after the rate limit.
  const [, second] = await modifies();
  await drive("quotes at 9050 a second after the last move", 9050, async () => {
    const q = ((await s.d.socket("GET", "/quotes")).body.data as Array<{ instrument: string; bid: number; time: string }>).find((x) => x.instrument === "9984");
    return q?.bid === 9050 && Date.now() - Date.parse(second!.created_at) > 1500;
  });
  assert.equal((await modifies()).length, 2, "no move down");
  assert.equal(slAtTerminal(), 9040);
  await drive("the next trailing move", 9100, async () => slAtTerminal() === 9070);

  const moves = await until("the last move's reply journaled", modifies, (m) => m.at(-1)?.status === "done");
  assert.deepEqual(moves.map((m) => [m.stop_loss, m.status]), [[9004, "done"], [9040, "done"], [9070, "done"]], "each move tightens the stop");
  const times = moves.map((m) => Date.parse(m.created_at));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 1000, `one move a second at most: ${times.join(" ")}`);
  const sltp = s.bridge.sent().slice(1);
  assert.equal(sltp.length, 3, `one TRADE_ACTION_SLTP per move: ${sltp.join(" ")}`);
  assert.deepEqual(sltp.map((c) => c.replace(/\.\d+$/, "")), moves.map((m) => (m as unknown as { order_id: string }).order_id));
});

for (const c of [
  { when: "while its signal is fresh", ttlMs: 60_000, open: "sent once" },
  { when: "after its signal went stale", ttlMs: 4_000, open: "expired" },
] as const) {
  test(`the daemon SIGKILLed between a reverse's close and its open at MT5, restarted ${c.when}: the open is ${c.open}, never sent twice`, async (t) => {
    const s = await spawnedSetup(t, {}, { risk: { allowShort: true }, webhook: { signalTtlMs: c.ttlMs } });
    const first = await s.spawn();
    const post = (body: unknown) => fetch(`${first.url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const entry = (await (await post(buy())).json()) as { data: { order_id: string } };
    const checks = s.bridge.fakeState().stats.calls.order_check ?? 0;
    // The close is checked and dealt; the open's check hangs in the terminal: the daemon dies there.
    s.bridge.faults({ hang_at: { order_check: 2 } });
    const pending = post(buy({ action: "reverse" })).catch(() => null);
    await until("the open's order check", () => s.bridge.fakeState().stats.calls.order_check ?? 0, (n) => n === checks + 2);
    assert.equal(s.bridge.fakeState().deals.length, 2, "the entry and the close dealt");
    await first.stop("SIGKILL");
    await pending;
    s.bridge.faults({ release: true });
    const db = new DatabaseSync(join(s.home, "tradectl.db"), { readOnly: true });
    const [close, open] = db.prepare("SELECT order_id, status, expires_at FROM orders WHERE order_id <> ? ORDER BY order_id").all(entry.data.order_id) as Array<{ order_id: string; status: string; expires_at: number }>;
    db.close();
    assert.deepEqual([close!.status, open!.status], ["filled", "submitted"], "the crash left the open marked as perhaps sent");
    if (c.open === "expired") await until("the open's signal to go stale", () => Date.now(), (now) => now > open!.expires_at);

    const second = await s.spawn();
    const o = await until("the open settled", () => s.get(`/orders/${open!.order_id}`), (x: { status: string }) => ["filled", "expired"].includes(x.status));
    const sent = s.bridge.sent();
    assert.equal(new Set(sent).size, sent.length, `no client id reached order_send twice: ${sent.join(" ")}`);
    const positions = (await s.get("/positions")).positions as Array<{ ticker: string; quantity: number }>;
    if (c.open === "sent once") {
      assert.equal(o.status, "filled");
      assert.deepEqual(sent, [entry.data.order_id, close!.order_id, open!.order_id]);
      assert.deepEqual(positions.map((p) => [p.ticker, p.quantity]), [["9984", -100]]);
    } else {
      assert.deepEqual([o.status, o.error_code], ["expired", "SIGNAL_EXPIRED"]);
      assert.deepEqual(sent, [entry.data.order_id, close!.order_id], "the stale open never sent");
      assert.deepEqual(positions, []);
    }
    assert.equal((await s.get(`/orders/${close!.order_id}`)).status, "filled");
    assert.equal(await second.stop("SIGTERM"), 0);
  });
}
