/**
 * A journal with a known week of history (Mon 2026-03-02 to Sun 2026-03-08, JST), written through the store's own
 * classes, as the daemon writes it. The figures a report must find in it, worked out by hand, are in EXPECTED.
 */
import { Database } from "../../src/store/database.js";
import { Journal } from "../../src/store/journal.js";
import { Ledger } from "../../src/store/ledger.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { AlertLog } from "../../src/store/alert-log.js";
import { Marks } from "../../src/store/marks.js";
import { makeEnvelope, type EventType } from "../../src/engine/envelope.js";
import type { Action, OrderStatus, Signal } from "../../src/domain/types.js";

/** Unix ms of "YYYY-MM-DD HH:MM[:SS]" JST. */
export function jst(s: string): number {
  const [d, t] = s.split(" ");
  return Date.parse(`${d}T${t!.length === 5 ? `${t}:00` : t}+09:00`);
}

export const EXPECTED = {
  realized: 1400,
  fees: 600,
  unrealizedStart: 2000,
  unrealizedEnd: -10000,
  total: -10600,
  trades: 3,
  wins: 2,
  losses: 1,
  winRate: 0.6667,
  profitFactor: 1.2099,
  maxDrawdown: 30000,
  daily: [
    { date: "2026-03-02", fills: 3, trades: 1, realized_pnl: 4700, fees: 300, pnl: -300, equity: -300 },
    { date: "2026-03-03", fills: 2, trades: 2, realized_pnl: -3200, fees: 200, pnl: -200, equity: -500 },
    { date: "2026-03-04", fills: 0, trades: 0, realized_pnl: 0, fees: 0, pnl: 0, equity: -500 },
    { date: "2026-03-05", fills: 1, trades: 0, realized_pnl: -100, fees: 100, pnl: 19900, equity: 19400 },
    { date: "2026-03-06", fills: 0, trades: 0, realized_pnl: 0, fees: 0, pnl: -30000, equity: -10600 },
  ],
  /** start, 6 fills, 7 day ends */
  curvePoints: 14,
  signals: {
    received: 13,
    accepted: 8,
    refused: 4,
    duplicates: 1,
    expired: 1,
    refused_by_reason: { AUTH_FAILED: 1, "RISK_LIMIT_EXCEEDED/daily_trade_count": 1, SERVICE_UNAVAILABLE: 1, VALIDATION_ERROR: 1 },
  },
  orders: { total: 8, by_status: { expired: 1, filled: 6, rejected: 1 } },
  latency: { count: 6, p50: 30, p90: 1000, p99: 1000, max: 1000 },
  // Runs: Mon 00:00 → Thu 07:00 (a crash: its last event), Thu 08:00 → Fri 16:00, Sat 09:00 → 09:00:05 (its last event).
  daemon: { up_ms: 399_605_000, starts: 2, uptime: 0.6607 },
  stream: { name: "replay", up_ms: 399_530_000, uptime: 0.6606, reconnects: 1 },
  incident: { start: "2026-03-04T01:00:00.000Z", end: "2026-03-04T01:05:00.000Z", duration_ms: 300_000, message: "bridge timeout" },
};

export function writeKnownHistory(file: string): void {
  const db = new Database(file);
  const journal = new Journal(db);
  const ledger = new Ledger(db);
  const audit = new AuditLog(db);
  const alerts = new AlertLog(db);
  const marks = new Marks(db);

  const signal = (id: string, at: number, status: "accepted" | "rejected" | "expired" | "done", action: Action = "buy", ticker = "9984"): Signal => {
    const s: Signal = { id, request_id: `req_${id}`, action, ticker, quantity: 100, price: "market", alert_time: at, received_at: at, expires_at: at + 60_000, idempotency_key: `k_${id}` };
    journal.insertSignal(s, status, status === "rejected" ? "refused" : null);
    return s;
  };
  const order = (n: number, s: Signal, status: OrderStatus, filledAfterMs: number | null) => {
    const orderId = `ORD_${new Date(s.received_at + 9 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, "")}_${String(n).padStart(3, "0")}`;
    journal.insertOrder({
      order_id: orderId,
      signal_id: s.id,
      request_id: s.request_id,
      ticker: s.ticker,
      action: s.action,
      quantity: s.quantity,
      order_type: "market",
      limit_price: null,
      stop_loss: null,
      take_profit: null,
      reference_price: null,
      status,
      fill_price: null,
      filled_quantity: 0,
      fee: 0,
      broker_order_id: null,
      error_code: null,
      error_message: null,
      attempts: 1,
      created_at: s.received_at,
      updated_at: s.received_at,
      submitted_at: s.received_at,
      filled_at: filledAfterMs === null ? null : s.received_at + filledAfterMs,
      expires_at: s.expires_at,
      trading_date: orderId.slice(4, 12),
    });
    // As the engine records an outcome: the insert holds the order as admitted, the update its fill.
    if (filledAfterMs !== null) journal.updateOrder(orderId, { filled_at: s.received_at + filledAfterMs }, s.received_at + filledAfterMs);
    return orderId;
  };
  const trade = (n: number, at: string, ticker: string, action: Action, quantity: number, price: number, fee: number, latencyMs: number) => {
    const t = jst(at);
    const s = signal(`s${n}`, t - latencyMs, "done", action, ticker);
    const id = order(n, s, "filled", latencyMs);
    ledger.applyFill({ order_id: id, ticker, action, quantity, price, fee, time: t, broker_deal_id: null });
    return s;
  };
  const event = (type: EventType, at: number, payload: Record<string, unknown>, source = "daemon") => {
    audit.append(makeEnvelope(type, source, payload, { time: at }));
  };
  const stream = (at: string, state: string, reconnects: number) => event("stream.state", jst(at), { name: "replay", kind: "replay", stream: "prices", state, reconnects, last_error: null }, "feed:replay");

  // Before the week: a daemon started on Friday, 7203 bought and marked at 2,520 (2,000 unrealised at the start).
  event("system.started", jst("2026-02-27 08:00"), { pid: 1 });
  stream("2026-02-27 08:00", "connecting", 0);
  stream("2026-02-27 08:00:01", "live", 0);
  trade(90, "2026-02-27 10:00", "7203", "buy", 100, 2500, 0, 5);
  marks.record("7203", 2520, jst("2026-02-27 15:30"));

  // Monday: a win on 9984, then 200 more bought; marked at the close. A stream drops for a minute.
  const first = trade(1, "2026-03-02 09:05", "9984", "buy", 100, 3000, 100, 10);
  trade(2, "2026-03-02 10:30", "9984", "sell", 100, 3050, 100, 20);
  // Alerts and signals that did not trade, at 11:00 (written in time order, as the daemon writes them).
  const at = jst("2026-03-02 11:00");
  const alert = (request_id: string, status_code: number, error_code: string | null, signal_id: string | null, path = "/webhook") =>
    alerts.record({ request_id, received_at: at, path, source_ip: "52.89.214.238", content_type: "text/plain", body: "{}", status_code, error_code, signal_id });
  alert("req_bad_pass", 401, "AUTH_FAILED", null);
  alert("req_bad_field", 400, "VALIDATION_ERROR", null);
  alert("req_dry_run", 400, "VALIDATION_ERROR", null, "/webhook/test");
  alert("req_repeat", 200, null, first.id);
  const risk = signal("s_risk", at, "rejected");
  alert(risk.request_id, 403, "RISK_LIMIT_EXCEEDED", risk.id);
  event("signal.rejected", at, { signal_id: risk.id, code: "RISK_LIMIT_EXCEEDED", reason: "3 entries today", details: { limit_type: "daily_trade_count" } }, "webhook");
  const killed = signal("s_kill", at, "rejected");
  alert(killed.request_id, 503, "SERVICE_UNAVAILABLE", killed.id);
  event("signal.rejected", at, { signal_id: killed.id, code: "SERVICE_UNAVAILABLE", reason: "Kill switch active" }, "webhook");
  // An order the broker refused, and one that expired before it could be sent.
  order(7, signal("s_broker_no", at, "done"), "rejected", null);
  order(8, signal("s_stale", at, "expired"), "expired", null);
  stream("2026-03-02 12:00", "stale", 0);
  stream("2026-03-02 12:00:30", "connecting", 1);
  stream("2026-03-02 12:01", "live", 1);
  trade(3, "2026-03-02 13:00", "9984", "buy", 200, 3100, 100, 30);
  marks.record("9984", 3080, jst("2026-03-02 15:30"));
  marks.record("7203", 2510, jst("2026-03-02 15:30"));
  // Tuesday: the 200 sold at a loss, 7203 sold at a profit.
  trade(4, "2026-03-03 09:30", "9984", "sell", 200, 3060, 100, 40);
  trade(5, "2026-03-03 10:00", "7203", "sell", 100, 2550, 100, 50);
  // Wednesday: the broker is down for five minutes.
  event("broker.state", jst("2026-03-04 10:00"), { kind: "mt5", connected: false, message: "bridge timeout", checked_at: 0 }, "broker:mt5");
  event("broker.state", jst("2026-03-04 10:05"), { kind: "mt5", connected: true, message: null, checked_at: 0 }, "broker:mt5");
  // Thursday: the stream goes stale at 07:00 and the daemon dies (no stopping event); it starts again at 08:00.
  stream("2026-03-05 07:00", "stale", 1);
  event("system.started", jst("2026-03-05 08:00"), { pid: 2 });
  stream("2026-03-05 08:00", "connecting", 0);
  stream("2026-03-05 08:00:10", "live", 0);
  trade(6, "2026-03-05 09:10", "6758", "buy", 100, 13000, 100, 1000);
  marks.record("6758", 13200, jst("2026-03-05 15:30"));
  // Friday: marked lower; the daemon is stopped at 16:00 (its feed reports "stopped" after).
  marks.record("6758", 12900, jst("2026-03-06 15:30"));
  event("system.stopping", jst("2026-03-06 16:00"), { pid: 2 });
  stream("2026-03-06 16:00", "stopped", 0);
  // Saturday: started again; its last event is at 09:00:05 and it is not running when the report is made.
  event("system.started", jst("2026-03-07 09:00"), { pid: 3 });
  stream("2026-03-07 09:00", "connecting", 0);
  stream("2026-03-07 09:00:05", "live", 0);

  db.close();
}
