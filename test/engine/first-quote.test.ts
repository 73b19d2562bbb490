/**
 * Queued orders after a restart: a market order the paper broker can only price from a quote waits for its
 * instrument's first quote instead of being rejected NO_PRICE; the wait is bounded (entry: its expiry; exit: its
 * TTL from when it starts) on an injected clock, and woken by the quote itself.
 */
import { defer } from "../helpers/defer.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { ManualClock } from "../../src/domain/clock.js";
import type { Signal } from "../../src/domain/types.js";
import type { Journal } from "../../src/store/journal.js";
import { journalFile, openEngine, testSignal } from "../helpers/engine.js";

const T0 = Date.parse("2026-11-24T01:00:00Z");
const TTL = 60_000;

/** The engine as the daemon wires it, counting the paper broker's order checks (what reached the broker). */
function open(file: string, clock: ManualClock) {
  const f = openEngine(file, clock);
  let orderChecks = 0;
  const check = f.broker.orderCheck.bind(f.broker);
  f.broker.orderCheck = (req) => {
    orderChecks++;
    return check(req);
  };
  return { ...f, orderChecks: () => orderChecks };
}

function home(t: TestContext): { file: string; clock: ManualClock } {
  return { file: journalFile(t), clock: new ManualClock(T0) };
}

function signal(id: string, o: Partial<Signal> = {}): Signal {
  const { entry_price: _hint, ...market } = testSignal(id, T0, o);
  return o.entry_price === undefined ? market : { ...market, entry_price: o.entry_price };
}

async function accepted(a: ReturnType<typeof open>, s: Signal) {
  const r = await a.engine.admit({ signal: s });
  assert.equal(r.kind, "accepted");
  return r as Extract<typeof r, { kind: "accepted" }>;
}

/** Journals a market order without a price hint, as an accepted alert leaves it before the crash: pending. */
function journalPending(journal: Journal, s: Signal, now: number): string {
  const { orderId, tradingDate } = journal.nextOrderId(now);
  journal.insertSignal(s, "accepted");
  journal.insertOrder({
    order_id: orderId, signal_id: s.id, request_id: s.request_id, ticker: s.ticker, action: s.action, quantity: s.quantity,
    order_type: "market", limit_price: null, stop_loss: null, take_profit: null, reference_price: null, status: "pending",
    fill_price: null, filled_quantity: 0, fee: 0, broker_order_id: null, error_code: null, error_message: null, attempts: 0,
    created_at: s.received_at, updated_at: s.received_at, submitted_at: null, filled_at: null, expires_at: s.expires_at, trading_date: tradingDate,
  });
  return orderId;
}

const statuses = (journal: Journal, ids: string[]): string[] => ids.map((id) => journal.getOrder(id)!.status);
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

test("queued market orders resumed after a restart wait for the first quote instead of being rejected NO_PRICE", async (t) => {
  const { file, clock } = home(t);
  const a = open(file, clock);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(journalPending(a.journal, signal(`s${i}`, { ticker: i % 2 ? "7203" : "9984" }), T0));
  a.db.close();

  clock.advance(2_000); // the restart
  const b = open(file, clock);
  defer(t, () => b.db.close());
  assert.equal(await b.engine.resume(), 20);
  await settle();
  assert.deepEqual(statuses(b.journal, ids), Array(20).fill("pending"), "nothing priced before a quote");
  assert.equal(b.orderChecks(), 0, "nothing reached the broker");
  assert.equal(clock.pendingWakes, 2, "the head of each ticker's queue waits, bounded on the clock");

  b.quotes.update({ instrument: "9984", bid: 3012, ask: 3013, time: clock.now(), tradeable: true, feed: "test" });
  await settle();
  const nines = ids.filter((_, i) => i % 2 === 0);
  assert.deepEqual(statuses(b.journal, nines), Array(10).fill("filled"));
  assert.deepEqual(statuses(b.journal, ids.filter((_, i) => i % 2 === 1)), Array(10).fill("pending"), "7203 has no quote yet");

  b.quotes.update({ instrument: "7203", bid: 2795, ask: 2796, time: clock.now(), tradeable: true, feed: "test" });
  await b.engine.drain();
  assert.deepEqual(statuses(b.journal, ids), Array(20).fill("filled"));
  assert.equal(b.journal.getOrder(ids[0]!)!.fill_price, 3013, "priced at the quote that came");
  assert.equal(b.ledger.position("9984")?.quantity, 1000);
  assert.equal(b.ledger.position("7203")?.quantity, 1000);
  assert.equal(clock.pendingWakes, 0, "the bounds were cancelled");
});

test("a queued entry waits no longer than its signal's expiry: then it expires, never sent", async (t) => {
  const { file, clock } = home(t);
  const a = open(file, clock);
  defer(t, () => a.db.close());
  const id = journalPending(a.journal, signal("late"), T0);
  clock.advance(1_000);
  await a.engine.resume();
  await settle();
  assert.equal(a.journal.getOrder(id)!.status, "pending");
  clock.set(T0 + TTL - 1);
  await settle();
  assert.equal(a.journal.getOrder(id)!.status, "pending", "still inside its expiry");
  clock.set(T0 + TTL);
  await a.engine.drain();
  const o = a.journal.getOrder(id)!;
  assert.deepEqual([o.status, o.error_code], ["expired", "SIGNAL_EXPIRED"]);
  assert.equal(a.orderChecks(), 0, "never priced, never sent");
});

/**
 * 100 6758 bought at a hinted price, then a market exit journaled before the daemon died; it comes back 10 minutes
 * later (the exit's signal long expired) and resumes the exit, which waits: no quote yet.
 */
async function exitResumedAfterOutage(t: TestContext) {
  const { file, clock } = home(t);
  const a = open(file, clock);
  defer(t, () => a.db.close());
  await (await accepted(a, signal("held", { ticker: "6758", entry_price: 3400 }))).done;
  const exitId = journalPending(a.journal, signal("exit", { ticker: "6758", action: "sell" }), T0);
  const checksBefore = a.orderChecks();
  clock.advance(10 * 60_000);
  const restartedAt = clock.now();
  await a.engine.resume();
  await settle();
  assert.equal(a.orderChecks(), checksBefore, "waiting, not sent");
  return { a, clock, exitId, checksBefore, restartedAt };
}

test("an exit of a held position, resumed after its signal expired, still waits a full TTL for a quote, then is sent", async (t) => {
  const { a, clock, exitId, restartedAt } = await exitResumedAfterOutage(t);
  assert.equal(a.journal.getOrder(exitId)!.status, "pending", "an exit is never stale: it waits");
  clock.set(restartedAt + TTL - 1);
  await settle();
  assert.equal(a.journal.getOrder(exitId)!.status, "pending", "its wait is one TTL from the restart, not its old expiry");
  a.quotes.update({ instrument: "6758", bid: 3421, ask: 3422, time: clock.now(), tradeable: true, feed: "test" });
  await a.engine.drain();
  const o = a.journal.getOrder(exitId)!;
  assert.deepEqual([o.status, o.fill_price], ["filled", 3421]);
  assert.equal(a.ledger.position("6758"), undefined);
});

test("an exit that no quote comes for fails (a passing reason) once its wait is over; it is not left hanging", async (t) => {
  const { a, clock, exitId, checksBefore } = await exitResumedAfterOutage(t);
  clock.advance(TTL);
  await a.engine.drain();
  const o = a.journal.getOrder(exitId)!;
  assert.deepEqual([o.status, o.error_code], ["failed", "NO_PRICE"]);
  assert.equal(a.orderChecks(), checksBefore + 1, "checked once its wait was over");
  assert.equal(a.ledger.position("6758")?.quantity, 100, "nothing sold without a price");
});

test("stopping the engine ends a wait: the order stays pending for the next start, nothing sent", async (t) => {
  const { file, clock } = home(t);
  const a = open(file, clock);
  defer(t, () => a.db.close());
  const s = await accepted(a, signal("s"));
  await settle();
  await a.engine.stop();
  assert.equal((await s.done).status, "pending");
  assert.equal(a.journal.getOrder(s.order.order_id)!.status, "pending");
  assert.equal(a.orderChecks(), 0);
  assert.equal(clock.pendingWakes, 0);
});
