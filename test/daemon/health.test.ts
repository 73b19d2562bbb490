/**
 * A hung broker (an MT5 bridge that accepts connections and never answers) must not hang /health or status: each
 * health check has its own limit, and status shows what the daemon last saw without asking the broker.
 */
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import type { FeedSet } from "../../src/daemon/feed-set.js";
import { buildHealth, CHECK_TIMEOUT_MS } from "../../src/daemon/health.js";
import { ManualClock } from "../../src/domain/clock.js";
import type { Broker, BrokerHealth } from "../../src/engine/broker.js";
import { Control } from "../../src/engine/control.js";
import { EventBus } from "../../src/engine/event-bus.js";
import { KillSwitch } from "../../src/engine/kill-switch.js";
import { QuoteBook } from "../../src/engine/quote-book.js";
import { Database } from "../../src/store/database.js";
import { Journal } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { SqliteStateStore } from "../../src/store/state-store.js";

const T = Date.parse("2026-11-24T10:00:00+09:00");
const feeds = { problems: () => [] } as unknown as FeedSet;

/** An external broker whose calls never settle (until `answer`), counting them. */
function hungBroker() {
  const calls: string[] = [];
  let answer: (h: BrokerHealth) => void = () => {};
  const never = <T>(name: string) => (): Promise<T> => {
    calls.push(name);
    return new Promise<T>(() => {});
  };
  const broker = {
    kind: "mt5",
    health: () => {
      calls.push("health");
      return new Promise<BrokerHealth>((resolve) => (answer = resolve));
    },
    accountInfo: never("accountInfo"),
    positions: never("positions"),
    orderCheck: never("orderCheck"),
    orderSend: never("orderSend"),
    findOrder: never("findOrder"),
    rates: never("rates"),
  } as unknown as Broker;
  return { broker, calls, answer: (h: BrokerHealth) => answer(h) };
}

test("a broker that never answers its health check is reported unhealthy with the reason once the check's limit passes", { timeout: 10_000 }, async (t) => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  t.after(() => mock.timers.reset());
  const db = new Database(":memory:");
  const { broker, calls } = hungBroker();
  const health = buildHealth({ db, broker, feeds, clock: new ManualClock(T) });
  const pending = health.report();
  const again = health.report(); // a second /health while the first check runs joins it
  await Promise.resolve();
  mock.timers.tick(CHECK_TIMEOUT_MS);
  for (const report of await Promise.all([pending, again])) {
    assert.equal(report.status, "unhealthy");
    assert.deepEqual(report.components, { database: "healthy", broker: "unhealthy", market_data: "healthy" });
    assert.deepEqual(report.errors, [{ component: "broker", message: `the mt5 broker did not answer its health check within ${CHECK_TIMEOUT_MS} ms` }]);
  }
  assert.deepEqual(calls, ["health"]);
  assert.equal(health.brokerStatus().connected, false, "entries are gated by the failed check");
});

test("status answers from what the daemon last saw of the broker, without asking it", { timeout: 10_000 }, async (t) => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  t.after(() => mock.timers.reset());
  const db = new Database(":memory:");
  const clock = new ManualClock(T);
  const ledger = new Ledger(db);
  const { broker, calls, answer } = hungBroker();
  const health = buildHealth({ db, broker, feeds, clock });
  const polled = health.report();
  await Promise.resolve();
  answer({ kind: "mt5", connected: true, account: { currency: "JPY", balance: 1e7, equity: 1e7, margin_free: 9e6 } });
  assert.equal((await polled).status, "healthy");
  const control = new Control({
    journal: new Journal(db), ledger, quotes: new QuoteBook(), clock, bus: new EventBus(), killSwitch: new KillSwitch(new SqliteStateStore(db)), broker,
    risk: () => ({ maxDailyEntries: 3, cooldownMinutes: 0, maxDailyLoss: 0, maxExposure: 0 }), marketOpen: () => true, streams: () => [], flatten: async () => [],
    brokerState: health.brokerState,
  });
  calls.length = 0;
  const status = await control.status(); // the broker now hangs: status must not wait on it
  assert.deepEqual(status.broker, { kind: "mt5", connected: true, account: { currency: "JPY", balance: 1e7, equity: 1e7, margin_free: 9e6 }, checked_at: new Date(T).toISOString() });
  assert.equal(status.trading_active, true);
  assert.deepEqual(calls, [], "no call to the broker on the status path");
});
