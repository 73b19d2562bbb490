/**
 * Prices the market accepts: every limit, stop, stop-loss and take-profit price is put on the instrument's grid
 * before it is sent or rested, always rounded toward the side that is safe for the trader.
 *
 * Two grids: the TSE's tick-size table (呼値の単位, by price band; TOPIX500 constituents and ETFs have a finer
 * table) with its daily price limit (値幅制限, a band around the base price, usually the previous close), and an
 * MT5 symbol's own grid (`trade_tick_size`, `digits`) with its minimum stop distance (`trade_stops_level`) and its
 * freeze distance (`trade_freeze_level`), both in points.
 */

export type TickTable = "standard" | "topix500";

/** [upper bound of the price band (inclusive), tick] — JPX's 呼値の単位 as published since 2023-06-05. */
const TSE_TICKS: Record<TickTable, ReadonlyArray<readonly [number, number]>> = {
  standard: [
    [3_000, 1], [5_000, 5], [30_000, 10], [50_000, 50], [300_000, 100], [500_000, 500], [3_000_000, 1_000],
    [5_000_000, 5_000], [30_000_000, 10_000], [50_000_000, 50_000], [Infinity, 100_000],
  ],
  topix500: [
    [1_000, 0.1], [3_000, 0.5], [10_000, 1], [30_000, 5], [100_000, 10], [300_000, 50], [1_000_000, 100],
    [3_000_000, 500], [10_000_000, 1_000], [30_000_000, 5_000], [Infinity, 10_000],
  ],
};

/** [base price below which (exclusive), ± limit] — the TSE's 制限値幅 by 基準値段. */
const TSE_LIMITS: ReadonlyArray<readonly [number, number]> = [
  [100, 30], [200, 50], [500, 80], [700, 100], [1_000, 150], [1_500, 300], [2_000, 400], [3_000, 500],
  [5_000, 700], [7_000, 1_000], [10_000, 1_500], [15_000, 3_000], [20_000, 4_000], [30_000, 5_000],
  [50_000, 7_000], [70_000, 10_000], [100_000, 15_000], [150_000, 30_000], [200_000, 40_000], [300_000, 50_000],
  [500_000, 70_000], [700_000, 100_000], [1_000_000, 150_000], [1_500_000, 300_000], [2_000_000, 400_000],
  [3_000_000, 500_000], [5_000_000, 700_000], [7_000_000, 1_000_000], [10_000_000, 1_500_000],
  [15_000_000, 3_000_000], [20_000_000, 4_000_000], [30_000_000, 5_000_000], [50_000_000, 7_000_000],
  [Infinity, 10_000_000],
];

/** The TSE tick of a price (the band the price falls in: "3,000円以下" is 1 yen, above it 5 yen). */
export function tseTickSize(price: number, table: TickTable = "standard"): number {
  for (const [upTo, tick] of TSE_TICKS[table]) if (price <= upTo) return tick;
  return TSE_TICKS[table].at(-1)![1];
}

/** The TSE daily price limit (± yen) for a base price. */
export function tsePriceLimit(basePrice: number): number {
  for (const [below, limit] of TSE_LIMITS) if (basePrice < below) return limit;
  return TSE_LIMITS.at(-1)![1];
}

/** The day's band: the lowest and highest price the exchange accepts. */
export function tsePriceBand(basePrice: number): { lower: number; upper: number } {
  const limit = tsePriceLimit(basePrice);
  return { lower: Math.max(0, basePrice - limit), upper: basePrice + limit };
}

export type RoundSide = "down" | "up";

/** Decimal-safe multiple of `tick` at or below (down) / at or above (up) `price`. */
export function roundToTick(price: number, tick: number, side: RoundSide): number {
  const decimals = decimalsOf(tick);
  const steps = price / tick;
  const near = Math.round(steps);
  // A price already on the grid (up to float noise) stays where it is.
  const n = Math.abs(steps - near) < 1e-9 ? near : side === "down" ? Math.floor(steps) : Math.ceil(steps);
  return Number((n * tick).toFixed(decimals));
}

/** A price on the TSE grid: the tick of the band the rounded price lands in. */
export function roundTse(price: number, side: RoundSide, table: TickTable = "standard"): number {
  // The band of the price itself: 3000.3 is above 3,000 (tick 5), so up gives 3005 and down 3000, both on the grid.
  return roundToTick(price, tseTickSize(price, table), side);
}

function decimalsOf(n: number): number {
  const s = String(n);
  if (s.includes("e-")) return Number(s.split("e-")[1]);
  const dot = s.indexOf(".");
  return dot === -1 ? 0 : s.length - dot - 1;
}

/** An MT5 symbol's grid and distances, as symbol_info reports them. */
export interface SymbolGrid {
  /** `trade_tick_size`; 0 or absent: `point`. */
  tickSize: number;
  digits: number;
  point: number;
  /** `trade_stops_level`: minimum distance (points) of SL/TP and pending prices from the current price. */
  stopsLevel: number;
  /** `trade_freeze_level`: no change of an order or stop within this distance (points) of the current price. */
  freezeLevel: number;
}

export function roundMt5(price: number, grid: SymbolGrid, side: RoundSide): number {
  const tick = grid.tickSize > 0 ? grid.tickSize : grid.point;
  return Number(roundToTick(price, tick, side).toFixed(grid.digits));
}

/** Which way an order's or a stop's price may be rounded without harming the trader. */
export type PriceRole = "buy_limit" | "sell_limit" | "buy_stop" | "sell_stop" | "long_sl" | "long_tp" | "short_sl" | "short_tp";

/**
 * The safe side: a buy limit never pays more than asked (down), a sell limit never sells for less (up); a stop
 * entry never triggers earlier than asked (buy up, sell down); a stop loss moves away from the price (a long's
 * down, a short's up) and a take profit never takes less than asked (a long's up, a short's down).
 */
export function safeSide(role: PriceRole): RoundSide {
  switch (role) {
    case "buy_limit":
    case "sell_stop":
    case "long_sl":
    case "short_tp":
      return "down";
    case "sell_limit":
    case "buy_stop":
    case "long_tp":
    case "short_sl":
      return "up";
  }
}

/**
 * A stop loss or take profit kept at least `stopsLevel` points from the price it is measured against (MT5 checks a
 * long's SL/TP against the bid, a short's against the ask), moved away when closer, then put on the grid.
 */
export function respectStopsLevel(price: number, role: "long_sl" | "long_tp" | "short_sl" | "short_tp", market: number, grid: SymbolGrid): number {
  const min = grid.stopsLevel * grid.point;
  let p = price;
  if (min > 0) {
    if (role === "long_sl" || role === "short_tp") p = Math.min(p, market - min);
    else p = Math.max(p, market + min);
  }
  return roundMt5(p, grid, safeSide(role));
}

/** True when `price` (an order's or a stop's) is within the freeze distance of the market: the terminal answers FROZEN. */
export function isFrozen(price: number, market: number, grid: SymbolGrid): boolean {
  return grid.freezeLevel > 0 && Math.abs(price - market) < grid.freezeLevel * grid.point - 1e-12;
}
