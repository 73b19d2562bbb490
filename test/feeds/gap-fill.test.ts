/**
 * Transaction gaps against the fake OANDA server as a separate process, which pages sinceid as OANDA does
 * (a capped page, oldest first, `lastTransactionID` the account's last) and can fail or hang a page.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { StreamFeed, type StreamFeedOptions } from "../../src/feeds/stream-feed.js";
import { CaptureLogger } from "./capture-logger.js";
import { startFakeOandaProcess, type FakeOandaProcess } from "./fake-oanda-process.js";
import { RecordingSink } from "./recording-sink.js";
import { until } from "../helpers/until.js";

const ACCOUNT = "101-001-1234567-001";

function eventsFeed(t: TestContext, fake: FakeOandaProcess, opts: StreamFeedOptions = {}) {
  const logger = new CaptureLogger();
  const persisted: string[] = [];
  const sink = new RecordingSink();
  const feed = new StreamFeed(
    { name: "events", kind: "oanda-v20", stream: "events", url: fake.url, restUrl: fake.url, accountId: ACCOUNT },
    {
      backoff: { baseMs: 50, capMs: 400, jitter: 0 },
      random: () => 0,
      staleAfterMs: 5000,
      gapFillRetryMs: 50,
      lastTransactionId: "1008",
      onTransactionId: (id) => persisted.push(id),
      logger,
      ...opts,
    },
  );
  feed.start(sink);
  t.after(() => feed.stop());
  return { feed, sink, logger, persisted };
}

/** Makes `n` transactions that the stream never shows (only sinceid has them); returns their ids. */
async function missed(fake: FakeOandaProcess, n: number): Promise<string[]> {
  await fake.control({ missTransactions: n });
  const list = Array.from({ length: n }, (_, i) => ({ instrument: "USD_JPY", units: i % 2 === 0 ? 1000 + i : -(1000 + i) }));
  return (await fake.control({ emitTransaction: list })).transactionIds as string[];
}

const sinceIdRequests = async (fake: FakeOandaProcess) =>
  (await fake.log()).filter((e) => e.kind === "sinceid").map((e) => ({ id: Number(new URL(e.path, "http://x").searchParams.get("id")), status: e.status }));

/** Polls what no sink event announces (the feed's cursor, its status). */
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(from + i));

test("a gap larger than the pages a reply holds is filled page by page: 60 missed with 1 per reply, all 60 applied in order", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--sinceid-page-size", "1"]);
  const { feed, sink, persisted } = eventsFeed(t, fake);
  await sink.waitFor("live", () => feed.status().state === "live");
  await until("the fill at connect done", () => feed.status().gap_fill == null);
  const before = (await sinceIdRequests(fake)).length;
  const ids = await missed(fake, 60);
  assert.deepEqual(ids, range(1009, 60));
  await until("the cursor at the account's last id", () => feed.lastTransactionId === "1068");
  assert.deepEqual(sink.transactions.map((x) => x.id), ids, "every missed transaction, once, in order");
  // The cursor only ever named a transaction that had been applied.
  assert.deepEqual(persisted, ids);
  const asked = (await sinceIdRequests(fake)).slice(before).map((r) => r.id);
  assert.deepEqual(asked.filter((id) => id < 1068), range(1008, 60).map(Number), "each page asked once, from the last id applied");
  assert.equal(feed.status().gap_fill, null);
});

test("a failing page is retried from the last id applied; the pages before it stay applied", async (t) => {
  // Every third transactions request fails: a fill that had to fetch every page in one go would never finish.
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--sinceid-page-size", "10", "--rest-fail-every", "3"]);
  const { feed, sink, logger } = eventsFeed(t, fake);
  await sink.waitFor("live", () => feed.status().state === "live");
  await until("the fill at connect done", () => feed.status().gap_fill == null);
  const before = (await sinceIdRequests(fake)).length;
  const ids = await missed(fake, 60);
  await until("all 60 applied", () => feed.lastTransactionId === "1068");
  assert.deepEqual(sink.transactions.map((x) => x.id), ids);
  const asked = (await sinceIdRequests(fake)).slice(before);
  assert.ok(asked.some((r) => r.status === 500), "some pages failed");
  for (let i = 1; i < asked.length; i++) {
    const prev = asked[i - 1]!;
    const cur = asked[i]!;
    assert.ok(cur.id >= prev.id, `never back to an earlier id: ${JSON.stringify(asked)}`);
    if (prev.status === 500) assert.equal(cur.id, prev.id, "a failed page is asked again from the same id");
  }
  for (let id = 1008; id < 1068; id += 10) assert.equal(asked.filter((r) => r.id === id && r.status === 200).length, 1, `the page after ${id} was fetched once`);
  assert.match(logger.text(), /gap fill failed; will retry/);
});

test("a gap that cannot be filled is said in status and the log; later transactions wait for it, then all apply in order", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100"]);
  const { feed, sink, logger, persisted } = eventsFeed(t, fake);
  await sink.waitFor("live", () => feed.status().state === "live");
  await until("the fill at connect done", () => feed.status().gap_fill == null);
  await fake.control({ restFailNext: 100_000 });
  const gap = await missed(fake, 3);
  const later = (await fake.control({ emitTransaction: [{ instrument: "9984", units: 100 }, { instrument: "9984", units: -100 }] })).transactionIds as string[];
  await until("the gap reported as failing, the later two held", () => feed.status().gap_fill?.state === "failing" && feed.status().gap_fill?.held === 2);
  const s = feed.status().gap_fill!;
  assert.equal(s.after_id, "1008");
  assert.equal(s.through_id, "1013");
  assert.equal(s.held, 2, "the two stream transactions after the gap wait");
  assert.ok(s.failures >= 3);
  assert.match(s.last_error ?? "", /HTTP 503/);
  assert.ok(Date.parse(s.next_attempt_at!) > Date.parse(s.since));
  assert.match(logger.text(), /transaction gap could not be filled.*"after":"1008"/);
  assert.equal(sink.transactions.length, 0, "nothing after the gap was applied past it");
  assert.equal(persisted.length, 0, "the cursor did not move");
  assert.ok(sink.states.some((x) => x.gap_fill?.state === "failing"), "a status update said so");

  await fake.control({ restFailNext: 0 });
  await until("filled", () => feed.lastTransactionId === "1013");
  assert.deepEqual(sink.transactions.map((x) => x.id), [...gap, ...later]);
  assert.equal(feed.status().gap_fill, null);
  assert.match(logger.text(), /transaction gap filled/);
});

test("a page never answered is abandoned after the page timeout and asked again", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "100", "--rest-hang-next", "1"]);
  const { feed, sink, logger } = eventsFeed(t, fake, { gapFillPageTimeoutMs: 300 });
  await sink.waitFor("live", () => feed.status().state === "live");
  const ids = await missed(fake, 2);
  await until("filled", () => feed.lastTransactionId === "1010");
  assert.deepEqual(sink.transactions.map((x) => x.id), ids);
  assert.match(logger.text(), /sinceid page not answered within 300 ms/);
  const asked = await sinceIdRequests(fake);
  assert.deepEqual(asked.slice(0, 2), [{ id: 1008, status: 0 }, { id: 1008, status: 200 }], "the unanswered page, then the same page again");
});
