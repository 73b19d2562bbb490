/** The Broker port: what the engine needs from any execution venue (paper or MT5). */
import type { Action, ClientOrderId } from "../domain/types.js";

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
  ticker: string;
  action: Action;
  /** Shares (TSE) or units; the adapter converts to its own volume. */
  quantity: number;
  order_type: "market" | "limit";
  limit_price: number | null;
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
 */
export type OrderResult =
  | { kind: "filled"; fill: OrderFill }
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
   * True when this broker prices the order from the daemon's quote book and has nothing else to price it at
   * (paper: a market order without the alert's price hint). The engine then waits for the instrument's first
   * quote before it sends, so an order is not refused only because the feeds have not quoted yet (just after a
   * start). Absent: the broker prices orders itself (MT5: the terminal's own quotes).
   */
  needsQuote?(req: OrderRequest): boolean;
  accountInfo(): Promise<AccountInfo>;
  positions(): Promise<BrokerPosition[]>;
  orderCheck(req: OrderRequest): Promise<OrderCheckResult>;
  orderSend(req: OrderRequest): Promise<OrderResult>;
  /** Finds what the broker knows of a client order id (for reconciling an unknown outcome). */
  findOrder(clientOrderId: ClientOrderId): Promise<OrderResult | null>;
  rates(symbol: string, timeframe: string, start: number, count: number): Promise<Rate[]>;
  health(): Promise<BrokerHealth>;
  /** Executions between two Unix ms instants (optional; MT5 has it). */
  deals?(fromMs: number, toMs: number): Promise<BrokerDeal[]>;
  close?(): Promise<void>;
}
