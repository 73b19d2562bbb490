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
  action: "DEAL";
  symbol: string;
  volume: number;
  type: "BUY" | "SELL";
  magic: number;
  deviation: number;
  sl?: number;
  tp?: number;
  position?: number;
}
