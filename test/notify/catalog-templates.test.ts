/** What is notified, to whom, and how it reads: the catalog's keys, every key's template, and bursts in one message. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeEnvelope } from "../../src/engine/envelope.js";
import { DEFAULT_KEYS, NOTIFIED_TYPES, noticeOf, wants } from "../../src/notify/catalog.js";
import { compose } from "../../src/notify/compose.js";
import type { OutboxRow } from "../../src/notify/notice.js";
import { hasTemplate, render } from "../../src/notify/templates.js";

const iso = (ms: number) => new Date(ms).toISOString();
const row = (id: number, key: string, payload: Record<string, unknown>, severity: OutboxRow["severity"] = "info"): OutboxRow => ({ id, channel: "c", key, severity, created_at: 0, payload, attempts: 0 });

test("every key the notifier can produce has a template of its own", () => {
  // position.changed is notified only when made at the broker, as position.external; broker.state as its two sides.
  const keys = new Set<string>(NOTIFIED_TYPES.filter((t) => t !== "position.changed" && t !== "broker.state"));
  for (const k of ["position.external", "broker.unhealthy", "broker.recovered"]) keys.add(k);
  for (const k of ["stream.stale", "stream.recovered", "summary.daily", "notify.test"]) keys.add(k);
  for (const k of keys) assert.ok(hasTemplate(k), `no template for ${k}`);
});

test("a fill reads with its side, quantity, ticker, price, P&L and order id", () => {
  const text = render(row(1, "order.filled", { order_id: "ORD_20250602_007", ticker: "9984", action: "sell", quantity: 100, price: 3120.5, fee: 0, realized_pnl: 12050 }), 0, iso);
  assert.equal(text, "✅ SELL 100 9984 @ 3,120.5 filled · ORD_20250602_007 · P&L +12,050");
});

test("a notification sent a minute or more after its event says when the event happened", () => {
  const late = render({ key: "system.killed", payload: { reason: "lunch" }, created_at: 0 }, 60_000, iso);
  assert.match(late, /KILL SWITCH ON: lunch.*\(at 1970-01-01T00:00:00.000Z\)$/);
  assert.doesNotMatch(render({ key: "system.killed", payload: { reason: "lunch" }, created_at: 0 }, 59_000, iso), /\(at /);
});

test("alert refusals are routine: off unless a channel names them, by key or by reason", () => {
  const refusal = noticeOf(makeEnvelope("signal.rejected", "webhook", { code: "RISK_LIMIT_EXCEEDED", details: { limit_type: "cooldown" } }))!;
  assert.deepEqual([refusal.key, refusal.reason, refusal.severity], ["signal.rejected", "cooldown", "info"]);
  assert.equal(wants(DEFAULT_KEYS, refusal.key, refusal.reason), false);
  assert.equal(wants(["signal.rejected:cooldown"], refusal.key, refusal.reason), true);
  assert.equal(wants(["signal.rejected:daily_loss"], refusal.key, refusal.reason), false);
  assert.equal(wants(["signal.rejected"], refusal.key, refusal.reason), true);
  const loss = noticeOf(makeEnvelope("signal.rejected", "webhook", { code: "RISK_LIMIT_EXCEEDED", details: { limit_type: "daily_loss" } }))!;
  assert.equal(loss.severity, "warning", "a refusal that protects money needs a look");
  for (const k of ["order.filled", "order.unknown", "system.killed", "stream.stale", "broker.unhealthy", "reconcile.mismatch", "account.margin_call", "summary.daily", "position.external"]) {
    assert.equal(wants(DEFAULT_KEYS, k, undefined), true, k);
  }
});

test("our own position changes are not notified (the fill is); one made at the broker is", () => {
  assert.equal(noticeOf(makeEnvelope("position.changed", "engine", { ticker: "9984", realized_pnl: 0 })), null);
  const sl = noticeOf(makeEnvelope("position.changed", "reconciler", { ticker: "9984", position: null, realized_pnl: -5000, reason: "[sl 2950]" }))!;
  assert.deepEqual([sl.key, sl.severity], ["position.external", "warning"]);
  assert.match(render(row(1, sl.key, sl.payload), 0, iso), /9984 changed at the broker without an order from tradectl \(\[sl 2950\]\): now 0 · P&L -5,000/);
});

test("margin calls: entering rings (critical), leaving is news (info)", () => {
  const enter = noticeOf(makeEnvelope("account.margin_call", "feed:fx-events", { type: "MARGIN_CALL_ENTER", account_id: "101-001", id: "6410" }))!;
  const exit = noticeOf(makeEnvelope("account.margin_call", "feed:fx-events", { type: "MARGIN_CALL_EXIT", account_id: "101-001", id: "6411" }))!;
  assert.deepEqual([enter.severity, exit.severity], ["critical", "info"]);
  assert.equal(render(row(1, enter.key, enter.payload), 0, iso), "🚨 MARGIN CALL on account 101-001 · transaction 6410");
  assert.equal(render(row(2, exit.key, exit.payload), 0, iso), "✅ Margin call over on account 101-001 · transaction 6411");
});

test("a burst is one message within the channel's limit: the most severe first, the rest counted by key", () => {
  const rows = Array.from({ length: 300 }, (_, i) => row(i + 1, "order.filled", { order_id: `ORD_20250602_${String(i + 1).padStart(3, "0")}`, ticker: "9984", action: "buy", quantity: 100, price: 3000 }));
  rows.push(row(301, "system.killed", { reason: "drawdown" }, "critical"));
  const { text, shown } = compose(rows, 4096, (r) => render(r, 0, iso));
  assert.ok(text.length <= 4096, `${text.length} characters`);
  const lines = text.split("\n");
  assert.equal(lines[0], "tradectl: 301 notifications");
  assert.match(lines[1]!, /KILL SWITCH ON: drawdown/, "the critical one leads though it came last");
  assert.equal(lines.length, shown + 2);
  assert.equal(lines.at(-1), `… and ${301 - shown} more (${301 - shown} order.filled): tradectl events`);
  assert.ok(shown > 20, `only ${shown} shown`);
});

test("the broker's health: down is an error, back is news", () => {
  const down = noticeOf(makeEnvelope("broker.state", "broker:mt5", { kind: "mt5", connected: false, message: "IPC timeout", checked_at: 0 }))!;
  const up = noticeOf(makeEnvelope("broker.state", "broker:mt5", { kind: "mt5", connected: true, message: null, checked_at: 0 }))!;
  assert.deepEqual([down.key, down.severity, up.key, up.severity], ["broker.unhealthy", "error", "broker.recovered", "info"]);
  assert.equal(render(row(1, down.key, down.payload), 0, iso), "❗ Broker mt5 unhealthy: IPC timeout · new entries are refused");
  assert.equal(render(row(2, up.key, { ...up.payload, down_ms: 45_000 }), 0, iso), "✅ Broker mt5 healthy again after 45 s");
});
