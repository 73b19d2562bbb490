/** Building an order from an admitted signal, and the shapes it takes on the way to the broker and into answers. */
import type { Signal } from "../domain/types.js";
import type { OrderRequest } from "./broker.js";
import type { PlannedOrder } from "./plan-orders.js";
import type { OrderBrief, StoredOrder } from "./ports.js";

export function newOrder(signal: Signal, plan: PlannedOrder, orderId: string, tradingDate: string, now: number): StoredOrder {
  return {
    order_id: orderId,
    signal_id: signal.id,
    request_id: signal.request_id,
    ticker: plan.ticker,
    action: plan.action,
    quantity: plan.quantity,
    kind: plan.kind,
    effect: plan.effect,
    order_type: plan.order_type,
    limit_price: plan.limit_price,
    stop_loss: plan.stop_loss,
    take_profit: plan.take_profit,
    reference_price: plan.reference_price,
    target_order_id: plan.target_order_id,
    order_expires_at: plan.order_expires_at,
    protection: plan.protection,
    sent: plan.sent,
    status: "pending",
    fill_price: null,
    filled_quantity: 0,
    fee: 0,
    broker_order_id: null,
    error_code: null,
    error_message: null,
    attempts: 0,
    created_at: now,
    updated_at: now,
    submitted_at: null,
    filled_at: null,
    expires_at: signal.expires_at,
    trading_date: tradingDate,
  };
}

export function toRequest(o: StoredOrder, isExit: boolean, target?: StoredOrder): OrderRequest {
  return {
    client_order_id: o.order_id,
    kind: o.kind,
    effect: o.effect,
    order_expires_at: o.order_expires_at,
    target_client_order_id: target?.order_id ?? null,
    target_broker_order_id: target?.broker_order_id ?? null,
    ticker: o.ticker,
    action: o.action,
    quantity: o.quantity,
    order_type: o.order_type,
    limit_price: o.limit_price,
    stop_loss: o.stop_loss,
    take_profit: o.take_profit,
    reference_price: o.reference_price,
    is_exit: isExit,
  };
}

export function orderBrief(o: StoredOrder): OrderBrief {
  return {
    order_id: o.order_id,
    ticker: o.ticker,
    action: o.action,
    quantity: o.quantity,
    status: o.status,
    fill_price: o.fill_price,
    filled_quantity: o.filled_quantity,
    error_code: o.error_code,
    error_message: o.error_message,
    ...(o.kind !== "trade" ? { kind: o.kind } : {}),
    ...(o.order_type !== "market" ? { order_type: o.order_type, limit_price: o.limit_price, order_expires_at: o.order_expires_at } : {}),
    // The seed's plain buy/sell answers exactly as before: stops are shown when the vocabulary changed or set them.
    ...((o.sent || o.kind === "modify") && (o.stop_loss !== null || o.take_profit !== null) ? { stop_loss: o.stop_loss, take_profit: o.take_profit } : {}),
    ...(o.sent ? { sent: o.sent } : {}),
  };
}
