/**
 * MT5 trade server return codes (MqlTradeResult.retcode) → what tradectl does about them.
 * - filled / placed: success (placed = pending order accepted; for a market order the deal is looked up)
 * - temporary: the server refused without dealing; retry with a fresh price (p-retry)
 * - unknown: the order may or may not exist; reconcile by comment before anything is sent again
 * - final: refused for good; reported as a rejection with a specific code
 */
export type RetcodeClass = "filled" | "placed" | "temporary" | "unknown" | "final";

export interface RetcodeInfo {
  retcode: number;
  /** The TRADE_RETCODE_* suffix, e.g. "MARKET_CLOSED". */
  name: string;
  class: RetcodeClass;
  /** tradectl's error code, e.g. "MT5_MARKET_CLOSED". */
  code: string;
  message: string;
}

const TABLE: Record<number, [name: string, cls: RetcodeClass, code: string, message: string]> = {
  10004: ["REQUOTE", "temporary", "MT5_REQUOTE", "requote: the price moved"],
  10006: ["REJECT", "final", "MT5_REJECTED", "the trade server rejected the request"],
  10007: ["CANCEL", "final", "MT5_CANCELED", "the request was canceled by the trader"],
  10008: ["PLACED", "placed", "MT5_PLACED", "order placed"],
  10009: ["DONE", "filled", "MT5_DONE", "request completed"],
  10010: ["DONE_PARTIAL", "filled", "MT5_DONE_PARTIAL", "only part of the request was completed"],
  10011: ["ERROR", "unknown", "MT5_REQUEST_ERROR", "request processing error at the trade server"],
  10012: ["TIMEOUT", "unknown", "MT5_REQUEST_TIMEOUT", "the request was canceled by timeout"],
  10013: ["INVALID", "final", "MT5_INVALID_REQUEST", "invalid request"],
  10014: ["INVALID_VOLUME", "final", "MT5_INVALID_VOLUME", "invalid volume (check the instrument's contractSize and the symbol's volume step)"],
  10015: ["INVALID_PRICE", "final", "MT5_INVALID_PRICE", "invalid price"],
  10016: ["INVALID_STOPS", "final", "MT5_INVALID_STOPS", "invalid stop loss or take profit (too close to the price or on the wrong side)"],
  10017: ["TRADE_DISABLED", "final", "MT5_TRADE_DISABLED", "trading is disabled for this symbol or account"],
  10018: ["MARKET_CLOSED", "final", "MT5_MARKET_CLOSED", "the market is closed"],
  10019: ["NO_MONEY", "final", "MT5_NO_MONEY", "not enough money (free margin) for the order"],
  10020: ["PRICE_CHANGED", "temporary", "MT5_PRICE_CHANGED", "prices changed"],
  10021: ["PRICE_OFF", "temporary", "MT5_PRICE_OFF", "no quotes to process the request"],
  10022: ["INVALID_EXPIRATION", "final", "MT5_INVALID_EXPIRATION", "invalid order expiration"],
  10023: ["ORDER_CHANGED", "final", "MT5_ORDER_CHANGED", "the order state changed"],
  10024: ["TOO_MANY_REQUESTS", "temporary", "MT5_TOO_MANY_REQUESTS", "too frequent requests"],
  10025: ["NO_CHANGES", "final", "MT5_NO_CHANGES", "no changes in the request"],
  10026: ["SERVER_DISABLES_AT", "final", "MT5_AUTOTRADING_DISABLED_BY_SERVER", "autotrading is disabled by the trade server"],
  10027: ["CLIENT_DISABLES_AT", "final", "MT5_AUTOTRADING_DISABLED", "autotrading is disabled in the terminal (enable Algo Trading)"],
  10028: ["LOCKED", "temporary", "MT5_LOCKED", "the request is locked for processing"],
  10029: ["FROZEN", "final", "MT5_FROZEN", "the order or position is frozen"],
  10030: ["INVALID_FILL", "final", "MT5_INVALID_FILL", "unsupported filling mode for this symbol"],
  10031: ["CONNECTION", "unknown", "MT5_NO_CONNECTION", "no connection with the trade server"],
  10032: ["ONLY_REAL", "final", "MT5_ONLY_REAL", "the operation is allowed only for live accounts"],
  10033: ["LIMIT_ORDERS", "final", "MT5_LIMIT_ORDERS", "the number of pending orders has reached the limit"],
  10034: ["LIMIT_VOLUME", "final", "MT5_LIMIT_VOLUME", "the volume of orders and positions for the symbol has reached the limit"],
  10035: ["INVALID_ORDER", "final", "MT5_INVALID_ORDER", "incorrect or prohibited order type"],
  10036: ["POSITION_CLOSED", "final", "MT5_POSITION_CLOSED", "the position has already been closed"],
  10038: ["INVALID_CLOSE_VOLUME", "final", "MT5_INVALID_CLOSE_VOLUME", "the close volume exceeds the position volume"],
  10039: ["CLOSE_ORDER_EXIST", "final", "MT5_CLOSE_ORDER_EXISTS", "a close order already exists for this position"],
  10040: ["LIMIT_POSITIONS", "final", "MT5_LIMIT_POSITIONS", "the number of open positions has reached the limit"],
  10041: ["REJECT_CANCEL", "final", "MT5_REJECT_CANCEL", "the pending order activation was rejected and the order canceled"],
  10042: ["LONG_ONLY", "final", "MT5_LONG_ONLY", "only long positions are allowed for this symbol"],
  10043: ["SHORT_ONLY", "final", "MT5_SHORT_ONLY", "only short positions are allowed for this symbol"],
  10044: ["CLOSE_ONLY", "final", "MT5_CLOSE_ONLY", "only closing positions is allowed for this symbol"],
  10045: ["FIFO_CLOSE", "final", "MT5_FIFO_CLOSE", "positions must be closed in FIFO order"],
  10046: ["HEDGE_PROHIBITED", "final", "MT5_HEDGE_PROHIBITED", "opposite positions on one symbol are prohibited"],
};

export function describeRetcode(retcode: number): RetcodeInfo {
  if (retcode === 0) return { retcode, name: "OK", class: "filled", code: "MT5_OK", message: "check passed" };
  const row = TABLE[retcode];
  if (!row) {
    return { retcode, name: String(retcode), class: "final", code: `MT5_RETCODE_${retcode}`, message: `trade server return code ${retcode}` };
  }
  const [name, cls, code, message] = row;
  return { retcode, name, class: cls, code, message };
}

/** order_check passes with retcode 0 (the terminal's "Done"); some builds answer 10009. */
export function isCheckPassed(retcode: number): boolean {
  return retcode === 0 || retcode === 10009;
}
