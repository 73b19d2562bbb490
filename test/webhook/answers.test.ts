/** Admission records as /webhook answers: the same record renders the same answer, each outcome its documented status. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AdmissionRecord, OrderBrief } from "../../src/engine/ports.js";
import { webhookAnswer } from "../../src/webhook/answers.js";

const order: OrderBrief = { order_id: "ORD_20261124_001", ticker: "7203", action: "sell", quantity: 200, status: "filled", fill_price: 2800, filled_quantity: 200, error_code: null, error_message: null };
const record = (outcome: AdmissionRecord["outcome"]): AdmissionRecord => ({ request_id: "req_0123456789abcdef", signal_id: "sig_1", decided_at: Date.parse("2026-11-24T01:00:00Z"), processing_ms: 3, outcome });

test("a fill is the seed's 200, with no field beyond its own", () => {
  const a = webhookAnswer(record({ kind: "settled", order }));
  assert.equal(a.statusCode, 200);
  assert.deepEqual(Object.keys(a.body.data as object), ["request_id", "ticker", "action", "quantity", "order_id", "order_status", "fill_price", "timestamp", "processing_time_ms"]);
});

test("an order dealt in part is a 200 that says how much was dealt and how much was not", () => {
  const a = webhookAnswer(record({ kind: "settled", order: { ...order, status: "partially_filled", filled_quantity: 100, error_code: "MT5_NO_POSITION", error_message: "no position left for the remaining 100" } }));
  assert.equal(a.statusCode, 200);
  assert.match(String(a.body.message), /partially filled: no position left/);
  assert.equal((a.body.data as Record<string, unknown>).filled_quantity, 100);
  assert.equal((a.body.data as Record<string, unknown>).remaining_quantity, 100);
});

test("refusals and unfilled outcomes map to their statuses and codes", () => {
  const cases: Array<[AdmissionRecord["outcome"], number, string]> = [
    [{ kind: "refused", reason: "kill_switch", message: "Kill switch active - trading is stopped", details: {} }, 503, "SERVICE_UNAVAILABLE"],
    [{ kind: "refused", reason: "risk", message: "Daily entry limit reached (3/3)", details: {} }, 403, "RISK_LIMIT_EXCEEDED"],
    [{ kind: "refused", reason: "reconciliation", message: "blocked", details: {} }, 403, "RISK_LIMIT_EXCEEDED"],
    [{ kind: "refused", reason: "broker_unavailable", message: "Broker unavailable - entries are refused", details: {} }, 503, "SERVICE_UNAVAILABLE"],
    [{ kind: "refused", reason: "expired", message: "expired", details: {} }, 422, "SIGNAL_EXPIRED"],
    [{ kind: "settled", order: { ...order, status: "rejected", error_code: "NO_MONEY" } }, 422, "ORDER_REJECTED"],
    [{ kind: "settled", order: { ...order, status: "failed", error_code: "MT5_UNAVAILABLE" } }, 503, "SERVICE_UNAVAILABLE"],
    [{ kind: "settled", order: { ...order, status: "expired" } }, 422, "SIGNAL_EXPIRED"],
  ];
  for (const [outcome, status, code] of cases) {
    const a = webhookAnswer(record(outcome));
    assert.equal(a.statusCode, status, JSON.stringify(outcome));
    assert.equal(a.body.error_code, code);
    assert.equal(a.body.request_id, "req_0123456789abcdef");
  }
  assert.equal(webhookAnswer(record({ kind: "refused", reason: "risk", message: "x", details: {} })).body.message, "Risk limit exceeded");
});

test("a queued order is the seed's 202 with its queue position, and an earlier version's stored answer is replayed as stored", () => {
  const q = webhookAnswer(record({ kind: "queued", order: { ...order, status: "pending" }, queue_position: 2 }));
  assert.equal(q.statusCode, 202);
  assert.equal((q.body.data as Record<string, unknown>).queue_position, 2);
  const body = { status: "accepted", data: { order_id: "ORD_1" } };
  assert.deepEqual(webhookAnswer(record({ kind: "answered", status_code: 202, body })), { statusCode: 202, body });
});
