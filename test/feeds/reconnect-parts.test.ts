import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, ConnectionRateLimiter, DEFAULT_BACKOFF, parseRetryAfter } from "../../src/feeds/backoff.js";
import { Watchdog } from "../../src/feeds/watchdog.js";
import { TransactionSequencer } from "../../src/feeds/transaction-sequencer.js";
import type { BrokerTransaction } from "../../src/engine/feed.js";
import type { SinceIdPage } from "../../src/feeds/gap-fill.js";
import { silentLogger } from "../../src/feeds/logger.js";
import { ManualTimers } from "./manual-timers.js";

test("backoff: 1 s doubling, jitter on top, capped at 60 s", () => {
  const none = () => 0;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, DEFAULT_BACKOFF, none)), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999), 1250);
  assert.equal(backoffDelay(20, DEFAULT_BACKOFF, () => 0.999), 60000, "jitter never exceeds the cap");
  assert.equal(backoffDelay(200, DEFAULT_BACKOFF, none), 60000);
});

test("Retry-After: seconds or HTTP date", () => {
  assert.equal(parseRetryAfter("3", 0), 3000);
  const now = Date.parse("2025-06-02T00:00:00Z");
  assert.equal(parseRetryAfter("Mon, 02 Jun 2025 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter(undefined, now), null);
  assert.equal(parseRetryAfter("soon", now), null);
});

test("connection rate limiter: at most 2 starts per second", async () => {
  const timers = new ManualTimers();
  const limiter = new ConnectionRateLimiter(timers, 2, 1000);
  const started: number[] = [];
  const t0 = timers.now();
  const go = async () => {
    await limiter.acquire();
    started.push(timers.now() - t0);
  };
  const all = Promise.all([go(), go(), go(), go(), go()]);
  for (let i = 0; i < 30; i++) {
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    timers.advance(100);
  }
  await all;
  assert.deepEqual(started, [0, 0, 1000, 1000, 2000]);
});

test("watchdog fires after the silence limit; kicks postpone it without re-arming each time", () => {
  const timers = new ManualTimers();
  const fired: number[] = [];
  const w = new Watchdog(timers, 1000, (ms) => fired.push(ms));
  w.start();
  timers.advance(900);
  w.kick();
  timers.advance(900);
  assert.deepEqual(fired, []);
  assert.equal(timers.size, 1);
  timers.advance(100);
  assert.deepEqual(fired, [1000]);
  w.stop();
  assert.equal(timers.size, 0);
});

function tx(seq: number): BrokerTransaction {
  return { id: String(seq), seq, account_id: "a", time: 0, type: "ORDER_FILL", instrument: "USD_JPY", units: 1, side: "buy", price: 1, pl: 0, raw: {} };
}

async function settle(timers: ManualTimers, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    timers.advance(1000);
  }
}

test("sequencer: holes are filled from sinceid; each id delivered once, in order", async () => {
  const timers = new ManualTimers();
  const ledger = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => tx(100 + n));
  const calls: string[] = [];
  const fetchSince = async (id: string): Promise<SinceIdPage> => {
    calls.push(id);
    return { transactions: ledger.filter((t) => t.seq > Number(id)), lastTransactionId: "108" };
  };
  const delivered: string[] = [];
  const ids: string[] = [];
  const s = new TransactionSequencer({
    lastTransactionId: "100",
    fetchSince,
    deliver: (t) => delivered.push(t.id),
    onTransactionId: (id) => ids.push(id),
    logger: silentLogger,
    timers,
    feed: "t",
  });
  s.accept(tx(101));
  s.accept(tx(101)); // duplicate
  s.accept(tx(104)); // hole: 102, 103 missing → fill
  s.accept(tx(105)); // held while filling
  await settle(timers);
  s.accept(tx(106)); // already filled → dropped
  s.observeLastId("108");
  await settle(timers);
  assert.deepEqual(delivered, ["101", "102", "103", "104", "105", "106", "107", "108"]);
  assert.equal(s.lastTransactionId, "108");
  assert.equal(ids.at(-1), "108");
  assert.deepEqual(calls, ["101"]);
  s.stop();
});

test("sequencer: a failing sinceid is retried; nothing is skipped meanwhile", async () => {
  const timers = new ManualTimers();
  let fail = 3;
  const fetchSince = async (id: string): Promise<SinceIdPage> => {
    if (fail-- > 0) throw new Error("boom");
    return { transactions: [tx(11), tx(12)].filter((t) => t.seq > Number(id)), lastTransactionId: "12" };
  };
  const delivered: string[] = [];
  const s = new TransactionSequencer({ lastTransactionId: "10", fetchSince, deliver: (t) => delivered.push(t.id), logger: silentLogger, timers, feed: "t", retryBaseMs: 100 });
  s.accept(tx(13));
  await settle(timers, 20);
  assert.deepEqual(delivered, ["11", "12", "13"]);
  s.stop();
});

test("sequencer: without a stored id a heartbeat sets the starting point", () => {
  const timers = new ManualTimers();
  const delivered: string[] = [];
  const s = new TransactionSequencer({ fetchSince: async () => ({ transactions: [], lastTransactionId: null }), deliver: (t) => delivered.push(t.id), logger: silentLogger, timers, feed: "t" });
  s.observeLastId("500");
  s.accept(tx(500));
  s.accept(tx(501));
  assert.deepEqual(delivered, ["501"]);
  s.stop();
});

test("sequencer: a stored cursor past the account's last transaction is said loudly, once", async () => {
  const timers = new ManualTimers();
  const lines: string[] = [];
  const logger = { info: () => {}, warn: () => {}, error: (m: string) => void lines.push(m) };
  const s = new TransactionSequencer({
    lastTransactionId: "2000",
    fetchSince: async () => ({ transactions: [], lastTransactionId: "1500" }),
    deliver: () => {},
    logger,
    timers,
    feed: "t",
  });
  s.requestFill("connected");
  await settle(timers);
  s.requestFill("connected");
  await settle(timers);
  assert.deepEqual(lines, ["feed: the stored transaction cursor is past the account's last transaction; transactions up to it will be skipped"]);
  s.stop();
});
