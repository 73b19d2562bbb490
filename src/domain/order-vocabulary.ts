/**
 * The alert vocabulary beyond the seed's buy/sell: what each action means, and the optional parts an alert may
 * carry (order type, units, sizing, breakeven, trailing, spread filter). Pure types; nothing here imports tradectl.
 */

/** The seed's two actions, then the ones every TradingView-to-MetaTrader bridge offers. */
export type SignalAction = "buy" | "sell" | "close_long" | "close_short" | "close_all" | "cancel" | "reverse" | "modify";

export const SIGNAL_ACTIONS: readonly SignalAction[] = ["buy", "sell", "close_long", "close_short", "close_all", "cancel", "reverse", "modify"];

/** Actions that only reduce risk: never blocked by entry limits, cooldown, loss or exposure limits, nor the kill switch's entry block. */
export const EXIT_ACTIONS: ReadonlySet<SignalAction> = new Set(["close_long", "close_short", "close_all", "cancel", "modify"]);

export type OrderType = "market" | "limit" | "stop";

/** How a price-like number is given: an absolute price, a distance in pips, or a distance in percent of the reference. */
export type PriceUnit = "price" | "pips" | "percent";

export type SizingType = "quantity" | "cash" | "equity_percent" | "risk_percent";

export interface Sizing {
  mode: SizingType;
  /** Shares (quantity), money (cash), or percent of equity/balance. */
  value: number;
}

/** Move the stop loss to entry ± offset once the price is `trigger` in profit. Distances in `unit` (price, pips, percent). */
export interface Breakeven {
  trigger: number;
  offset: number;
  unit: PriceUnit;
}

/** Once `trigger` in profit, keep the stop loss `distance` behind the best price, moving it in steps of at least `step`. */
export interface Trailing {
  trigger: number;
  distance: number;
  step: number;
  unit: PriceUnit;
}

/** Breakeven and trailing as price distances (units converted at admission), kept with the position. */
export interface Protection {
  breakeven?: { trigger: number; offset: number };
  trailing?: { trigger: number; distance: number; step: number };
}
