/**
 * What notifications and metrics add to one accepted alert inside the daemon's process, measured apart from the
 * machine's load: the events an accepted paper alert publishes (signal.received, signal.accepted, order.submitted,
 * order.filled, position.changed), published N times on a bus with the notifier (four channels wanting every fill)
 * and the metrics listening, against the same bus with neither; then the notifier's deferred work for them (address
 * the notices, queue them in a journal's outbox and commit the batch). Senders are held (their timers never fire).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { makeEnvelope, type EventEnvelope } from "../../src/engine/envelope.js";
import { EventBus } from "../../src/engine/event-bus.js";
import type { FeedTimers } from "../../src/feeds/timers.js";
import { Redactor } from "../../src/log/redact.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { Notifier } from "../../src/notify/notifier.js";
import { Database } from "../../src/store/database.js";
import { NotificationOutbox } from "../../src/store/notification-outbox.js";
import { SqliteStateStore } from "../../src/store/state-store.js";

const ALERTS = 20_000;
const held: FeedTimers = { setTimeout: () => 0, clearTimeout: () => {}, now: () => Date.now() };

function alertEvents(i: number): EventEnvelope[] {
  const req = `req_${i}`;
  const order = `ORD_20250602_${i}`;
  return [
    makeEnvelope("signal.received", "webhook", { id: `sig_${i}`, ticker: "9984", action: "buy", quantity: 100, received_at: Date.now() }, { correlation_id: req }),
    makeEnvelope("signal.accepted", "engine", { signal_id: `sig_${i}`, ticker: "9984", action: "buy", quantity: 100, order_id: order }, { correlation_id: req }),
    makeEnvelope("order.submitted", "engine", { order_id: order, ticker: "9984", action: "buy", quantity: 100 }, { correlation_id: req }),
    makeEnvelope("order.filled", "engine", { order_id: order, ticker: "9984", action: "buy", quantity: 100, price: 3000, fee: 0 }, { correlation_id: req }),
    makeEnvelope("position.changed", "engine", { ticker: "9984", position: { quantity: 100 }, realized_pnl: 0 }, { correlation_id: req }),
  ];
}

const immediate = () => new Promise((r) => setImmediate(r));

export async function benchNotifyInProcess(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "tradectl-bench-inproc-"));
  const db = new Database(join(dir, "tradectl.db"));
  const events = Array.from({ length: ALERTS }, (_, i) => alertEvents(i));
  const bare = new EventBus();
  const full = new EventBus();
  const metrics = new Metrics(full);
  const channels = ["telegram", "discord", "slack", "webhook"].map((kind, i) => ({
    name: `c${i}`,
    kind: kind as "telegram",
    events: ["order.filled"],
    ...(kind === "telegram" ? { chatId: "1", apiUrl: "http://127.0.0.1:9" } : kind === "webhook" ? { url: "http://127.0.0.1:9/hook" } : {}),
  }));
  const notifier = new Notifier({
    bus: full,
    outbox: new NotificationOutbox(db),
    config: { ...DEFAULT_CONFIG.notify, batchDelayMs: 60_000, channels },
    env: { TELEGRAM_BOT_TOKEN: "1:bench", DISCORD_WEBHOOK_URL: "http://127.0.0.1:9/d", SLACK_WEBHOOK_URL: "http://127.0.0.1:9/s", NOTIFY_WEBHOOK_SECRET: "bench-key-0123456789" },
    logger: { info() {}, warn() {}, error() {} },
    redactor: new Redactor(),
    state: new SqliteStateStore(db),
    summary: async () => ({}),
    timers: held,
  });
  notifier.start();
  const publishAll = (bus: EventBus, from: number, to: number) => {
    for (let i = from; i < to; i++) for (const e of events[i]!) bus.publish(e);
  };
  // Warm both paths, then time each over the same events; the deferred work is timed per group of 100 alerts.
  publishAll(bare, 0, 2000);
  publishAll(full, 0, 2000);
  await immediate();
  db.flush();
  let t0 = performance.now();
  publishAll(bare, 2000, ALERTS);
  const bareMs = performance.now() - t0;
  let listenMs = 0;
  let deferredMs = 0;
  for (let i = 2000; i < ALERTS; i += 100) {
    t0 = performance.now();
    publishAll(full, i, i + 100);
    listenMs += performance.now() - t0;
    t0 = performance.now();
    await immediate(); // the notifier's flush (address, redact, queue) runs here, before this continuation
    db.flush();
    deferredMs += performance.now() - t0;
  }
  const n = ALERTS - 2000;
  const queued = db.get<{ n: number }>("SELECT COUNT(*) AS n FROM notifications")!.n;
  await notifier.stop(0);
  metrics.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const us = (ms: number) => Math.round((ms / n) * 1000 * 100) / 100;
  return {
    inproc_alerts: n,
    inproc_publish_bare_us_per_alert: us(bareMs),
    inproc_publish_listened_us_per_alert: us(listenMs),
    inproc_accept_path_added_us_per_alert: us(listenMs - bareMs),
    inproc_deferred_queue_us_per_alert: us(deferredMs),
    inproc_rows_queued: queued,
  };
}
