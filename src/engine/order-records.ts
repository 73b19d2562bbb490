/** Building an order from an admitted signal, and the shapes it takes on the way to the broker and into answers. */
import type { Signal } from "../domain/types.js";
import type { OrderRequest } from "./broker.js";
import type { OrderBrief, StoredOrder } from "./ports.js";

export function newOrder(signal: Signal, orderId: string, tradingDate: string, now: number): StoredOrder {
  return {
    order_id: orderId,
    signal_id: signal.id,
    request_id: signal.request_id,
    ticker: signal.ticker,
    action: signal.action,
    quantity: signal.quantity,
    order_type: signal.price === "market" ? "market" : "limit",
    limit_price: signal.price === "market" ? null : signal.price,
    stop_loss: signal.stop_loss ?? null,
    take_profit: signal.take_profit ?? null,
    reference_price: signal.entry_price ?? signal.exit_price ?? (signal.price === "market" ? null : signal.price),
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

export function toRequest(o: StoredOrder, isExit: boolean): OrderRequest {
  return {
    client_order_id: o.order_id,
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
  };
}
