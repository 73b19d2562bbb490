/**
 * Stream faults on a manual clock: the fake OANDA server in process, real loopback sockets, and time that moves
 * only when nothing is in flight (virtual-world.ts). Each test states the exact moment something must happen.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { FeedConfig } from "../../src/config/types.js";
import { StreamFeed, type StreamFeedOptions } from "../../src/feeds/stream-feed.js";
import { FAKE_ACCOUNT_ID } from "../../scripts/fake-oanda/server.js";
import { CaptureLogger } from "./capture-logger.js";
import { RecordingSink } from "./recording-sink.js";
import { startVirtualWorld, type VirtualWorld } from "./virtual-world.js";

async function world(t: TestContext, switches: Parameters<typeof startVirtualWorld>[0] = {}): Promise<VirtualWorld> {
  const w = await startVirtualWorld(switches);
  t.after(() => w.close());
  return w;
}

function feedIn(t: TestContext, w: VirtualWorld, config: Partial<FeedConfig> & Pick<FeedConfig, "kind" | "stream">, opts: StreamFeedOptions = {}) {
  const logger = new CaptureLogger();
  const feed = new StreamFeed(
    { name: `${config.kind}-${config.stream}`, url: w.fake.url, restUrl: w.fake.url, accountId: FAKE_ACCOUNT_ID, ...config },
    { timers: w.timers, random: () => 0, logger, ...opts },
  );
  const sink = new RecordingSink(w.timers.now);
  w.watch(() => [feed.status().state, feed.status().reconnects, sink.quotes.length, sink.transactions.length, sink.states.length]);
  feed.start(sink);
  t.after(() => feed.stop());
  return { feed, sink, logger };
}

const streamsOf = (w: VirtualWorld, kind: string) => w.fake.log().filter((e) => e.kind === kind);

test("a stall shorter than the silence limit: no reconnect, and what was held back arrives when it ends", async (t) => {
  const w = await world(t);
  const { feed, sink } = feedIn(t, w, { kind: "oanda-v20", stream: "prices", instruments: ["USD_JPY"] }, { staleAfterMs: 10_000 });
  const t0 = w.timers.now();
  await w.advance(0);
  assert.equal(feed.status().state, "live");
  await w.advance(6000); // heartbeat at +5 s
  w.fake.control({ stall: true });
  await w.advance(2000);
  w.fake.control({ emitTick: { instrument: "USD_JPY", bid: 151.5, ask: 151.508 } }); // held by the stall
  await w.advance(6000); // +14 s: 9 s since the last line, under the 10 s limit
  assert.notEqual(sink.lastQuote("USD_JPY")?.bid, 151.5, "nothing arrives during the stall");
  w.fake.control({ stall: false });
  await w.settle();
  assert.equal(sink.lastQuote("USD_JPY")?.bid, 151.5, "the held tick arrives when the stall ends");
  await w.advance(30_000);
  const conns = streamsOf(w, "v20-prices");
  assert.equal(conns.length, 1, "no reconnect");
  assert.equal(conns[0]!.longestSilenceMs, 9000);
  assert.equal(feed.status().reconnects, 0);
  assert.ok(!sink.stateNames().includes("stale"));
  assert.equal(w.timers.now() - t0, 44_000);
});

test("a stall longer than the silence limit is detected exactly at the limit, and the stream reconnects", async (t) => {
  const w = await world(t);
  const { feed, sink, logger } = feedIn(t, w, { kind: "oanda-v20", stream: "prices", instruments: ["USD_JPY"] }, { staleAfterMs: 10_000 });
  await w.advance(21_000); // heartbeats at +5, +10, +15, +20 s
  const lastLine = streamsOf(w, "v20-prices")[0]!.lastLineAt!;
  w.fake.control({ stall: true });
  await w.advance(30_000);
  assert.equal(sink.timeOf("stale"), lastLine + 10_000, "stale exactly 10 s after the last line");
  const first = streamsOf(w, "v20-prices")[0]!;
  assert.equal(first.endReason, "client closed");
  assert.equal(first.silenceAtCloseMs, 10_000);
  assert.match(logger.text(), /stream silent; reconnecting.*"silentMs":10000/);
  w.fake.control({ stall: false });
  await w.advance(60_000);
  assert.equal(feed.status().state, "live");
  assert.ok(feed.status().reconnects >= 1);
});

test("dropped mid-line: the cut tick is never read as a price; the reconnect's snapshot brings the price", async (t) => {
  const w = await world(t);
  const { feed, sink, logger } = feedIn(t, w, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY", "9984"] });
  await w.advance(0);
  w.fake.control({ cutNextLine: true });
  w.fake.control({ emitTick: { instrument: "USD_JPY", bid: 152.25, ask: 152.258 } });
  await w.advance(5000);
  assert.equal(streamsOf(w, "v1-prices")[0]!.endReason, "dropped mid-line");
  assert.equal(feed.status().reconnects, 1);
  assert.equal(feed.status().state, "live");
  const usd = sink.quotes.filter((q) => q.instrument === "USD_JPY").map((q) => q.bid);
  assert.deepEqual(usd, [150.123, 152.25], "the first snapshot, then the new price from the second snapshot: no partial line read");
  assert.doesNotMatch(logger.text(), /unusable message/, "a cut line is dropped with its connection, not parsed");
});

test("dropped mid-line on the transaction stream: the cut transaction is applied once, from sinceid after the reconnect", async (t) => {
  const w = await world(t);
  const { feed, sink } = feedIn(t, w, { kind: "oanda-v20", stream: "events" }, { lastTransactionId: "1008" });
  await w.advance(0);
  w.fake.control({ cutNextLine: true });
  w.fake.control({ emitTransaction: { instrument: "USD_JPY", units: 2500 } });
  await w.advance(10_000);
  w.fake.control({ emitTransaction: { instrument: "USD_JPY", units: -2500 } });
  await w.advance(10_000);
  assert.equal(feed.status().reconnects, 1);
  assert.deepEqual(sink.transactions.map((x) => [x.id, x.side, x.units]), [["1009", "buy", 2500], ["1010", "sell", 2500]]);
  assert.ok(w.fake.log().some((e) => e.kind === "sinceid" && /id=1008\b/.test(e.path)), "1009 came from sinceid");
  assert.equal(feed.lastTransactionId, "1010");
});

test("the same disconnect code again and again backs off further each time, past the usual cap, and status says why", async (t) => {
  const w = await world(t, { switches: { disconnectAfterLines: 1 } });
  const { feed, logger } = feedIn(t, w, { kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] });
  await w.advance(2 * 3_600_000);
  const waits = logger.lines.filter((l) => l.message.includes("reconnecting")).map((l) => l.meta?.waitMs);
  // The usual backoff would be 1, 2, 4, … 60 s and then 60 s for ever: one takeover a minute.
  assert.deepEqual(waits.slice(0, 12), [1000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 1_024_000, 1_800_000, 1_800_000]);
  const s = feed.status();
  assert.equal(s.state, "backoff");
  assert.equal(s.repeated_disconnect?.code, 60);
  assert.ok((s.repeated_disconnect?.count ?? 0) >= 12, JSON.stringify(s.repeated_disconnect));
  assert.match(s.last_error ?? "", /disconnect 60: connection limit exceeded, \d+ times in a row: another client is using this token's stream/);
  assert.equal(Date.parse(s.next_attempt_at!) - w.timers.now() <= 1_800_000, true);

  // The other client goes away: the next connection stays, and after it has lasted, the repeat count ends.
  w.fake.control({ disconnectAfterLines: 0 });
  await w.advance(3 * 3_600_000);
  assert.equal(feed.status().state, "live");
  assert.equal(feed.status().repeated_disconnect, null);
  assert.match(logger.text(), /repeated disconnects over: the stream is kept again/);
});

test("two clients on one token stop taking the rates stream from each other every few seconds", async (t) => {
  const w = await world(t);
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const a = feedIn(t, w, { name: "a", kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] }, { token: "shared-token", random });
  const b = feedIn(t, w, { name: "b", kind: "oanda-v1", stream: "prices", instruments: ["USD_JPY"] }, { token: "shared-token", random });
  const hour = 3_600_000;
  await w.advance(3 * hour);
  const opened = streamsOf(w, "v1-prices").map((c) => c.time - streamsOf(w, "v1-prices")[0]!.time);
  const inHour = (h: number) => opened.filter((x) => x >= h * hour && x < (h + 1) * hour).length;
  // With a 60 s cap they would take turns at least 60 times an hour each; backing off further, a few times at most.
  assert.ok(inHour(2) <= 4, `connections in the third hour: ${inHour(2)} (${opened.length} in all)`);
  assert.ok(opened.length < 60, `connections in all: ${opened.length}`);
  const waiting = [a.feed.status(), b.feed.status()].filter((s) => s.state === "backoff");
  for (const s of waiting) assert.equal(s.repeated_disconnect?.code, 60);
  assert.ok([a, b].some(({ logger }) => /another client is using this token's stream/.test(logger.text())));
});
