/**
 * Stop-loss, take-profit and pending prices given as a price, a distance in pips, or a distance in percent,
 * turned into prices. A distance is measured from a reference (the order's price for an entry, the position's
 * open price for a modify); a stop loss lies on the losing side of it, a take profit on the winning side.
 */
import type { PriceUnit } from "./order-vocabulary.js";

/** A distance in `unit` as a price difference. */
export function distanceOf(value: number, unit: PriceUnit, reference: number, pipSize: number): number {
  switch (unit) {
    case "price":
      return value;
    case "pips":
      return value * pipSize;
    case "percent":
      return (reference * value) / 100;
  }
}

/** A stop loss (`kind: "sl"`) or take profit (`"tp"`) for a long or short, as a price. */
export function stopPrice(value: number, unit: PriceUnit, kind: "sl" | "tp", long: boolean, reference: number, pipSize: number): number {
  if (unit === "price") return value;
  const d = distanceOf(value, unit, reference, pipSize);
  const up = (kind === "tp") === long;
  return up ? reference + d : reference - d;
}

/**
 * A pending order's price given as an offset from the market: a limit waits for a better price (a buy below the
 * ask, a sell above the bid), a stop for a worse one (a buy above the ask, a sell below the bid).
 */
export function pendingPrice(value: number, unit: PriceUnit, type: "limit" | "stop", buy: boolean, market: { bid: number; ask: number }, pipSize: number): number {
  if (unit === "price") return value;
  const reference = buy ? market.ask : market.bid;
  const d = distanceOf(value, unit, reference, pipSize);
  const up = (type === "stop") === buy;
  return up ? reference + d : reference - d;
}
