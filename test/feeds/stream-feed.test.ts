/**
 * StreamFeed against the fake OANDA server running as a separate process. Real loopback HTTP;
 * short silence limits and backoff bases keep it fast. Timing is asserted from the server's own
 * connection log, and only as lower bounds.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { FeedConfig } from "../../src/config/types.js";
import { createFeed } from "../../src/feeds/create-feed.js";
import { StreamFeed, type StreamFeedOptions } from "../../src/feeds/stream-feed.js";
import { CaptureLogger } from "./capture-logger.js";
import { startFakeOandaProcess, type FakeOandaProcess } from "./fake-oanda-process.js";
import { RecordingSink } from "./recording-sink.js";
import { until } from "../helpers/until.js";

const FAST: StreamFeedOptions = {
  backoff: { baseMs: 50, capMs: 400, jitter: 0 },
  random: () => 0,
  staleAfterMs: 600,
};

function feedFor(
  t: TestContext,
  fake: FakeOandaProcess,
  config: Partial<FeedConfig> & Pick<FeedConfig, "kind" | "stream">,
  opts: StreamFeedOptions = {},
): { feed: StreamFeed; sink: RecordingSink; logger: CaptureLogger } {
  const logger = new CaptureLogger();
  const feed = new StreamFeed(
    { name: `${config.kind}-${config.stream}`, url: fake.url, restUrl: fake.url, accountId: "101-001-1234567-001", ...config },
    { ...FAST, logger, ...opts },
  );
  const sink = new RecordingSink();
  feed.start(sink);
  t.after(() => feed.stop());
  return { feed, sink, logger };
}

/** Polls an observable condition (server state) until it holds; generous timeout. */
const streamConns = async (fake: FakeOandaProcess, kind: string) => (await fake.log()).filter((e) => e.kind === kind);

test("v1 prices: one multiplexed connection, snapshot, live quotes, emitted tick arrives", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "200"]);
  const { feed, sink } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["9984", "7203", "USD_JPY"] });
  await sink.waitFor("live", () => feed.status().state === "live");
  await sink.waitFor("snapshot", () => sink.quotes.length >= 3);
  assert.deepEqual(new Set(sink.quotes.map((q) => q.instrument)), new Set(["9984", "7203", "USD_JPY"]));
  await fake.control({ emitTick: { instrument: "9984", bid: 3050, ask: 3051 } });
  await sink.waitFor("emitted tick", () => sink.lastQuote("9984")?.bid === 3050);
  const q = sink.lastQuote("9984")!;
  assert.equal(q.ask, 3051);
  assert.equal(q.feed, "oanda-v1-prices");
  assert.ok(Math.abs(q.time - Date.now()) < 60_000);
  const conns = await streamConns(fake, "v1-prices");
  assert.equal(conns.length, 1);
  assert.match(conns[0]!.path, /^\/v1\/prices\?accountId=101-001-1234567-001&instruments=9984%2C7203%2CUSD_JPY&sessionId=tradectl-/);
  assert.equal(feed.status().reconnects, 0);
  assert.deepEqual(sink.stateNames().slice(0, 2), ["connecting", "live"]);
});

test("dropped connections reconnect with doubling backoff (server-side timing), then recover", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "50", "--drop-after-lines", "2"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["9984"] }, { backoff: { baseMs: 100, capMs: 400, jitter: 0 } });
  await sink.waitFor("5 connections", () => feed.status().reconnects >= 4, 15_000);
  const waits = logger.lines.filter((l) => l.message.includes("reconnecting")).map((l) => l.meta?.waitMs);
  assert.deepEqual(waits.slice(0, 4), [100, 200, 400, 400]);
  await fake.control({ dropAfterLines: 0 });
  await sink.waitFor("live again", () => feed.status().state === "live" && sink.stateNames().includes("backoff"));
  const times = (await streamConns(fake, "v1-prices")).map((c) => c.time);
  // Each connection lived ~50 ms (2 lines), far below the 10 s that resets the count, so waits
  // double: ≥100, ≥200, ≥400 (cap), ≥400. The connection itself adds time, never removes it.
  const gaps = times.slice(1, 5).map((x, i) => x - times[i]!);
  const expected = [100, 200, 400, 400];
  gaps.forEach((g, i) => assert.ok(g >= expected[i]! - 5, `gap ${i} = ${g} ms, expected ≥ ${expected[i]}`));
  assert.ok(sink.stateNames().includes("backoff"));
});

test("a connection that stayed up past stableAfterMs resets the backoff count", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--drop-after-lines", "5"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["9984"] }, { stableAfterMs: 300, backoff: { baseMs: 100, capMs: 2000, jitter: 0 } });
  await sink.waitFor("3 reconnects", () => feed.status().reconnects >= 3, 15_000);
  const ended = logger.lines.filter((l) => l.message.includes("reconnecting")).slice(0, 3);
  // Each connection lived ≥ 400 ms (4 heartbeats after the snapshot): every wait is the base again.
  assert.deepEqual(ended.map((l) => [l.meta?.failures, l.meta?.waitMs]), [[1, 100], [1, 100], [1, 100]]);
});

test("stalled stream (no heartbeats) goes stale, is aborted and reconnected", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v20", stream: "prices", instruments: ["USD_JPY"] }, { staleAfterMs: 400 });
  await sink.waitFor("live", () => feed.status().state === "live");
  await fake.control({ stall: true });
  await sink.waitFor("stale", () => feed.status().state === "stale" || sink.stateNames().includes("stale"));
  await fake.control({ stall: false });
  await sink.waitFor("reconnected and live", () => feed.status().state === "live" && feed.status().reconnects >= 1);
  const conns = await streamConns(fake, "v20-prices");
  assert.ok(conns.length >= 2);
  assert.equal(conns[0]!.endReason, "client closed", "the feed aborted the silent request itself");
  assert.match(logger.text(), /stream silent/);
  assert.ok(sink.stateNames().indexOf("stale") < sink.stateNames().lastIndexOf("live"));
});

test("HTTP 429 Retry-After is honoured even when the backoff is shorter", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--rate-limit-count", "2", "--retry-after", "1"]);
  const { feed, sink } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] });
  await sink.waitFor("live", () => feed.status().state === "live", 15_000);
  const conns = await streamConns(fake, "v1-prices");
  assert.deepEqual(conns.map((c) => c.status), [429, 429, 200]);
  assert.ok(conns[1]!.time - conns[0]!.time >= 995, `waited ${conns[1]!.time - conns[0]!.time} ms after the first 429`);
  assert.ok(conns[2]!.time - conns[1]!.time >= 995, `waited ${conns[2]!.time - conns[1]!.time} ms after the second 429`);
});

test("disconnect message (code 60) is logged and the stream reconnects", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] });
  await sink.waitFor("live", () => feed.status().state === "live");
  await fake.control({ sendDisconnect: { code: 60 } });
  await sink.waitFor("reconnected", () => feed.status().reconnects === 1 && feed.status().state === "live");
  assert.match(logger.text(), /disconnect message.*"code":60/);
  const conns = await streamConns(fake, "v1-prices");
  assert.equal(conns[0]!.endReason, "disconnect 60");
});

test("401 → failed with a clear reason (no token in it), retried at the cap, recovers", async (t) => {
  const secret = "tok-SECRET-1234567890";
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--require-token", "right-token"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v20", stream: "prices", instruments: ["EUR_USD"] }, { token: secret });
  await sink.waitFor("failed", () => feed.status().state === "failed");
  const reason = feed.status().last_error ?? "";
  assert.match(reason, /HTTP 401/);
  assert.match(reason, /OANDA_TOKEN/);
  assert.ok(!reason.includes(secret));
  await until("a second 401", async () => (await streamConns(fake, "v20-prices")).length >= 2);
  assert.equal(feed.status().state, "failed");
  await fake.control({ requireToken: secret });
  await sink.waitFor("live after the token is accepted", () => feed.status().state === "live");
  const conns = await streamConns(fake, "v20-prices");
  assert.equal(conns[0]!.status, 401);
  assert.ok(conns[1]!.time - conns[0]!.time >= 395, "retried only at the backoff cap (400 ms here)");
  assert.ok(!logger.text().includes(secret), "token never logged");
  assert.ok(!JSON.stringify(sink.states).includes(secret));
});

test("garbage lines do not crash the feed; only valid quotes are delivered", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "10", "--garbage-every", "2"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY", "EUR_USD", "9984"] });
  await sink.waitFor("40 quotes", () => sink.quotes.length >= 40);
  assert.equal(feed.status().state, "live");
  for (const q of sink.quotes) assert.ok(q.bid > 0 && q.ask >= q.bid && ["USD_JPY", "EUR_USD", "9984"].includes(q.instrument), JSON.stringify(q));
  assert.match(logger.text(), /unusable message skipped/);
  assert.equal(feed.status().reconnects, 0);
});

test("a runaway line is dropped and the stream goes on", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100"]);
  const { feed, sink, logger } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] });
  await sink.waitFor("live", () => feed.status().state === "live");
  await fake.control({ sendRunawayLine: 300_000 });
  await fake.control({ emitTick: { instrument: "USD_JPY", bid: 151.5, ask: 151.508 } });
  await sink.waitFor("tick after the runaway line", () => sink.lastQuote("USD_JPY")?.bid === 151.5);
  assert.match(logger.text(), /line longer than 65536 bytes dropped/);
  assert.equal(feed.status().reconnects, 0);
});

test("split chunks (mid-line, mid-UTF-8) parse correctly: v1 events with Japanese comments", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--split-chunks"]);
  const { feed, sink } = feedFor(t, fake, { kind: "oanda-v1", stream: "events" });
  await sink.waitFor("live", () => feed.status().state === "live");
  const comments = ["新規買い ソフトバンクG", "決済 利確 🎯", "トヨタ 買い"];
  for (const comment of comments) await fake.control({ emitTransaction: { instrument: "9984", units: 100, comment } });
  await sink.waitFor("3 transactions", () => sink.transactions.length >= 3);
  assert.deepEqual(sink.transactions.map((x) => (x.raw as { comment?: string }).comment), comments);
  assert.deepEqual(sink.transactions.map((x) => x.type), ["ORDER_FILLED", "ORDER_FILLED", "ORDER_FILLED"]);
  assert.equal(feed.status().reconnects, 0);
});

test("market closed: non-tradeable snapshot then heartbeats only → market-closed, never stale", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--market-closed"]);
  const { feed, sink } = feedFor(t, fake, { kind: "oanda-v20", stream: "prices", instruments: ["9984", "USD_JPY"] }, { staleAfterMs: 400 });
  await sink.waitFor("market-closed", () => feed.status().state === "market-closed");
  // Wait for well over the silence limit of heartbeats (server-side line count), then check.
  await until("12 lines served", async () => (await streamConns(fake, "v20-prices"))[0]!.lines >= 12);
  assert.equal(feed.status().state, "market-closed");
  assert.ok(!sink.stateNames().includes("stale"));
  assert.equal(feed.status().reconnects, 0);
  assert.ok(sink.quotes.every((q) => q.tradeable === false));
  await fake.control({ marketClosed: false, emitTick: { instrument: "9984", bid: 3001, ask: 3002 } });
  await sink.waitFor("live once tradeable", () => feed.status().state === "live");
});

test("v20 transactions: missed ids are filled from sinceid; every id exactly once, in order (unix times)", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--time-format", "unix", "--sinceid-page-size", "2"]);
  const persisted: string[] = [];
  const { feed, sink } = feedFor(
    t,
    fake,
    { kind: "oanda-v20", stream: "events" },
    { lastTransactionId: "1003", onTransactionId: (id) => persisted.push(id), gapFillRetryMs: 100 },
  );
  // Start position 1003: the connect-time fill delivers 1004…1008 (paged 2 at a time).
  await sink.waitFor("history filled", () => sink.transactions.length >= 5);
  await fake.control({ missTransactions: 2 });
  await fake.control({ emitTransaction: [{ instrument: "USD_JPY", units: 1000 }, { instrument: "USD_JPY", units: -1000 }, { instrument: "9984", units: 100 }] });
  await sink.waitFor("1011", () => sink.transactions.at(-1)?.id === "1011");
  // Outage: drop the stream, emit while it cannot reconnect, then let it back in.
  await fake.control({ rateLimitCount: 3, retryAfterSeconds: 0, dropAll: true });
  await fake.control({ emitTransaction: [{ instrument: "EUR_USD", units: 5000 }, { instrument: "EUR_USD", units: -5000 }] });
  await sink.waitFor("1013", () => sink.transactions.at(-1)?.id === "1013", 15_000);
  await fake.control({ emitTransaction: { instrument: "7203", units: 100 } });
  await sink.waitFor("1014", () => sink.transactions.at(-1)?.id === "1014");
  const ids = sink.transactions.map((x) => Number(x.id));
  assert.deepEqual(ids, Array.from({ length: 11 }, (_, i) => 1004 + i), "contiguous, ordered, no duplicates");
  assert.equal(feed.lastTransactionId, "1014");
  assert.equal(persisted.at(-1), "1014");
  const sinceCalls = (await fake.log()).filter((e) => e.kind === "sinceid");
  assert.ok(sinceCalls.length >= 3);
  const last = sink.transactions.at(-1)!;
  assert.ok(Math.abs(last.time - Date.now()) < 60_000, "UNIX time strings parsed");
  assert.equal(last.side, "buy");
  assert.equal(last.instrument, "7203");
});

test("setInstruments reconnects once with the new set", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100"]);
  const { feed, sink } = feedFor(t, fake, { kind: "oanda-v1", stream: "prices", instruments: ["9984"] });
  await sink.waitFor("live", () => feed.status().state === "live");
  feed.setInstruments(["7203", "6758"]);
  await sink.waitFor("new snapshot", () => sink.quotes.some((q) => q.instrument === "6758"));
  const conns = await streamConns(fake, "v1-prices");
  assert.equal(conns.length, 2);
  assert.match(conns[1]!.path, /instruments=7203%2C6758/);
  const before = sink.quotes.length;
  await fake.control({ emitTick: { instrument: "9984", bid: 2000, ask: 2001 } });
  await fake.control({ emitTick: { instrument: "7203", bid: 2801, ask: 2802 } });
  await sink.waitFor("7203 tick", () => sink.lastQuote("7203")?.bid === 2801);
  assert.ok(sink.quotes.slice(before).every((q) => q.instrument !== "9984"));
  assert.ok(!sink.stateNames().includes("backoff"), "a resubscribe is not a failure");
});

test("generic SSE feed via createFeed: ticks and heartbeats", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "20", "--heartbeat-ms", "100"]);
  const sink = new RecordingSink();
  const feed = createFeed({ name: "mt5", kind: "sse", stream: "prices", url: `${fake.url}/stream`, instruments: ["9984", "USD_JPY"] }, {});
  feed.start(sink);
  t.after(() => feed.stop());
  await sink.waitFor("10 quotes", () => sink.quotes.length >= 10);
  assert.equal(feed.status().state, "live");
  assert.ok(sink.quotes.every((q) => q.instrument === "9984" || q.instrument === "USD_JPY"));
  await feed.stop();
  assert.equal(feed.status().state, "stopped");
});
