/** JSON shapes the MT5 bridge answers with (the MetaTrader5 package's structures as dicts). */
import type { Rate } from "../../engine/broker.js";

export interface BridgeHealth {
  healthy: boolean;
  connected: boolean;
  trade_allowed?: boolean;
  login?: number;
  server?: string;
  reinitialisations?: number;
  /** account_info(), which the health check reads anyway. */
  account?: Pick<BridgeAccount, "currency" | "balance" | "equity" | "margin_free">;
  error?: { code: string; message: string };
}

export interface BridgeAccount {
  login: number;
  currency: string;
  balance: number;
  equity: number;
  margin_free: number;
  trade_allowed: boolean;
  trade_expert: boolean;
}

/** TradePosition */
export interface BridgePosition {
  ticket: number;
  time: number;
  type: number; // 0 buy, 1 sell
  magic: number;
  identifier: number;
  volume: number;
  price_open: number;
  sl: number;
  tp: number;
  price_current: number;
  profit: number;
  symbol: string;
  comment: string;
}

/** TradeOrder (active pending orders) */
export interface BridgeOrder {
  ticket: number;
  magic: number;
  volume_current: number;
  price_open: number;
  symbol: string;
  comment: string;
}

/** TradeDeal */
export interface BridgeDeal {
  ticket: number;
  order: number;
  time: number;
  time_msc: number;
  type: number; // 0 buy, 1 sell, others: balance operations
  entry: number; // 0 in, 1 out, 2 inout, 3 out_by
  magic: number;
  position_id: number;
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  fee: number;
  symbol: string;
  comment: string;
}

/** MqlTradeCheckResult plus `ok`. */
export interface BridgeCheckResult {
  retcode: number;
  margin: number;
  margin_free: number;
  comment: string;
  ok: boolean;
}

/** MqlTradeResult plus the bridge's bookkeeping. */
export interface BridgeSendResult {
  retcode: number;
  retcode_name: string;
  deal: number;
  order: number;
  volume: number;
  price: number;
  bid: number;
  ask: number;
  comment: string;
  client_order_id: string;
  outcome: "filled" | "placed" | "retryable" | "unknown" | "rejected";
  replayed?: boolean;
  recovered?: boolean;
}

/** A bar as the bridge sends it: the fields of MT5's copy_rates_from_pos, time in seconds. */
export type BridgeRate = Rate;

/** The order_send request the gateway posts (MT5 request fields plus client_order_id). */
export interface BridgeOrderRequest {
  client_order_id: string;
  /** TRADE_ACTION_DEAL, _PENDING (limit/stop), _SLTP (a position's stops), _REMOVE (a pending order). */
  action: "DEAL" | "PENDING" | "SLTP" | "REMOVE";
  symbol: string;
  volume?: number;
  type?: "BUY" | "SELL" | "BUY_LIMIT" | "SELL_LIMIT" | "BUY_STOP" | "SELL_STOP";
  magic: number;
  deviation?: number;
  /** A pending order's price. */
  price?: number;
  sl?: number;
  tp?: number;
  position?: number;
  /** REMOVE: the pending order's ticket. */
  order?: number;
  type_time?: "GTC" | "SPECIFIED";
  /** ORDER_TIME_SPECIFIED: Unix seconds. */
  expiration?: number;
}

/** SymbolInfo, the fields order planning reads. */
export interface BridgeSymbol {
  name: string;
  digits: number;
  point: number;
  trade_tick_size: number;
  trade_stops_level: number;
  trade_freeze_level?: number;
  trade_contract_size: number;
  volume_min: number;
  volume_step: number;
}

/** TradeOrder of history_orders_get, as the bridge's /history/orders lists it. */
export interface BridgeHistoryOrder {
  ticket: number;
  magic: number;
  state: number; // 2 canceled, 4 filled, 6 expired
  symbol: string;
  comment: string;
  price_open: number;
  volume_initial: number;
}
