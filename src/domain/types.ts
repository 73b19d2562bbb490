/** Pure trading types shared by every part of tradectl. Nothing here imports tradectl code. */

export type Action = "buy" | "sell";
export type ExitReason = "stop_loss" | "take_profit" | "market_close";

/** `ORD_YYYYMMDD_NNN`: JST trading date plus a daily sequence; also the MT5 order comment. */
export type ClientOrderId = string;

/** Where a signal came from: the webhook, a relay channel, or the CLI (kill --flatten, close, cancel). */
export type SignalSource = "webhook" | "cli" | `relay:${string}`;

/** A signal after parsing, validation and normalisation, from any source. */
export interface Signal {
  id: string;
  request_id: string;
  source: SignalSource;
  action: Action;
  /** Normalised exchange code, e.g. "9984" or "130A" (a "TSE:" prefix removed). */
  ticker: string;
  quantity: number;
  /** "market" or a limit price. */
  price: "market" | number;
  entry_price?: number;
  stop_loss?: number;
  take_profit?: number;
  atr?: number;
  rr_ratio?: number;
  rsi?: number;
  exit_reason?: ExitReason;
  exit_price?: number;
  /** Strategy confidence 0–1 when the alert sends one; carried into the event envelope's meta. */
  confidence?: number;
  /** The alert's own time, Unix ms. */
  alert_time: number;
  received_at: number;
  expires_at: number;
  idempotency_key: string;
}

export type OrderStatus =
  | "pending" // journaled, not yet sent to the broker
  | "submitted" // sent, outcome not yet known
  | "filled"
  | "partially_filled" // final: less than ordered was dealt; error_message says what was not and why
  | "rejected" // final refusal by the broker or by us
  | "failed" // gave up after retries
  | "expired" // never sent: the signal went stale before it could be
  | "unknown"; // sent, reply lost: must be reconciled before anything is sent again

export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "submitted", "filled", "partially_filled", "rejected", "failed", "expired", "unknown"];

export const FINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set([
  "filled",
  "partially_filled",
  "rejected",
  "failed",
  "expired",
]);

export interface Order {
  order_id: ClientOrderId;
  signal_id: string;
  request_id: string;
  ticker: string;
  action: Action;
  quantity: number;
  order_type: "market" | "limit";
  limit_price: number | null;
  stop_loss: number | null;
  take_profit: number | null;
  status: OrderStatus;
  fill_price: number | null;
  filled_quantity: number;
  fee: number;
  broker_order_id: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
  filled_at: number | null;
  expires_at: number;
}

export interface Position {
  ticker: string;
  quantity: number;
  avg_price: number;
  opened_at: number;
  updated_at: number;
}

/** The latest two-sided price of an instrument. */
export interface Quote {
  instrument: string;
  bid: number;
  ask: number;
  /** Unix ms of the price itself (not of its arrival). */
  time: number;
  tradeable: boolean;
  feed: string;
}

export function midPrice(q: Pick<Quote, "bid" | "ask">): number {
  return (q.bid + q.ask) / 2;
}
