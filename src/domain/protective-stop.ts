/**
 * Breakeven and trailing: where a position's stop loss should be, given the best price since it was opened.
 * A stop only ever tightens (a long's rises, a short's falls): never loosened, by these rules or by a modify.
 */
import type { Protection } from "./order-vocabulary.js";

export interface ProtectedPosition {
  long: boolean;
  /** The position's open price. */
  entry: number;
  stopLoss: number | null;
}

/**
 * The stop loss the rules want at `price` (a long's bid, a short's ask), or null when it stays where it is.
 * Breakeven moves it to entry ± offset once the profit reaches its trigger; trailing keeps it `distance` behind the
 * price once the profit reaches its trigger, in moves of at least `step`. The tighter of the two wins.
 */
export function nextStopLoss(pos: ProtectedPosition, price: number, rules: Protection): number | null {
  const profit = pos.long ? price - pos.entry : pos.entry - price;
  const candidates: number[] = [];
  if (rules.breakeven && profit >= rules.breakeven.trigger - 1e-12) {
    const be = pos.long ? pos.entry + rules.breakeven.offset : pos.entry - rules.breakeven.offset;
    candidates.push(be);
  }
  if (rules.trailing && profit >= rules.trailing.trigger - 1e-12) {
    const trail = pos.long ? price - rules.trailing.distance : price + rules.trailing.distance;
    const step = rules.trailing.step;
    const moved = pos.stopLoss === null || (pos.long ? trail - pos.stopLoss : pos.stopLoss - trail) >= step - 1e-12;
    if (moved) candidates.push(trail);
  }
  if (candidates.length === 0) return null;
  const best = pos.long ? Math.max(...candidates) : Math.min(...candidates);
  return tightens(pos.long, pos.stopLoss, best) ? best : null;
}

/** True when `next` is a tighter stop than `current` (or there was none). */
export function tightens(long: boolean, current: number | null, next: number): boolean {
  if (current === null) return true;
  return long ? next > current + 1e-12 : next < current - 1e-12;
}

/** Whether a position's stop has been hit at this quote: a long's at the bid, a short's at the ask. */
export function stopHit(long: boolean, stopLoss: number | null, takeProfit: number | null, bid: number, ask: number): "sl" | "tp" | null {
  const market = long ? bid : ask;
  if (stopLoss !== null && (long ? market <= stopLoss : market >= stopLoss)) return "sl";
  if (takeProfit !== null && (long ? market >= takeProfit : market <= takeProfit)) return "tp";
  return null;
}
