/**
 * An admission record as the HTTP answer of POST /webhook (seed 2.1). Pure: a record renders the same answer every
 * time, so a repeat gets exactly what the first request got.
 */
import { errorEnvelope } from "../domain/error-envelope.js";
import { httpStatuses, type ApiErrorCode } from "../domain/errors.js";
import type { AdmissionRecord, OrderBrief, RecordedOutcome } from "../engine/ports.js";

export interface WebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

type Refused = Extract<RecordedOutcome, { kind: "refused" }>;

/** A refusal's reason is an outcome of admission (data), answered with an API code at that code's status. */
const REFUSALS: Record<Refused["reason"], { code: ApiErrorCode; message?: string }> = {
  kill_switch: { code: "SERVICE_UNAVAILABLE" },
  broker_unavailable: { code: "SERVICE_UNAVAILABLE" },
  pair_unavailable: { code: "SERVICE_UNAVAILABLE" },
  risk: { code: "RISK_LIMIT_EXCEEDED", message: "Risk limit exceeded" },
  reconciliation: { code: "RISK_LIMIT_EXCEEDED", message: "Risk limit exceeded" },
  expired: { code: "SIGNAL_EXPIRED" },
  order: { code: "ORDER_REJECTED" },
};

/** An error answer of admission at its code's usual status. */
function refusalAnswer(code: ApiErrorCode, e: { requestId: string; message: string; now: number; details?: Record<string, unknown> | undefined }): WebhookResponse {
  return { statusCode: httpStatuses(code)[0]!, body: errorEnvelope({ ...e, code }) };
}

export function webhookAnswer(r: AdmissionRecord): WebhookResponse {
  const o = r.outcome;
  switch (o.kind) {
    case "queued":
      return withOrders({ statusCode: 202, body: queuedBody(r.request_id, o.order, o.queue_position) }, o.orders);
    case "settled":
      return withOrders(settledAnswer(r, o.order), o.orders);
    case "refused": {
      const m = REFUSALS[o.reason];
      return refusalAnswer(m.code, { requestId: r.request_id, message: m.message ?? o.message, now: r.decided_at, details: o.details });
    }
    case "answered":
      return { statusCode: o.status_code, body: o.body };
  }
}

/** A signal that made several orders (a reverse, a close or cancel of "*") lists each in `data.orders`. */
function withOrders(res: WebhookResponse, orders: OrderBrief[] | undefined): WebhookResponse {
  const data = res.body["data"] as Record<string, unknown> | undefined;
  if (!orders || !data) return res;
  return { ...res, body: { ...res.body, data: { ...data, orders } } };
}

/** What an order's answer adds beyond the seed's fields: its type and prices as sent, its expiry, what was computed. */
function orderExtras(o: OrderBrief): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (o.kind) extra["kind"] = o.kind;
  if (o.order_type) {
    extra["order_type"] = o.order_type;
    extra["limit_price"] = o.limit_price ?? null;
    extra["order_expires_at"] = o.order_expires_at == null ? null : new Date(o.order_expires_at).toISOString();
  }
  if (o.stop_loss !== undefined || o.take_profit !== undefined) Object.assign(extra, { stop_loss: o.stop_loss ?? null, take_profit: o.take_profit ?? null });
  if (o.sent) extra["sent"] = o.sent;
  return extra;
}

function queuedBody(requestId: string, order: OrderBrief, queuePosition: number): Record<string, unknown> {
  return {
    status: "accepted",
    message: "Signal queued for processing",
    data: {
      request_id: requestId,
      order_id: order.order_id,
      ticker: order.ticker,
      action: order.action,
      quantity: order.quantity,
      ...orderExtras(order),
      queue_position: queuePosition,
      estimated_processing_time_ms: 500 * queuePosition,
    },
  };
}

function settledAnswer(r: AdmissionRecord, o: OrderBrief): WebhookResponse {
  // Partly dealt (an exit split over positions, a later leg refused): what was dealt is real, so it is a success
  // that says how much was not.
  const partial = o.status === "partially_filled";
  // A pending order resting at the broker, a cancel or an SL/TP change carried out: done as asked.
  if (o.status === "working" || o.status === "done") {
    const message = o.status === "working" ? `Order placed: ${o.order_type} ${o.limit_price} resting until filled, expired or cancelled` : `Done: ${o.error_message ?? o.kind}`;
    return {
      statusCode: 200,
      body: {
        status: "success",
        message,
        data: { request_id: r.request_id, ticker: o.ticker, action: o.action, quantity: o.quantity, order_id: o.order_id, order_status: o.status, ...orderExtras(o), timestamp: new Date(r.decided_at).toISOString(), processing_time_ms: r.processing_ms },
      },
    };
  }
  if (o.status === "filled" || partial) {
    return {
      statusCode: 200,
      body: {
        status: "success",
        message: partial ? `Order partially filled: ${o.error_message ?? "the rest was not dealt"}` : "Signal received and processed",
        data: {
          request_id: r.request_id,
          ticker: o.ticker,
          action: o.action,
          quantity: o.quantity,
          order_id: o.order_id,
          order_status: o.status,
          fill_price: o.fill_price,
          ...orderExtras(o),
          ...(partial ? { filled_quantity: o.filled_quantity, remaining_quantity: o.quantity - o.filled_quantity } : {}),
          timestamp: new Date(r.decided_at).toISOString(),
          processing_time_ms: r.processing_ms,
        },
      },
    };
  }
  // Refused by the broker or expired: 422, final. Failed (the broker stayed unreachable or kept requoting through
  // every retry): 503, a passing condition, like the broker being down.
  const code = o.status === "failed" ? "SERVICE_UNAVAILABLE" : o.status === "expired" ? "SIGNAL_EXPIRED" : "ORDER_REJECTED";
  return refusalAnswer(code, {
    requestId: r.request_id,
    message: `Order ${o.status}: ${o.error_message ?? o.error_code ?? "no reason given"}`,
    now: r.decided_at,
    details: { order_id: o.order_id, order_status: o.status, broker_code: o.error_code, reason: o.error_message },
  });
}
