/** Pure trading types shared by every part of tradectl. Nothing here imports tradectl code. */
import type { Breakeven, OrderType, PriceUnit, Protection, SignalAction, Sizing, Trailing } from "./order-vocabulary.js";

export type Action = "buy" | "sell";
export type ExitReason = "stop_loss" | "take_profit" | "market_close";

/** `ORD_YYYYMMDD_NNN`: JST trading date plus a daily sequence; also the MT5 order comment. */
export type ClientOrderId = string;

/** Where a signal came from: the webhook, a relay channel, the CLI (kill --flatten, close, cancel), or the daemon's own protective orders (stops hit on paper, breakeven/trailing moves). */
export type SignalSource = "webhook" | "cli" | "engine" | `relay:${string}`;

/** A signal after parsing, validation and normalisation, from any source. */
export interface Signal {
  id: string;
  request_id: string;
  source: SignalSource;
  /** The seed's buy/sell, or one of the order vocabulary's actions (close_long, cancel, reverse, modify, ...). */
  action: SignalAction;
  /** Normalised exchange code, e.g. "9984" or "130A" (a "TSE:" prefix removed); "*" for every ticker (close_all, cancel). */
  ticker: string;
  /** Shares; 0 when the alert sent none (a close of the whole position, a cancel, a modify, a size from `sizing`). */
  quantity: number;
  /** "market" or a price (a limit or stop price, or an offset from the market in `price_unit`). */
  price: "market" | number;
  /** Explicit order type; absent: market, or limit for a numeric price (the seed's meaning). */
  order_type?: OrderType;
  price_unit?: PriceUnit;
  sl_unit?: PriceUnit;
  tp_unit?: PriceUnit;
  sizing?: Sizing;
  breakeven?: Breakeven;
  trailing?: Trailing;
  /** Refuse an entry when the spread is wider than this (in pips of the instrument). */
  max_spread?: number;
  /** cancel: only the pending orders of this side. */
  side?: Action;
  /** A pending order's own expiry (Unix ms), from expires_at or expire_minutes; absent: good till cancelled. */
  order_expires_at?: number;
  /** cancel from the CLI: this one pending order only. */
  target_order_id?: string;
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
  | "working" // a limit/stop order resting at the broker until its price is reached, it expires or is cancelled
  | "filled"
  | "partially_filled" // final: less than ordered was dealt; error_message says what was not and why
  | "done" // final: a cancel or a modify carried out
  | "cancelled" // final: a resting order removed by a cancel
  | "rejected" // final refusal by the broker or by us
  | "failed" // gave up after retries
  | "expired" // never sent: the signal went stale before it could be
  | "unknown"; // sent, reply lost: must be reconciled before anything is sent again

export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "submitted", "working", "filled", "partially_filled", "done", "cancelled", "rejected", "failed", "expired", "unknown"];

export const FINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set([
  "filled",
  "partially_filled",
  "done",
  "cancelled",
  "rejected",
  "failed",
  "expired",
]);

/** Final, or resting at the broker (reconciliation follows it there): nothing more is sent for it. */
export function isSettled(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.has(status) || status === "working";
}

export interface Order {
  order_id: ClientOrderId;
  signal_id: string;
  request_id: string;
  ticker: string;
  action: Action;
  quantity: number;
  /** trade: a deal or a pending order; cancel: removes `target_order_id`; modify: new SL/TP of the ticker's position. */
  kind: OrderKind;
  /** Opens or closes a position; null: the seed's meaning (a buy opens, a sell closes a held long). */
  effect: "open" | "close" | null;
  order_type: OrderType;
  /** The limit or stop price (on the instrument's grid); for a modify, unused. */
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
  /** A cancel's target. */
  target_order_id: string | null;
  /** When a pending order expires at the broker (null: good till cancelled). */
  order_expires_at: number | null;
  /** Breakeven/trailing (as price distances) the position gets from this order. */
  protection: Protection | null;
  /** What was sent: grid-rounded prices, the computed quantity, and how (shown in answers and `orders`). */
  sent: Record<string, unknown> | null;
}

export type OrderKind = "trade" | "cancel" | "modify";

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
