/**
 * The daily summary: queued once a day at its local time, in the same transaction that marks the day done, so a
 * restart neither repeats nor forgets it. The notifier runs on manual timers over a real journal.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { EventBus } from "../../src/engine/event-bus.js";
import { Redactor } from "../../src/log/redact.js";
import { Notifier } from "../../src/notify/notifier.js";
import { render } from "../../src/notify/templates.js";
import { Database } from "../../src/store/database.js";
import { NotificationOutbox } from "../../src/store/notification-outbox.js";
import { SqliteStateStore } from "../../src/store/state-store.js";
import { defer } from "../helpers/defer.js";
import { ManualTimers } from "../feeds/manual-timers.js";
import { testHome } from "../helpers/temp-home.js";

/** 2025-06-02 15:00 JST. */
const AFTERNOON = Date.parse("2025-06-02T06:00:00Z");
const FACTS = { entries: 2, exits: 1, realized_pnl: 12000, unrealized_pnl: -3000, total_pnl: 9000, orders: { filled: 3, rejected: 1, failed: 0, expired: 0, unknown: 0 }, positions: [{ ticker: "9984", quantity: 100, entry_price: 3000, unrealized_pnl: -3000 }], kill_switch_active: false, streams_down: [] };

function journal(t: TestContext) {
  const home = testHome(t);
  const db = new Database(join(home, "tradectl.db"));
  defer(t, () => db.close());
  return db;
}

function notifier(t: TestContext, db: Database, timers: ManualTimers) {
  const n = new Notifier({
    bus: new EventBus(),
    outbox: new NotificationOutbox(db),
    config: {
      ...DEFAULT_CONFIG.notify,
      dailySummary: { at: "15:45", timeZone: "Asia/Tokyo" },
      // A channel whose service is not there: the summary waits in the outbox, where this test reads it.
      channels: [{ name: "phone", kind: "telegram", chatId: "42", apiUrl: "http://127.0.0.1:9" }],
    },
    env: { TELEGRAM_BOT_TOKEN: "1234:summary-test-token" },
    logger: { info() {}, warn() {}, error() {} },
    redactor: new Redactor(),
    state: new SqliteStateStore(db),
    summary: async () => FACTS,
    timers,
  });
  n.start();
  defer(t, () => n.stop(0));
  return n;
}

const summaries = (db: Database) => db.all<{ payload: string }>("SELECT payload FROM notifications WHERE key = 'summary.daily' ORDER BY id").map((r) => JSON.parse(r.payload) as Record<string, unknown>);
const settle = () => new Promise((r) => setImmediate(r));

test("the summary goes out at its local time once, not again after a restart, and again the next day", async (t) => {
  const db = journal(t);
  const timers = new ManualTimers(AFTERNOON);
  const first = notifier(t, db, timers);
  await settle();
  timers.advance(44 * 60_000);
  await settle();
  assert.equal(summaries(db).length, 0, "15:44 is not yet 15:45");
  timers.advance(60_000);
  await settle();
  assert.deepEqual(summaries(db).map((s) => s.date), ["2025-06-02"]);
  timers.advance(10 * 60_000);
  await settle();
  assert.equal(summaries(db).length, 1, "once a day");

  await first.stop(0);
  notifier(t, db, timers);
  await settle();
  timers.advance(60_000);
  await settle();
  assert.equal(summaries(db).length, 1, "a restart the same day does not repeat it");

  timers.advance(24 * 3_600_000);
  await settle();
  assert.deepEqual(summaries(db).map((s) => s.date), ["2025-06-02", "2025-06-03"]);
});

test("a daemon that was down at the summary's time sends it when it starts the same day", async (t) => {
  const db = journal(t);
  notifier(t, db, new ManualTimers(AFTERNOON + 3 * 3_600_000));
  await settle();
  assert.deepEqual(summaries(db).map((s) => s.date), ["2025-06-02"]);
});

test("the summary reads as the day's P&L, counts and positions", () => {
  const text = render({ key: "summary.daily", payload: { date: "2025-06-02", ...FACTS }, created_at: 0 }, 0, String);
  assert.equal(
    text,
    [
      "📊 2025-06-02: P&L realized +12,000, unrealized -3,000, total +9,000",
      "entries 2 · exits 1 · filled 3 · rejected 1 · failed 0 · expired 0 · unknown 0",
      "positions: 9984 100 @ 3,000 (-3,000)",
    ].join("\n"),
  );
});
