/** What the risk rules need, read from the journal (so it survives restarts) and marked to the latest quotes. */
import { midPrice } from "../domain/types.js";
import type { OrderJournal, PositionLedger } from "./ports.js";
import type { QuoteBook } from "./quote-book.js";

export interface RiskSnapshot {
  entriesToday: number;
  exitsToday: number;
  lastEntryAt: number | null;
  realizedToday: number;
  exposure: number;
  held: (ticker: string) => number;
}

export interface MarkedPosition {
  ticker: string;
  quantity: number;
  entry_price: number;
  current_price: number | null;
  unrealized_pnl: number;
  market_value: number;
}

export function markPositions(ledger: PositionLedger, quotes: QuoteBook): MarkedPosition[] {
  return ledger.positions().map((p) => {
    const q = quotes.forTicker(p.ticker);
    const current = q ? midPrice(q) : null;
    const mark = current ?? p.avg_price;
    return {
      ticker: p.ticker,
      quantity: p.quantity,
      entry_price: p.avg_price,
      current_price: current,
      unrealized_pnl: round2((mark - p.avg_price) * p.quantity),
      market_value: round2(mark * p.quantity),
    };
  });
}

export function readRiskSnapshot(journal: OrderJournal, ledger: PositionLedger, quotes: QuoteBook, now: number): RiskSnapshot {
  const day = journal.dayCounters(now);
  const positions = markPositions(ledger, quotes);
  // Orders accepted but not filled yet count too: an entry still at the broker adds exposure, and the exit that
  // follows it must find something to sell (it queues behind the entry on the same ticker).
  const open = journal.openOrderSummary();
  const openEntryValue = open
    .filter((o) => o.action === "buy")
    .reduce((sum, o) => {
      const q = quotes.forTicker(o.ticker);
      return sum + o.quantity * (o.limit_price ?? (q ? midPrice(q) : null) ?? o.reference_price ?? 0);
    }, 0);
  const pendingShares = (ticker: string) =>
    open.filter((o) => o.ticker === ticker).reduce((sum, o) => sum + (o.action === "buy" ? o.quantity : -o.quantity), 0);
  return {
    entriesToday: day.entries,
    exitsToday: day.exits,
    lastEntryAt: journal.lastEntryAt(),
    realizedToday: day.realized_pnl,
    exposure: positions.reduce((s, p) => s + p.market_value, 0) + openEntryValue,
    held: (t) => Math.max(0, (positions.find((p) => p.ticker === t)?.quantity ?? 0) + pendingShares(t)),
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
