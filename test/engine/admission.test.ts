/** The engine's one door: repeats, answers kept durably, the paper fill inside the admission's commit, the dry run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/domain/clock.js";
import type { Signal } from "../../src/domain/types.js";
import { idempotencyExpiry } from "../../src/engine/admission.js";
import type { AdmissionOutcome } from "../../src/engine/engine.js";
import { QuoteBook } from "../../src/engine/quote-book.js";
import { crashCopy, journalFile, openEngine, testSignal } from "../helpers/engine.js";

const T0 = Date.parse("2026-11-24T01:00:00Z");
const S = 1000;

const signal = (id: string, o: Partial<Signal> = {}) => testSignal(id, T0, o);

function accepted(o: AdmissionOutcome): Extract<AdmissionOutcome, { kind: "accepted" }> {
  assert.equal(o.kind, "accepted", JSON.stringify(o));
  return o as Extract<AdmissionOutcome, { kind: "accepted" }>;
}

function quoted(): QuoteBook {
  const quotes = new QuoteBook();
  quotes.update({ instrument: "9984", bid: 2999, ask: 3001, time: T0, tradeable: true, feed: "test" });
  return quotes;
}

test("a repeat of an alert timed 290 s ahead, sent 305 s later, gets the first answer, not a second order", async (t) => {
  const clock = new ManualClock(T0);
  const a = openEngine(journalFile(t), clock, { quotes: quoted() });
  t.after(() => a.db.close());
  const key = "future-alert";
  const first = accepted(await a.engine.admit({ signal: signal("s1", { alert_time: T0 + 290 * S, idempotency_key: key }) }));

  clock.advance(305 * S); // the alert is still inside its ±300 s window: it could be accepted again
  const repeat = await a.engine.admit({ signal: signal("s2", { alert_time: T0 + 290 * S, received_at: clock.now(), expires_at: clock.now() + 60 * S, idempotency_key: key }) });
  assert.equal(repeat.kind, "duplicate");
  assert.deepEqual(repeat.kind === "duplicate" && repeat.record, first.record);
  assert.equal(a.journal.listOrders().total, 1);
});

test("a key lives as long as its alert could be accepted, on either side of the window, whatever the window", () => {
  const s = signal("s", { alert_time: T0 + 290 * S });
  assert.ok(idempotencyExpiry(s, T0, 300 * S) > T0 + 590 * S, "future side: the alert's own time plus the window");
  assert.ok(idempotencyExpiry(signal("p", { alert_time: T0 - 290 * S }), T0, 300 * S) >= T0 + 300 * S, "past side: never less than the seed's 5 minutes");
  assert.ok(idempotencyExpiry(signal("w", { alert_time: T0 + 3_000 * S }), T0, 3_600 * S) > T0 + 6_600 * S, "a configured hour-long window");
});

test("a window made longer by a reload keeps the keys already stored that long too", async (t) => {
  const clock = new ManualClock(T0);
  const a = openEngine(journalFile(t), clock, { quotes: quoted() });
  t.after(() => a.db.close());
  await a.engine.admit({ signal: signal("s1", { idempotency_key: "k" }) });
  a.idempotency.extendAll(600 * S, clock.now());
  clock.advance(700 * S);
  assert.notEqual(a.idempotency.get("k", clock.now()), undefined);
});

test("a paper order with a quote is settled in the admission's own commit: one commit, and the answer is the fill", async (t) => {
  const clock = new ManualClock(T0);
  const a = openEngine(journalFile(t), clock, { quotes: quoted() });
  t.after(() => a.db.close());
  let commits = 0;
  a.db.onCommit = () => commits++;
  const o = accepted(await a.engine.admit({ signal: signal("s1"), syncBudgetMs: 2000, startedAt: performance.now() }));
  assert.equal(commits, 1);
  assert.equal(o.record.outcome.kind, "settled");
  assert.equal(o.order.status, "filled");
  assert.equal(o.order.fill_price, 3001);
  assert.equal(a.ledger.position("9984")?.quantity, 100);
});

test("the answer given once a queued order settled is the one a repeat gets after a crash (it is written before it is given)", async (t) => {
  const clock = new ManualClock(T0);
  const file = journalFile(t);
  const a = openEngine(file, clock); // no quote: the order is queued and fills at the alert's price
  t.after(() => a.db.close());
  const o = accepted(await a.engine.admit({ signal: signal("s1", { idempotency_key: "k" }), syncBudgetMs: 60_000, startedAt: performance.now() }));
  assert.equal(o.record.outcome.kind, "settled", "answered with the fill, within the budget");

  const b = openEngine(crashCopy(file, `${file}.crashed`), clock);
  t.after(() => b.db.close());
  const repeat = await b.engine.admit({ signal: signal("s2", { idempotency_key: "k" }) });
  assert.equal(repeat.kind, "duplicate");
  assert.deepEqual(repeat.kind === "duplicate" && repeat.record, o.record);
});

test("an answer that went out as queued stays queued for repeats, whatever happens to the order after", async (t) => {
  const clock = new ManualClock(T0);
  const a = openEngine(journalFile(t), clock);
  t.after(() => a.db.close());
  const o = accepted(await a.engine.admit({ signal: signal("s1", { idempotency_key: "k" }) })); // no budget: answered at once
  assert.equal(o.record.outcome.kind, "queued");
  assert.equal((await o.done).status, "filled");
  const repeat = await a.engine.admit({ signal: signal("s2", { idempotency_key: "k" }) });
  assert.deepEqual(repeat.kind === "duplicate" && repeat.record, o.record);
});

test("the dry run judges as admission does, and writes nothing", async (t) => {
  const clock = new ManualClock(T0);
  const a = openEngine(journalFile(t), clock, { quotes: quoted() });
  t.after(() => a.db.close());
  const dry = await a.engine.admit({ signal: signal("s1", { idempotency_key: "k" }), dryRun: true });
  assert.equal(dry.kind === "dry_run" && dry.judgement.verdict, "accept");
  assert.equal(a.journal.listOrders().total, 0);

  accepted(await a.engine.admit({ signal: signal("s1", { idempotency_key: "k" }) }));
  const repeat = await a.engine.admit({ signal: signal("s2", { idempotency_key: "k" }), dryRun: true });
  assert.equal(repeat.kind === "dry_run" && repeat.judgement.verdict, "duplicate");

  a.killSwitch.set(true, "test", "test", clock.now());
  const killed = await a.engine.admit({ signal: signal("s3", { idempotency_key: "k3" }), dryRun: true });
  assert.equal(killed.kind === "dry_run" && killed.judgement.verdict === "refuse" && killed.judgement.reason, "kill_switch");
  const real = await a.engine.admit({ signal: signal("s3", { idempotency_key: "k3" }) });
  assert.equal(real.kind === "refused" && real.record.outcome.kind === "refused" && real.record.outcome.reason, "kill_switch");
});

test("signals admitted together share one commit and are judged in order: the second of a pair beyond the daily limit is refused", async (t) => {
  const clock = new ManualClock(T0);
  const policy = { riskRules: () => ({ maxDailyEntries: 1, cooldownMinutes: 0, marketHours: "always" as const, maxDailyLoss: 0, maxExposure: 0 }), timestampWindowMs: 300_000 };
  const a = openEngine(journalFile(t), clock, { quotes: quoted(), policy });
  t.after(() => a.db.close());
  let commits = 0;
  a.db.onCommit = () => commits++;
  const [x, y] = await Promise.all([a.engine.admit({ signal: signal("s1") }), a.engine.admit({ signal: signal("s2") })]);
  assert.equal(commits, 1);
  assert.equal(x.kind, "accepted");
  assert.equal(y.kind === "refused" && y.record.outcome.kind === "refused" && y.record.outcome.reason, "risk");
});
