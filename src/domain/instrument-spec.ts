/**
 * What an order needs to know of its instrument: its price grid (the TSE table, or an MT5 symbol's), its lots and
 * its pip. `onGrid` puts a price on the grid toward the safe side and says what it did.
 */
import { isFrozen, respectStopsLevel, roundMt5, roundTse, safeSide, tsePriceBand, type PriceRole, type SymbolGrid, type TickTable } from "./price-grid.js";
import type { LotSpec } from "./sizing.js";

export type InstrumentGrid =
  | { kind: "tse"; table: TickTable; /** The day's base price (usually the previous close), for the price limit; null: unknown. */ basePrice: number | null }
  | ({ kind: "mt5" } & SymbolGrid);

export interface InstrumentSpec {
  ticker: string;
  grid: InstrumentGrid;
  lot: LotSpec;
  pipSize: number;
}

/** TSE shares on the paper broker: lots of 100 shares, 1 yen a pip. */
export function tseSpec(ticker: string, table: TickTable = "standard", basePrice: number | null = null, pipSize = 1): InstrumentSpec {
  return { ticker, grid: { kind: "tse", table, basePrice }, lot: { contractSize: 100, lotStep: 1, minLot: 1 }, pipSize };
}

export interface GridPrice {
  price: number;
  /** Set when the price sent differs from the price asked, saying how and why. */
  note?: string;
}

export type GridResult = { ok: true; value: GridPrice } | { ok: false; code: "PRICE_LIMIT" | "FROZEN"; message: string };

const STOP_ROLES = new Set<PriceRole>(["long_sl", "long_tp", "short_sl", "short_tp"]);

/**
 * `price` in `role` on the instrument's grid, toward the safe side. On the TSE a limit beyond the day's price limit
 * is refused (the exchange would); a stop beyond it is kept (it waits). On MT5 a stop loss / take profit (and a
 * pending price) closer to the market than trade_stops_level is moved away to that distance.
 */
export function onGrid(spec: InstrumentSpec, price: number, role: PriceRole, market: number | null): GridResult {
  const side = safeSide(role);
  const g = spec.grid;
  let sent: number;
  if (g.kind === "tse") {
    sent = roundTse(price, side, g.table);
    if (g.basePrice !== null && (role === "buy_limit" || role === "sell_limit")) {
      const band = tsePriceBand(g.basePrice);
      if (sent < band.lower || sent > band.upper) {
        return { ok: false, code: "PRICE_LIMIT", message: `limit ${sent} is outside today's price limit ${band.lower}–${band.upper} (base ${g.basePrice}, 値幅制限)` };
      }
    }
  } else if (market !== null && STOP_ROLES.has(role)) {
    sent = respectStopsLevel(price, role as "long_sl" | "long_tp" | "short_sl" | "short_tp", market, g);
  } else if (market !== null && g.stopsLevel > 0) {
    // A pending price must also keep trade_stops_level from the market: a limit further from it, a stop too.
    const min = g.stopsLevel * g.point;
    const below = role === "buy_limit" || role === "sell_stop";
    sent = roundMt5(below ? Math.min(price, market - min) : Math.max(price, market + min), g, side);
  } else {
    sent = roundMt5(price, g, side);
  }
  if (Math.abs(sent - price) < 1e-12) return { ok: true, value: { price: sent } };
  return { ok: true, value: { price: sent, note: `${price} → ${sent} (${g.kind === "tse" ? "TSE tick" : "symbol grid and stops level"}, rounded ${side})` } };
}

/** MT5 refuses a change of an order or stop this close to the market (trade_freeze_level). */
export function frozen(spec: InstrumentSpec, price: number | null, market: number | null): boolean {
  return spec.grid.kind === "mt5" && price !== null && market !== null && isFrozen(price, market, spec.grid);
}
