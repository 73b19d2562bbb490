import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_REPLAY_FILE, ReplayFeed, parseRecording } from "../../src/feeds/replay-feed.js";
import { ManualTimers } from "./manual-timers.js";
import { RecordingSink } from "./recording-sink.js";

async function fixtureFile(t: import("node:test").TestContext, lines: unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "replay-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "rec.ndjson");
  await writeFile(file, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return file;
}

const small = [
  { tick: { instrument: "9984", time: "2025-06-02T00:00:00.000000Z", bid: 3000, ask: 3001 } },
  { tick: { instrument: "7203", time: "2025-06-02T00:00:01.000000Z", bid: 2800, ask: 2801 } },
  { heartbeat: { time: "2025-06-02T00:00:02.000000Z" } },
  "not json",
  { tick: { instrument: "9984", time: "2025-06-02T00:00:03.000000Z", bid: 3002, ask: 3003 } },
];

test("default replay file exists and parses into a few hundred timed lines", async (t) => {
  assert.ok(existsSync(DEFAULT_REPLAY_FILE), DEFAULT_REPLAY_FILE);
  const { readFile } = await import("node:fs/promises");
  const { entries, skipped } = parseRecording(await readFile(DEFAULT_REPLAY_FILE, "utf8"));
  assert.equal(skipped, 0);
  assert.ok(entries.length >= 200);
  assert.ok(entries.at(-1)!.offsetMs >= 60_000, "spans minutes");
  const instruments = new Set(entries.flatMap((e) => (e.msg.type === "price" ? [e.msg.instrument] : [])));
  for (const i of ["9984", "7203", "6758", "8306", "130A", "USD_JPY", "EUR_USD"]) assert.ok(instruments.has(i), i);
});

test("replay paces by timestamps / speed, stamps quotes with delivery time, loops", async (t) => {
  const file = await fixtureFile(t, small);
  const timers = new ManualTimers();
  const sink = new RecordingSink();
  const feed = new ReplayFeed({ name: "replay", kind: "replay", stream: "prices", url: file, speed: 2 }, { timers });
  feed.start(sink);
  await sink.waitFor("live", () => feed.status().state === "live");
  assert.deepEqual(sink.stateNames(), ["connecting", "live"]);
  const t0 = timers.now();

  timers.advance(0);
  assert.equal(sink.quotes.length, 1);
  assert.equal(sink.quotes[0]!.instrument, "9984");
  assert.equal(sink.quotes[0]!.time, t0);
  assert.equal(sink.quotes[0]!.feed, "replay");

  timers.advance(499); // 1 s of recording at speed 2 is 500 ms
  assert.equal(sink.quotes.length, 1);
  timers.advance(1);
  assert.equal(sink.quotes.length, 2);
  assert.equal(sink.quotes[1]!.time, t0 + 500);

  timers.advance(500); // heartbeat: no quote, but last_message_at moves
  assert.equal(sink.quotes.length, 2);
  assert.equal(feed.status().last_message_at, new Date(t0 + 1000).toISOString());

  timers.advance(500);
  assert.deepEqual(sink.quotes.map((q) => q.bid), [3000, 2800, 3002]);

  // loop: recording 3 s + 1 s gap = 4 s → 2 s at speed 2; first line again at t0 + 2000
  timers.advance(499);
  assert.equal(sink.quotes.length, 3);
  timers.advance(1);
  assert.equal(sink.quotes.length, 4);
  assert.equal(sink.quotes[3]!.bid, 3000);
  assert.equal(sink.quotes[3]!.time, t0 + 2000, "looped quote carries the current time");

  const st = feed.status();
  assert.equal(st.state, "live");
  assert.equal(st.reconnects, 0);
  assert.equal(st.kind, "replay");

  await feed.stop();
  assert.equal(feed.status().state, "stopped");
  assert.equal(timers.size, 0, "no timer left behind");
  timers.advance(10_000);
  assert.equal(sink.quotes.length, 4);
});

test("replay honours the instruments filter", async (t) => {
  const file = await fixtureFile(t, small);
  const timers = new ManualTimers();
  const sink = new RecordingSink();
  const feed = new ReplayFeed({ name: "r", kind: "replay", stream: "prices", url: file, instruments: ["7203"] }, { timers });
  feed.start(sink);
  await sink.waitFor("live", () => feed.status().state === "live");
  timers.advance(3000);
  assert.deepEqual(sink.quotes.map((q) => q.instrument), ["7203"]);
  await feed.stop();
});

test("replay of a missing file fails with a reason", async (t) => {
  const sink = new RecordingSink();
  const feed = new ReplayFeed({ name: "r", kind: "replay", stream: "prices", url: "/nonexistent/x.ndjson" }, { timers: new ManualTimers() });
  feed.start(sink);
  await sink.waitFor("failed", () => feed.status().state === "failed");
  assert.match(feed.status().last_error ?? "", /cannot read replay file/);
  await feed.stop();
});

test("replay of the default file at high speed delivers quotes for the TSE tickers", async (t) => {
  const timers = new ManualTimers();
  const sink = new RecordingSink();
  const feed = new ReplayFeed({ name: "replay", kind: "replay", stream: "prices" }, { timers });
  feed.start(sink);
  await sink.waitFor("live", () => feed.status().state === "live");
  timers.advance(200_000); // more than one full loop at speed 1
  const q = sink.lastQuote("9984");
  assert.ok(q && q.bid > 2500 && q.bid < 3500 && q.ask - q.bid >= 0.5 && q.ask - q.bid <= 2, JSON.stringify(q));
  assert.ok(sink.lastQuote("130A"));
  assert.ok(sink.lastQuote("USD_JPY"));
  assert.ok(sink.quotes.length > 300);
  await feed.stop();
});
