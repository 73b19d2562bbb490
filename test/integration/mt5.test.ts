/**
 * Orders to MetaTrader 5 end to end: the real daemon (in-process, or a child process for the crash test) with
 * broker.kind=mt5 against the real bridge.py under python3 with the fake MetaTrader5 package, alerts through
 * POST /webhook, answers checked on the order, the socket and the fake terminal's own state.
 */
import { defer } from "../helpers/defer.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../src/store/database.js";
import { Journal } from "../../src/store/journal.js";
import { BRIDGE_TOKEN, type BridgeProcess } from "../broker/mt5/bridge-process.js";
import { runCli, startTestDaemon } from "../helpers/daemon.js";
import { buy, ENV, MAGIC, order, SECRET, sends, settled, setup, spawnedSetup } from "../helpers/mt5-daemon.js";
import { until } from "../helpers/until.js";

async function bridgeCall(b: BridgeProcess, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${b.url}/order/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${BRIDGE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "DEAL", symbol: "9984.T", volume: 1, magic: MAGIC, ...body }),
  });
  return (await res.json()) as Record<string, unknown>;
}

test("an alert becomes an MT5 deal: 200 with the order, the position on the socket, comment = order id, rates", async (t) => {
  const { bridge, d, home } = await setup(t);
  const res = await d.post("/webhook", buy());
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = res.body.data.order_id as string;
  assert.equal(res.body.data.order_status, "filled");
  assert.equal(res.body.data.fill_price, 9002);
  const state = bridge.fakeState();
  assert.deepEqual(
    state.deals.map((x) => [x.comment, x.magic, x.volume]),
    [[id, MAGIC, 1]],
  );
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number; entry_price: number }) => [p.ticker, p.quantity, p.entry_price]), [["9984", 100, 9002]]);
  const o = await order(d, id);
  assert.equal(o.broker_order_id, String(state.deals[0]!.order));

  const health = await d.get("/health");
  assert.equal(health.status, 200, JSON.stringify(health.body));
  assert.equal(health.body.components.broker, "healthy");
  await d.socket("GET", "/status"); // the reconciler has run at start
  const status = await until("a clean sync", async () => (await d.socket("GET", "/status")).body.data, (s) => s.reconciliation?.state === "ok");
  assert.deepEqual([status.broker.kind, status.broker.connected], ["mt5", true]);
  assert.deepEqual(status.risk_status.blocked_tickers, {});

  const csv = await runCli(["rates", "9984", "--timeframe", "M5", "--count", "3", "--home", home]);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split("\n");
  assert.equal(lines[0], "time,open,high,low,close,tick_volume,spread,real_volume");
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z(,\d+(\.\d+)?){7}$/);
  const many = await runCli(["rates", "9984.T", "--count", "2500", "--format", "json", "--home", home]);
  assert.equal(many.code, 0, many.stderr);
  const bars = JSON.parse(many.stdout) as Array<{ time: string }>;
  assert.equal(bars.length, 2500);
  assert.ok(bars.every((b, i) => i === 0 || Date.parse(b.time) - Date.parse(bars[i - 1]!.time) === 300_000), "contiguous, oldest first");
});

test("final refusals end the order rejected with the specific MT5 code", async (t) => {
  const { bridge, d } = await setup(t);
  const cases: Array<[Record<string, unknown>, string, number]> = [
    [{ market_closed: true }, "MT5_MARKET_CLOSED", 0],
    [{ no_money: true }, "MT5_NO_MONEY", 0],
    [{ autotrading_disabled: true }, "MT5_AUTOTRADING_DISABLED", 1],
  ];
  for (const [faults, code, sent] of cases) {
    bridge.faults(faults);
    const before = sends(bridge);
    const res = await d.post("/webhook", buy());
    assert.equal(res.status, 422, `${code}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error_code, "ORDER_REJECTED");
    assert.equal(res.body.details.broker_code, code);
    const o = await order(d, res.body.details.order_id);
    assert.deepEqual([o.status, o.error_code], ["rejected", code]);
    assert.ok((o.error_message ?? "").length > 10, o.error_message ?? "");
    assert.equal(sends(bridge) - before, sent, code);
  }
  assert.equal(bridge.fakeState().deals.length, 0);
  assert.deepEqual((await d.socket("GET", "/positions")).body.data.positions, []);
});

test("requotes: one is retried with a fresh price (one deal); too many end the order failed, not rejected", async (t) => {
  const { bridge, d } = await setup(t);
  bridge.faults({ requote: 1 });
  const ok = await d.post("/webhook", buy());
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(sends(bridge), 2);
  assert.equal(bridge.fakeState().deals.length, 1);

  bridge.faults({ requote: 10 });
  const res = await d.post("/webhook", buy());
  assert.ok([202, 503].includes(res.status), JSON.stringify(res.body));
  const id = (res.body.data?.order_id ?? res.body.details?.order_id) as string;
  const o = await settled(d, id);
  assert.deepEqual([o.status, o.error_code], ["failed", "MT5_REQUOTE"]);
  assert.match(o.error_message ?? "", /gave up after 3 attempts/);
  assert.equal(sends(bridge), 5);
  assert.equal(bridge.fakeState().deals.length, 1);
});

test("order_send returning None (last_error): reconciled by comment, never a second deal", async (t) => {
  const { bridge, d } = await setup(t);
  bridge.faults({ none_after_fill: true }); // dealt, then the reply is lost: the bridge finds the deal
  const a = await d.post("/webhook", buy());
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.deepEqual([sends(bridge), bridge.fakeState().deals.length], [1, 1]);

  bridge.faults({ send_none: 1 }); // nothing reached the server: found absent, sent once more
  const b = await d.post("/webhook", buy());
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.deepEqual([sends(bridge), bridge.fakeState().deals.length], [3, 2]);

  bridge.faults({ send_retcode: { code: 10031, count: 1, fill: false } }); // 10031 on the send: ambiguous, absent, resent
  const c = await d.post("/webhook", buy());
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.deepEqual([sends(bridge), bridge.fakeState().deals.length], [5, 3]);
  assert.equal((await d.socket("GET", "/positions")).body.data.positions[0].quantity, 300);
});

test("no connection to the trade server: /health 503 with the reason, entries refused, an exit fails after retries without a send", async (t) => {
  const { bridge, d } = await setup(t);
  assert.equal((await d.post("/webhook", buy())).status, 200);
  bridge.faults({ no_connection: true });
  const health = await d.get("/health");
  assert.equal(health.status, 503);
  assert.equal(health.body.components.broker, "unhealthy");
  assert.match(JSON.stringify(health.body.errors), /no connection with the trade server|not connected|trade server/);
  const entry = await d.post("/webhook", buy());
  assert.equal(entry.status, 503);
  assert.equal(entry.body.error_code, "SERVICE_UNAVAILABLE");
  assert.match(entry.body.details.reason, /trade server/);

  const before = sends(bridge);
  const exit = await d.post("/webhook", buy({ action: "sell" }));
  assert.ok([202, 503].includes(exit.status), JSON.stringify(exit.body));
  if (exit.status === 503) assert.equal(exit.body.details.order_status, "failed");
  const id = (exit.body.data?.order_id ?? exit.body.details?.order_id) as string;
  const o = await settled(d, id);
  assert.deepEqual([o.status, o.error_code], ["failed", "MT5_NO_CONNECTION"]);
  assert.match(o.error_message ?? "", /gave up after 3 attempts/);
  assert.equal(sends(bridge), before);
  assert.equal((await d.socket("GET", "/positions")).body.data.positions[0].quantity, 100);
});

test("IPC timeout and a lost bridge: /health 503 with the reason and entries refused; recovery lets them through", async (t) => {
  const { bridge, d } = await setup(t);
  bridge.faults({ ipc_down: true });
  const down = await d.get("/health");
  assert.equal(down.status, 503);
  assert.match(JSON.stringify(down.body.errors), /IPC timeout/);
  const refused = await d.post("/webhook", buy());
  assert.equal(refused.status, 503);
  assert.match(refused.body.details.reason, /IPC timeout/);
  assert.equal(sends(bridge), 0);

  bridge.faults({});
  assert.equal((await d.get("/health")).status, 200);
  assert.equal((await d.post("/webhook", buy())).status, 200);

  await bridge.stop();
  const lost = await d.get("/health");
  assert.equal(lost.status, 503);
  assert.match(JSON.stringify(lost.body.errors), /MT5 bridge GET \/health failed: ECONNREFUSED/);
  const again = await d.post("/webhook", buy());
  assert.equal(again.status, 503);
  assert.match(again.body.details.reason, /ECONNREFUSED/);
});

test("a bridge that refuses the token: /health says so, entries are refused, an exit fails with the reason", async (t) => {
  const s = await setup(t);
  assert.equal((await s.d.post("/webhook", buy())).status, 200);
  await s.d.close();
  s.d = await startTestDaemon({ env: { ...ENV, MT5_BRIDGE_TOKEN: "not-the-bridge-token-0123" }, home: s.home });
  const health = await s.d.get("/health");
  assert.equal(health.status, 503);
  assert.match(JSON.stringify(health.body.errors), /wrong bearer token/);
  assert.equal((await s.d.post("/webhook", buy())).status, 503);
  const exit = await s.d.post("/webhook", buy({ action: "sell" }));
  const id = (exit.body.data?.order_id ?? exit.body.details?.order_id) as string;
  const o = await settled(s.d, id);
  assert.deepEqual([o.status, o.error_code], ["failed", "BRIDGE_AUTH_FAILED"]);
  assert.match(o.error_message ?? "", /refused MT5_BRIDGE_TOKEN/);
  assert.equal(sends(s.bridge), 1);
  // `tradectl rates` says why too (an internal error would have been answered as a bare 500)
  const rates = await s.d.socket("GET", "/rates?symbol=9984&count=3");
  assert.deepEqual([rates.status, rates.body.error_code, rates.body.details.broker_code], [503, "SERVICE_UNAVAILABLE", "BRIDGE_AUTH_FAILED"]);
  assert.match(rates.body.message, /broker could not serve rates: .*refused MT5_BRIDGE_TOKEN/);
});

test("retries never double-send: a repeated alert, and a lost reply that stays unknown until the periodic re-check", async (t) => {
  const { bridge, d } = await setup(t, { mt5: { timeoutMs: 700 } });
  const body = buy();
  const first = await d.post("/webhook", body);
  const repeat = await d.post("/webhook", body);
  assert.equal(repeat.body.data.order_id, first.body.data.order_id);
  assert.equal(sends(bridge), 1);

  bridge.faults({ hang_after_fill: -1 });
  const res = await d.post("/webhook", buy());
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = res.body.data.order_id as string;
  const unknown = await until(`order ${id} unknown`, () => order(d, id), (o) => o.status === "unknown");
  assert.equal(unknown.error_code, "OUTCOME_UNKNOWN");
  // Re-checks while the terminal still hangs: each looks the order up (and cannot tell), none sends it again.
  const rechecks = async () => (await d.socket("GET", "/status")).body.data.reconciliation.rechecks as number;
  const from = await rechecks();
  await until("three re-checks while the terminal hangs", rechecks, (n) => n >= from + 3);
  const looked = await order(d, id);
  assert.equal(looked.status, "unknown");
  assert.match(looked.error_message ?? "", /could not be looked up at the broker/);
  assert.equal(sends(bridge), 2);
  bridge.faults({ release: true });
  const o = await settled(d, id);
  assert.equal(o.status, "filled");
  assert.equal(sends(bridge), 2);
  assert.equal(bridge.fakeState().deals.length, 2);
});

test("daemon killed between order_send and its reply: the restart reconciles and sends nothing twice", async (t) => {
  const { bridge, spawn, get } = await spawnedSetup(t, { timeoutMs: 800 });
  const first = await spawn();
  bridge.faults({ hang_after_fill: -1 });
  const pending = fetch(`${first.url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(buy()) }).catch(() => null);
  await until("the terminal to deal", () => bridge.fakeState().deals.length, (n) => n === 1);
  await first.stop("SIGKILL");
  await pending;
  const id = bridge.fakeState().deals[0]!.comment;

  const second = await spawn();
  const before = await get(`/orders/${id}`);
  assert.ok(["submitted", "unknown"].includes(before.status), before.status);
  // Re-checks while the terminal still hangs: each looks the order up (and cannot tell), none sends it again.
  await until("three re-checks while the terminal hangs", () => get("/status"), (s) => s.reconciliation.rechecks >= 3);
  assert.match((await get(`/orders/${id}`)).error_message ?? "", /could not be looked up at the broker/);
  assert.equal(sends(bridge), 1);
  bridge.faults({ release: true });
  const o = await until(`order ${id} filled`, () => get(`/orders/${id}`), (x) => x.status === "filled");
  assert.equal(o.filled_quantity, 100);
  assert.equal(sends(bridge), 1);
  assert.equal(bridge.fakeState().deals.length, 1);
  const positions = (await get("/positions")).positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", 100]]);
  assert.equal(await second.stop("SIGTERM"), 0);
});

test("a stop loss hit while the daemon was down is recorded at restart", async (t) => {
  const s = await setup(t);
  const res = await s.d.post("/webhook", buy({ entry_price: 9000, stop_loss: 8900, take_profit: 9500 }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await s.d.close();
  const logs = readdirSync(join(s.home, "logs")).map((f) => readFileSync(join(s.home, "logs", f), "utf8")).join("");
  assert.match(logs, /MT5 broker: orders go through the bridge/);
  assert.ok(!logs.includes(BRIDGE_TOKEN), "the bridge token never reaches a log");
  s.bridge.faults({ prices: { "9984.T": { bid: 8850, ask: 8852 } } });
  const d = await s.restart();
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions, []);
  const deals = s.bridge.fakeState().deals;
  assert.equal(deals.length, 2);
  assert.match(deals[1]!.comment, /^\[sl 8900/);
  const status = (await d.socket("GET", "/status")).body.data;
  assert.equal(status.reconciliation.external_fills, 1);
  assert.deepEqual(status.risk_status.blocked_tickers, {});
  assert.equal(status.daily_stats.realized_pnl, (8900 - 9002) * 100);
  assert.equal(sends(s.bridge), 1);
});

test("after a restart an expired entry found absent is never sent; an exit still is", async (t) => {
  const s = await setup(t);
  assert.equal((await s.d.post("/webhook", buy())).status, 200);
  await s.d.close();
  // The journal as a crash leaves it: two orders marked submitted whose sends never reached the terminal.
  const db = new Database(join(s.home, "tradectl.db"));
  const journal = new Journal(db);
  const now = Date.now();
  const ids = ["buy", "sell"].map((action) => {
    const { orderId, tradingDate } = journal.nextOrderId(now);
    const signal = { id: `sig_${action}`, request_id: `req_${action}`, action: action as "buy" | "sell", ticker: "9984", quantity: 100, price: "market" as const, alert_time: now - 120_000, received_at: now - 120_000, expires_at: now - 60_000, idempotency_key: `k_${action}` };
    journal.insertSignal(signal, "accepted");
    journal.insertOrder({
      order_id: orderId, signal_id: signal.id, request_id: signal.request_id, ticker: "9984", action: signal.action, quantity: 100, order_type: "market",
      limit_price: null, stop_loss: null, take_profit: null, reference_price: null, status: "submitted", fill_price: null, filled_quantity: 0, fee: 0,
      broker_order_id: null, error_code: null, error_message: null, attempts: 1, created_at: now - 120_000, updated_at: now - 120_000, submitted_at: now - 119_000,
      filled_at: null, expires_at: signal.expires_at, trading_date: tradingDate,
    });
    return orderId;
  });
  db.close();
  const d = await s.restart();
  const entry = await settled(d, ids[0]!);
  assert.deepEqual([entry.status, entry.error_code], ["expired", "SIGNAL_EXPIRED"]);
  const exit = await settled(d, ids[1]!);
  assert.equal(exit.status, "filled");
  assert.equal(sends(s.bridge), 2); // the first buy and the exit; the stale buy never
  assert.deepEqual(s.bridge.fakeState().deals.map((x) => x.comment).slice(1), [ids[1]]);
  assert.deepEqual((await d.socket("GET", "/positions")).body.data.positions, []);
});

test("an unexplained position at the broker blocks entries of that ticker until it is resolved", async (t) => {
  const { bridge, d, home } = await setup(t);
  const manual = await bridgeCall(bridge, { client_order_id: "MANUAL_1", type: "BUY" });
  assert.equal(manual.outcome, "filled");
  const blocked = await until("the mismatch", async () => (await d.socket("GET", "/status")).body.data, (s) => "9984" in s.risk_status.blocked_tickers);
  assert.match(blocked.risk_status.blocked_tickers["9984"], /broker holds 100, journal 0/);
  assert.equal(blocked.reconciliation.state, "mismatch");

  const refused = await d.post("/webhook", buy());
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error_code, "RISK_LIMIT_EXCEEDED");
  assert.equal(refused.body.details.limit_type, "reconciliation_mismatch");
  assert.equal(refused.body.details.current_value, 100);
  const dry = await d.post("/webhook/test", buy());
  assert.equal(dry.body.data.would_execute, false, "the dry run sees the block too");
  assert.equal(dry.body.data.risk_limit.limit_type, "reconciliation_mismatch");
  assert.equal((await d.post("/webhook", buy({ ticker: "7203" }))).status, 200, "other tickers trade");
  const events = new DatabaseSync(join(home, "tradectl.db"), { readOnly: true });
  const row = events.prepare("SELECT payload FROM events WHERE type = 'reconcile.mismatch'").get() as { payload: string } | undefined;
  events.close();
  assert.equal(JSON.parse(row!.payload).ticker, "9984");

  const ticket = bridge.fakeState().positions.find((p) => p.comment === "MANUAL_1")!.ticket;
  assert.equal((await bridgeCall(bridge, { client_order_id: "MANUAL_2", type: "SELL", position: ticket })).outcome, "filled");
  await until("the block to clear", async () => (await d.socket("GET", "/status")).body.data, (s) => !("9984" in s.risk_status.blocked_tickers));
  assert.equal((await d.post("/webhook", buy())).status, 200);
  const cleared = (await d.socket("GET", "/audit?type=reconcile.")).body.data as Array<{ type: string; payload: { ticker: string } }>;
  assert.deepEqual(cleared.map((e) => [e.type, e.payload.ticker]), [["reconcile.mismatch", "9984"], ["reconcile.cleared", "9984"]]);
});

test("a broker that turns unhealthy and back is one broker.state event each way", async (t) => {
  const { bridge, d } = await setup(t);
  const brokerEvents = async () => ((await d.socket("GET", "/audit?type=broker.")).body.data as Array<{ type: string; payload: { connected: boolean } }>).map((e) => `${e.type} ${e.payload.connected}`);
  bridge.faults({ ipc_down: true });
  assert.equal((await d.get("/health")).status, 503);
  assert.equal((await d.get("/health")).status, 503, "a second failed check is not a second event");
  bridge.faults({});
  assert.equal((await d.get("/health")).status, 200);
  assert.deepEqual(await brokerEvents(), ["broker.state false", "broker.state true"]);
});

test("the bridge's GET /stream is a price feed: ticks filed under their tickers, a moved quote follows, the stream is live", async (t) => {
  const s = await setup(t, {
    config: (url) => ({ feeds: [{ name: "mt5", kind: "sse", stream: "prices", url: `${url}/stream`, instruments: ["9984.T", "7203.T"] }] }),
  });
  const quotes = () => s.d.socket("GET", "/quotes").then((r) => r.body.data as Array<{ instrument: string; bid: number; ask: number }>);
  const first = await until("quotes from the bridge", quotes, (q) => ["9984", "7203"].every((x) => q.some((e) => e.instrument === x)));
  assert.ok(first.every((q) => !q.instrument.endsWith(".T")), "filed under the ticker, not the broker's symbol");
  s.bridge.faults({ prices: { "9984.T": { bid: 9100, ask: 9101 } } });
  await until("the moved quote", quotes, (q) => q.some((e) => e.instrument === "9984" && e.bid === 9100 && e.ask === 9101));
  const streams = (await s.d.socket("GET", "/status")).body.data.streams as Array<{ name: string; state: string }>;
  assert.deepEqual(streams.map((x) => [x.name, x.state]), [["mt5", "live"]]);
});

test("rates on the paper broker say there is no rate history", async (t) => {
  const d = await startTestDaemon({ env: { WEBHOOK_SECRET: SECRET } });
  defer(t, () => d.close());
  const res = await runCli(["rates", "9984", "--home", d.home]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /paper broker has no rate history/);
});
