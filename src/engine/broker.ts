/** The Broker port: what the engine needs from any execution venue (paper or MT5). */
import type { InstrumentSpec } from "../domain/instrument-spec.js";
import type { OrderType } from "../domain/order-vocabulary.js";
import type { Action, ClientOrderId, OrderKind } from "../domain/types.js";

export interface AccountInfo {
  currency: string;
  balance: number;
  equity: number;
  margin_free: number;
}

export interface BrokerPosition {
  ticker: string;
  /** The broker's own instrument name (MT5 symbol). */
  symbol: string;
  quantity: number;
  avg_price: number;
  current_price: number | null;
  /** The broker's position id (MT5 ticket), when it has one. */
  ticket?: string;
}

export interface OrderRequest {
  client_order_id: ClientOrderId;
  /** trade: a deal or a pending order; cancel: remove the target pending order; modify: new SL/TP of the position. */
  kind: OrderKind;
  /** open / close a position; null: the seed's meaning (buy opens, sell closes a held long). */
  effect: "open" | "close" | null;
  ticker: string;
  action: Action;
  /** Shares (TSE) or units; the adapter converts to its own volume. */
  quantity: number;
  order_type: OrderType;
  /** The limit or stop price, on the instrument's grid. */
  limit_price: number | null;
  /** When a pending order expires (Unix ms); null: good till cancelled. */
  order_expires_at: number | null;
  /** A cancel's target: its client id and the broker's id of it (MT5 order ticket). */
  target_client_order_id: string | null;
  target_broker_order_id: string | null;
  stop_loss: number | null;
  take_profit: number | null;
  /** A hint price (the alert's entry/exit price) for brokers that need one without a quote. */
  reference_price: number | null;
  /** True when this order reduces or closes an existing position. */
  is_exit: boolean;
}

export interface OrderFill {
  price: number;
  quantity: number;
  fee: number;
  broker_order_id: string | null;
  broker_deal_id: string | null;
  time: number;
}

/**
 * The outcome of one send. `unknown` means the order may or may not exist at the broker.
 * A `rejected` result with `temporary` set was refused for a passing reason (requote, no connection,
 * bridge unreachable) and given up after the broker's retries: nothing was dealt; the order failed.
 * `partial`: less than ordered was dealt (`remaining` was not: a part refused, a leg of a split exit never
 * sent); `code`/`message` say why. From orderSend it is final; from findOrder it says what is left to send.
 */
export type OrderResult =
  | { kind: "filled"; fill: OrderFill }
  /** A limit/stop order placed and resting at the broker (it fills, expires or is cancelled later). */
  | { kind: "placed"; broker_order_id: string | null; message: string }
  /** A cancel or a modify carried out (or found already in effect). */
  | { kind: "done"; message: string }
  | { kind: "partial"; fill: OrderFill; remaining: number; code: string; message: string }
  | { kind: "rejected"; code: string; message: string; temporary?: boolean }
  | { kind: "unknown"; message: string };

export interface OrderCheckResult {
  ok: boolean;
  code: string;
  message: string;
  margin?: number;
  /** Not ok for a passing reason, after retries (see OrderResult): the order failed, it was not refused for good. */
  temporary?: boolean;
}

export interface Rate {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  tick_volume: number;
  spread: number;
  real_volume: number;
}

export interface BrokerHealth {
  kind: string;
  connected: boolean;
  message?: string;
  /** The account, when the health check reads it anyway (the MT5 bridge does): status shows it without a call. */
  account?: AccountInfo;
}

/** The broker as the daemon last saw it (status shows this; it never waits on the broker). */
export interface BrokerState extends BrokerHealth {
  /** ISO-8601 time of that look, or null before the first one. */
  checked_at: string | null;
}

/** One execution at the broker (an MT5 deal), for reconciliation and reports. */
export interface BrokerDeal {
  ticket: string;
  order: string;
  position_id: string;
  /** tradectl's ticker for the broker symbol, or null when no instrument maps to it. */
  ticker: string | null;
  symbol: string;
  side: Action;
  entry: "in" | "out" | "inout" | "out_by";
  /** Shares or units (the adapter converts from its own volume). */
  quantity: number;
  price: number;
  /** Commission and fees charged, as a positive cost. */
  fee: number;
  profit: number;
  /** Unix ms as the broker reports it (MT5: trade-server time). */
  time: number;
  /** MT5: the order comment, which carries the client order id. */
  comment: string;
  magic: number;
}

export interface Broker {
  readonly kind: string;
  /**
   * False for a broker that lives inside the process and the journal (paper): a send cannot reach anything
   * that a crash could leave in doubt, so the engine does not journal "submitted" before it. Default true.
   */
  readonly external?: boolean;
  /**
   * A broker inside the journal (paper) may settle an order at once, synchronously, inside the admission's
   * transaction: its answer then costs no second commit. Null when it cannot settle it now (no quote yet).
   */
  settleNow?(req: OrderRequest): OrderResult | null;
  /**
   * True when this broker prices the order from the daemon's quote book and has nothing else to price it at
   * (paper: a market order without the alert's price hint). The engine then waits for the instrument's first
   * quote before it sends, so an order is not refused only because the feeds have not quoted yet (just after a
   * start). Absent: the broker prices orders itself (MT5: the terminal's own quotes).
   */
  needsQuote?(req: OrderRequest): boolean;
  /** The instrument's grid and lots as the broker last reported them (MT5: symbol_info); null when not known yet. */
  instrumentSpec?(ticker: string): InstrumentSpec | null;
  /** Reads the instruments' specs again (MT5: symbol_info of each configured symbol); the daemon calls it at start. */
  refreshSpecs?(): Promise<void>;
  /** The account as last read, without a round trip (paper: computed; MT5: from the last health check). */
  accountNow?(): AccountInfo | null;
  accountInfo(): Promise<AccountInfo>;
  positions(): Promise<BrokerPosition[]>;
  orderCheck(req: OrderRequest): Promise<OrderCheckResult>;
  orderSend(req: OrderRequest): Promise<OrderResult>;
  /**
   * Finds what the broker knows of a client order id (for reconciling an unknown outcome), every part of it (the
   * legs of a split exit): `filled` only when `quantity` (when given) was dealt in full, else `partial`.
   */
  findOrder(clientOrderId: ClientOrderId, quantity?: number): Promise<OrderResult | null>;
  /**
   * A pending (limit/stop) order's fate at the broker: dealt, gone without a deal (expired, cancelled), or still
   * resting (null). Optional: a broker whose pending orders live in the journal (paper) settles them itself.
   */
  findResting?(clientOrderId: ClientOrderId): Promise<OrderResult | { kind: "expired" | "cancelled"; message: string } | null>;
  rates(symbol: string, timeframe: string, start: number, count: number): Promise<Rate[]>;
  health(): Promise<BrokerHealth>;
  /** Executions between two Unix ms instants (optional; MT5 has it). */
  deals?(fromMs: number, toMs: number): Promise<BrokerDeal[]>;
  close?(): Promise<void>;
}
