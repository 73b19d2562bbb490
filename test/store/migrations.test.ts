/** Upgrading a journal keeps what it holds; version 3 writes fewer index pages per alert and still answers every query from an index. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../src/store/database.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { makeEnvelope } from "../../src/engine/envelope.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { defer } from "../helpers/defer.js";
import { testHome } from "../helpers/temp-home.js";

/** A journal as version 2 left it, with events and orders in it. */
function versionTwoJournal(file: string): void {
  const db = new DatabaseSync(file);
  db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
    db.exec(m.sql);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, 0);
  }
  const event = db.prepare("INSERT INTO events (id, seq, type, time, source, correlation_id, payload, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  event.run("evt_old-random-1", 1, "signal.accepted", "2026-11-20T00:00:00.000Z", "webhook", "req_1", '{"n":1}', "{}");
  event.run("evt_old-random-2", 2, "order.filled", "2026-11-20T00:00:01.000Z", "engine", "req_1", '{"n":2}', "{}");
  const order = db.prepare(
    `INSERT INTO orders (order_id, signal_id, request_id, ticker, action, quantity, order_type, status, created_at, updated_at, expires_at, trading_date)
     VALUES (?, 's', 'r', '9984', 'buy', 100, 'market', ?, ?, ?, ?, '20261120')`,
  );
  order.run("ORD_20261120_001", "filled", 1, 1, 2);
  order.run("ORD_20261120_002", "submitted", 2, 2, 3);
  db.close();
}

test("version 3 keeps a version 2 journal's events and orders, and the queries still use indexes", (t) => {
  const home = testHome(t);
  const file = join(home, "tradectl.db");
  versionTwoJournal(file);
  const db = new Database(file);
  defer(t, () => db.close());
  assert.equal(db.schemaVersion(), MIGRATIONS.at(-1)!.version);

  const audit = new AuditLog(db);
  assert.deepEqual(audit.list().map((e) => [e.seq, e.id, e.type]), [
    [1, "evt_old-random-1", "signal.accepted"],
    [2, "evt_old-random-2", "order.filled"],
  ]);
  audit.append(makeEnvelope("system.started", "daemon", {}));
  const [latest] = audit.list({ type: "system." });
  assert.equal(latest!.seq, 3, "numbering goes on from the last event");
  assert.match(latest!.id, /^evt_[0-9a-f]{32}$/);

  const plan = (sql: string) => db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).map((r) => r.detail).join(" | ");
  const open = "SELECT * FROM orders WHERE status IN ('pending', 'submitted', 'unknown') ORDER BY created_at, order_id";
  assert.match(plan(open), /orders_open/);
  assert.deepEqual(db.all(open).map((r) => r.order_id), ["ORD_20261120_002"], "only the open order is in the partial index");
  assert.match(plan("SELECT * FROM events WHERE seq > 1 ORDER BY seq DESC LIMIT 5"), /INTEGER PRIMARY KEY/);
  assert.match(plan("SELECT * FROM orders WHERE created_at >= 1 ORDER BY created_at DESC LIMIT 5"), /orders_created/);
  const lastEntry = "SELECT created_at AS last FROM orders WHERE action = 'buy' AND status NOT IN ('rejected', 'expired', 'failed') ORDER BY created_at DESC LIMIT 1";
  assert.match(plan(lastEntry), /orders_entries/, "the cooldown's last entry reads its own small index");
  assert.equal(db.get<{ last: number }>(lastEntry)?.last, 2, "the submitted buy counts; the filled one before it too, but it is older");

  const indexes = db.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name").map((r) => r.name);
  for (const gone of ["signals_status", "orders_status", "orders_ticker", "orders_action_created", "fills_time", "events_type"]) {
    assert.ok(!indexes.includes(gone), `${gone} is dropped`);
  }
});
