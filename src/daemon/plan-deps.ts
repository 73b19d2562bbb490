/** What order planning reads, wired from the journal, the quotes, the broker and the instruments config. */
import type { InstrumentConfig } from "../config/types.js";
import { tseSpec, type InstrumentSpec } from "../domain/instrument-spec.js";
import type { Broker } from "../engine/broker.js";
import type { PlanDeps } from "../engine/plan-orders.js";
import type { OrderJournal, PositionLedger, StopBook } from "../engine/ports.js";
import type { QuoteBook } from "../engine/quote-book.js";

export function buildPlanDeps(d: {
  journal: OrderJournal;
  ledger: PositionLedger;
  stops: StopBook;
  quotes: QuoteBook;
  broker: Broker;
  instruments: () => Record<string, InstrumentConfig>;
  allowShort: () => boolean;
}): PlanDeps {
  return {
    position: (t) => d.ledger.position(t),
    positions: () => d.ledger.positions().filter((p) => p.quantity !== 0),
    stops: (t) => d.stops.get(t),
    working: (t) => d.journal.workingOrders(t),
    quote: (t) => d.quotes.forTicker(t),
    instrument: (t) => instrumentSpec(t, d.instruments()[t], d.broker),
    account: () => d.broker.accountNow?.() ?? null,
    allowShort: d.allowShort,
  };
}

/** The broker's own spec (MT5 symbol_info) when it has one; else the TSE grid of the paper broker from config. */
export function instrumentSpec(ticker: string, cfg: InstrumentConfig | undefined, broker: Broker): InstrumentSpec {
  const own = broker.instrumentSpec?.(ticker);
  if (own) return cfg?.pipSize ? { ...own, pipSize: cfg.pipSize } : own;
  return tseSpec(ticker, cfg?.tickTable ?? "standard", cfg?.basePrice ?? null, cfg?.pipSize ?? 1);
}
