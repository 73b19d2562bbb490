/**
 * Broker streams through the daemon: the fake OANDA server as a real child process, the daemon in
 * process (real socket, real SQLite in a temp home), every assertion made through the control
 * socket. Waits poll observable state; no assertion depends on how fast anything is.
 */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { alert, runCli, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { tempHome } from "../helpers/temp-home.js";
import { startFakeOandaProcess } from "../feeds/fake-oanda-process.js";
import { until } from "../helpers/until.js";

const TOKEN = "oanda-token-5c1e7d9a2b4f6e80";
const ACCOUNT = "101-001-1234567-001";

const stream = async (d: TestDaemon, name: string) => {
  const res = await d.socket("GET", "/status");
  return (res.body.data.streams as Array<Record<string, any>>).find((s) => s.name === name)!;
};
const health = async (d: TestDaemon) => (await d.socket("GET", "/health")).body;
const positions = async (d: TestDaemon): Promise<Record<string, number>> =>
  Object.fromEntries(((await d.socket("GET", "/positions")).body.data.positions as Array<{ ticker: string; quantity: number }>).map((p) => [p.ticker, p.quantity]));

/** The `stream.state` events recorded so far (GET /events with history, read for a moment, then closed). */
function stateEvents(socketPath: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/events?type=stream.state&history=500" }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      setTimeout(() => {
        req.destroy();
        resolve([...text.matchAll(/"state":"([a-z-]+)"/g)].map((m) => m[1]!));
      }, 300);
    });
    req.on("error", (err) => (err.message.includes("socket hang up") ? undefined : reject(err)));
    req.end();
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test("prices: live quotes on /quotes; a stall goes stale and reconnects; 401 makes market_data unhealthy until it recovers; no token in logs", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--require-token", TOKEN]);
  const { home, cleanup } = tempHome({
    risk: { marketHours: "always" },
    feeds: [{ name: "oanda-prices", kind: "oanda-v20", stream: "prices", url: fake.url, accountId: ACCOUNT, instruments: ["USD_JPY", "9984"], staleAfterMs: 500, maxBackoffMs: 1000 }],
  });
  defer(t, cleanup);
  const d = await startTestDaemon({ home, env: { OANDA_TOKEN: TOKEN } });
  defer(t, () => d.close());

  await until("live", async () => (await stream(d, "oanda-prices")).state === "live");
  await fake.control({ emitTick: { instrument: "USD_JPY", bid: 151.234, ask: 151.242 } });
  const q = await until("the emitted price on /quotes", async () => {
    const list = (await d.socket("GET", "/quotes")).body.data as Array<Record<string, unknown>>;
    return list.find((x) => x.instrument === "USD_JPY" && x.bid === 151.234);
  });
  assert.deepEqual({ ask: q.ask, tradeable: q.tradeable, feed: q.feed }, { ask: 151.242, tradeable: true, feed: "oanda-prices" });
  assert.equal(typeof q.time, "number");
  const live = await stream(d, "oanda-prices");
  assert.deepEqual(Object.keys(live).sort(), ["kind", "last_error", "last_message_at", "name", "next_attempt_at", "reconnects", "repeated_disconnect", "state", "stream"]);
  assert.equal(live.kind, "oanda-v20");
  assert.equal(live.reconnects, 0);
  assert.equal((await health(d)).components.market_data, "healthy");

  // Stall: the connection stays open but nothing arrives, not even heartbeats.
  await fake.control({ stall: true });
  const stalled = await until("a reconnect after the silence limit", async () => {
    const s = await stream(d, "oanda-prices");
    return s.reconnects >= 1 && /no data for \d+ ms/.test(s.last_error ?? "") && s;
  });
  assert.notEqual(stalled.state, "live");
  const sick = await until("market_data unhealthy while silent", async () => {
    const h = await health(d);
    return h.components.market_data === "unhealthy" && h;
  });
  assert.equal(sick.status, "unhealthy");
  assert.match(sick.errors.find((e: { component: string }) => e.component === "market_data").message, /stream oanda-prices is (stale|backoff|connecting)/);
  assert.ok((await stateEvents(d.socketPath)).includes("stale"), "a stream.state event says stale");
  await fake.control({ stall: false });
  await until("live again", async () => (await stream(d, "oanda-prices")).state === "live");
  await until("market_data healthy again", async () => (await health(d)).components.market_data === "healthy");

  // The broker refuses the token: failed, unhealthy, and the reason names the token without showing it.
  await fake.control({ requireToken: "a-different-token-000000", dropAll: true });
  const failed = await until("failed on 401", async () => {
    const s = await stream(d, "oanda-prices");
    return s.state === "failed" && s;
  });
  assert.match(failed.last_error, /HTTP 401: authentication refused.*check OANDA_TOKEN/);
  const h401 = await health(d);
  assert.equal(h401.components.market_data, "unhealthy");
  assert.match(JSON.stringify(h401.errors), /oanda-prices is failed: HTTP 401/);
  await fake.control({ requireToken: TOKEN });
  await until("recovered after 401", async () => (await stream(d, "oanda-prices")).state === "live");
  await until("healthy after 401", async () => (await health(d)).components.market_data === "healthy");

  const status = JSON.stringify((await d.socket("GET", "/status")).body);
  assert.ok(!status.includes(TOKEN));
  await d.close(); // flushes the logs
  const logs = filesUnder(join(d.home, "logs"));
  assert.ok(logs.length > 0, "the daemon wrote logs");
  const text = logs.map((f) => readFileSync(f, "utf8")).join("\n");
  assert.match(text, /stream oanda-prices failed/);
  assert.ok(!text.includes(TOKEN), "the token is not in the logs");
});

test("v20 transactions: a missed id is gap-filled; fills reach positions exactly once, also across a restart", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "150"]);
  const { home, cleanup } = tempHome({
    risk: { marketHours: "always" },
    feeds: [{ name: "oanda-events", kind: "oanda-v20", stream: "events", url: fake.url, restUrl: fake.url, accountId: ACCOUNT, staleAfterMs: 5000 }],
  });
  defer(t, cleanup);
  const env = { OANDA_TOKEN: TOKEN, WEBHOOK_SECRET: "webhook-secret-for-feeds-test-0001" };
  let d = await startTestDaemon({ home, env });
  defer(t, () => d.close());

  // Without a stored cursor the stream starts after what the account already had (the fixture's 1001–1008).
  await until("live", async () => (await stream(d, "oanda-events")).state === "live");
  const ours = await d.post("/webhook", alert(env.WEBHOOK_SECRET, { ticker: "9984", quantity: 100, entry_price: 3000 }));
  assert.equal(ours.status, 200, JSON.stringify(ours.body));
  const orderId = ours.body.data?.order_id ?? ours.body.order_id;
  assert.match(orderId, /^ORD_\d{8}_\d{3}$/);

  // 1009 never reaches the stream (only sinceid has it); 1010 does, which reveals the hole.
  await fake.control({ missTransactions: 1 });
  const first = await fake.control({
    emitTransaction: [
      { type: "ORDER_FILL", instrument: "USD_JPY", units: 1000, price: 150.2, reason: "MARKET_ORDER" },
      { type: "ORDER_FILL", instrument: "USD_JPY", units: 500, price: 150.3, reason: "MARKET_ORDER" },
      // Our own order, already filled by the broker's reply: must not count twice.
      { type: "ORDER_FILL", instrument: "9984", units: 100, price: 3000, reason: "MARKET_ORDER", clientOrderId: orderId },
      { type: "ORDER_FILL", instrument: "USD_JPY", units: -300, price: 150.5, reason: "STOP_LOSS_ORDER" },
    ],
  });
  assert.deepEqual(first.transactionIds, ["1009", "1010", "1011", "1012"]);
  await until("all four applied", async () => (await positions(d)).USD_JPY === 1200);
  assert.deepEqual(await positions(d), { USD_JPY: 1200, "9984": 100 });
  const filled = (await d.socket("GET", `/orders/${orderId}`)).body.data;
  assert.equal(filled.status, "filled");
  assert.equal(filled.filled_quantity, 100);
  assert.ok((await fake.log()).some((e) => e.kind === "sinceid" && /id=1008\b/.test(e.path)), "the hole was filled from sinceid");

  // Stop; the account moves on meanwhile; the next run resumes from the stored cursor.
  await d.close();
  const second = await fake.control({ emitTransaction: [{ type: "ORDER_FILL", instrument: "EUR_USD", units: -10000, price: 1.085, reason: "MARKET_ORDER" }] });
  assert.deepEqual(second.transactionIds, ["1013"]);
  d = await startTestDaemon({ home, env });
  await until("the transaction of the downtime applied", async () => (await positions(d)).EUR_USD === -10000);
  assert.deepEqual(await positions(d), { USD_JPY: 1200, "9984": 100, EUR_USD: -10000 });
  assert.ok((await fake.log()).some((e) => e.kind === "sinceid" && /id=1012\b/.test(e.path)), "gap fill resumed from the stored cursor");

  // A margin closeout after the restart closes the short; nothing before it is applied again.
  await fake.control({ emitTransaction: [{ type: "ORDER_FILL", instrument: "EUR_USD", units: 10000, price: 1.083, reason: "MARKET_ORDER_MARGIN_CLOSEOUT" }] });
  await until("the closeout applied", async () => !("EUR_USD" in (await positions(d))));
  assert.deepEqual(await positions(d), { USD_JPY: 1200, "9984": 100 });
  const events = (await d.socket("GET", "/status")).body.data.streams[0];
  assert.equal(events.state, "live");
});

test("margin calls become account.margin_call events and stay in status from the entry to the exit, also across a restart", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "150"]);
  const { home, cleanup } = tempHome({
    risk: { marketHours: "always" },
    feeds: [{ name: "oanda-events", kind: "oanda-v20", stream: "events", url: fake.url, restUrl: fake.url, accountId: ACCOUNT, staleAfterMs: 5000 }],
  });
  defer(t, cleanup);
  const env = { OANDA_TOKEN: TOKEN };
  let d = await startTestDaemon({ home, env });
  defer(t, () => d.close());
  const marginEvents = async () =>
    ((await d.socket("GET", "/audit?type=account.margin_call&limit=100")).body.data as Array<{ type: string; payload: Record<string, unknown> }>).map((e) => e.payload);

  await until("live", async () => (await stream(d, "oanda-events")).state === "live");
  assert.equal((await stream(d, "oanda-events")).margin_call, null);
  const entered = await fake.control({ emitTransaction: { type: "MARGIN_CALL_ENTER" } });
  assert.deepEqual(entered.transactionIds, ["1009"]);
  const inCall = await until("in margin call", async () => (await stream(d, "oanda-events")).margin_call);
  assert.deepEqual({ ...inCall, since: typeof inCall.since }, { account_id: ACCOUNT, since: "string", transaction_id: "1009", extensions: 0, last_transaction_id: "1009" });
  assert.ok(Math.abs(Date.parse(inCall.since) - Date.now()) < 60_000);
  const [enter] = await marginEvents();
  assert.deepEqual({ ...enter, time: typeof enter!.time }, { account_id: ACCOUNT, state: "entered", transaction_id: "1009", time: "string", since: inCall.since });

  await fake.control({ emitTransaction: { type: "MARGIN_CALL_EXTEND", extensionNumber: 1 } });
  await until("extended", async () => (await stream(d, "oanda-events")).margin_call?.extensions === 1);
  const status = await runCli(["status", "--home", home]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^margin\s+MARGIN CALL on account 101-001-1234567-001 since \S+ \(transaction 1009, extended 1 time\)$/m);
  assert.match(status.stdout, /^!! oanda-events: MARGIN CALL on account/m);
  const top = await runCli(["top", "--once", "--home", home]);
  assert.equal(top.code, 0, top.stderr);
  assert.match(top.stdout, /MARGIN CALL[\s\S]*STREAMS[\s\S]*oanda-events: MARGIN CALL on account 101-001-1234567-001/);

  // The margin call outlives a restart: the stream resumes after it, so nothing would say it again.
  await d.close();
  d = await startTestDaemon({ home, env });
  await until("live after the restart", async () => (await stream(d, "oanda-events")).state === "live");
  assert.deepEqual((await stream(d, "oanda-events")).margin_call, { ...inCall, extensions: 1, last_transaction_id: "1010" });

  await fake.control({ emitTransaction: { type: "MARGIN_CALL_EXIT" } });
  await until("out of margin call", async () => (await stream(d, "oanda-events")).margin_call === null);
  const all = await marginEvents();
  assert.deepEqual(all.map((p) => [p.state, p.transaction_id, p.since]), [
    ["entered", "1009", inCall.since],
    ["extended", "1010", inCall.since],
    ["exited", "1011", inCall.since],
  ]);
  assert.equal(all[1]!.extension_number, 1);
  assert.deepEqual(await positions(d), {}, "a margin call moves no position");
});

test("two price feeds on one account and one token are refused at start, naming both and not the token", async (t) => {
  const prices = (name: string, kind: string, accountId: string) => ({ name, kind, stream: "prices", url: "http://127.0.0.1:9", accountId, instruments: ["USD_JPY"] });
  const shared = tempHome({ feeds: [prices("fx-a", "oanda-v20", ACCOUNT), prices("fx-b", "oanda-v1", ACCOUNT)] });
  defer(t, shared.cleanup);
  // Started after all (the refusal is missing): stop it, so the failure below does not leave it running.
  const starting = startTestDaemon({ home: shared.home, env: { OANDA_TOKEN: TOKEN } }).then(async (d) => {
    await d.close();
    return d;
  });
  await assert.rejects(starting, (err: Error & { code?: string }) => {
    assert.equal(err.code, "FEED_CONFIG");
    assert.match(err.message, /feeds "fx-a" and "fx-b" both stream prices for account 101-001-1234567-001 with the same token/);
    assert.ok(!err.message.includes(TOKEN));
    return true;
  });
  // The same pair on two accounts starts (the instance lock of the refused start was released).
  const apart = tempHome({ feeds: [prices("fx-a", "oanda-v20", ACCOUNT), prices("fx-b", "oanda-v20", "101-001-1234567-002")] });
  defer(t, apart.cleanup);
  const d = await startTestDaemon({ home: apart.home, env: { OANDA_TOKEN: TOKEN } });
  defer(t, () => d.close());
  assert.deepEqual(((await d.socket("GET", "/status")).body.data.streams as Array<{ name: string }>).map((s) => s.name), ["fx-a", "fx-b"]);
});

test("a transaction gap that cannot be filled: status, /health and the log say so, positions wait, then catch up", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "150"]);
  const { home, cleanup } = tempHome({
    risk: { marketHours: "always" },
    feeds: [{ name: "oanda-events", kind: "oanda-v20", stream: "events", url: fake.url, restUrl: fake.url, accountId: ACCOUNT, staleAfterMs: 5000, required: true }],
  });
  defer(t, cleanup);
  const d = await startTestDaemon({ home, env: { OANDA_TOKEN: TOKEN } });
  defer(t, () => d.close());
  await until("live, the fill at connect done", async () => {
    const s = await stream(d, "oanda-events");
    return s.state === "live" && s.gap_fill === null;
  });
  await fake.control({ restFailNext: 1_000_000, missTransactions: 2 });
  await fake.control({
    emitTransaction: [
      { type: "ORDER_FILL", instrument: "USD_JPY", units: 1000 },
      { type: "ORDER_FILL", instrument: "USD_JPY", units: 1000 },
      { type: "ORDER_FILL", instrument: "USD_JPY", units: -500 },
    ],
  });
  const gap = await until("the gap reported", async () => {
    const g = (await stream(d, "oanda-events")).gap_fill;
    return g?.state === "failing" && g.held === 1 && g;
  });
  assert.deepEqual([gap.after_id, gap.through_id, gap.held], ["1008", "1011", 1]);
  assert.match(gap.last_error, /HTTP 503/);
  assert.deepEqual(await positions(d), {}, "nothing applied past the gap");
  const h = await health(d);
  assert.equal(h.components.market_data, "unhealthy");
  assert.match(JSON.stringify(h.errors), /oanda-events: transactions after 1008 \(through 1011\) could not be fetched: sinceid failed: HTTP 503; 1 later ones wait/);
  const status = await runCli(["status", "--home", home]);
  assert.match(status.stdout, /^!! oanda-events: transactions after 1008 \(through 1011\) could not be fetched: sinceid failed: HTTP 503; positions are not updated past them, 1 later transaction waits/m);

  await fake.control({ restFailNext: 0 });
  await until("caught up", async () => (await positions(d)).USD_JPY === 1500, Boolean, 90_000);
  assert.equal((await stream(d, "oanda-events")).gap_fill, null);
  await until("healthy", async () => (await health(d)).components.market_data === "healthy");
  await d.close();
  const logs = filesUnder(join(d.home, "logs")).map((f) => readFileSync(f, "utf8")).join("\n");
  assert.match(logs, /transaction gap could not be filled/);
  assert.match(logs, /transaction gap filled/);
});
