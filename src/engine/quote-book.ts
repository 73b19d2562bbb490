/** The latest quote of every instrument, as the feeds deliver them. */
import type { Quote } from "../domain/types.js";

export class QuoteBook {
  private readonly quotes = new Map<string, Quote>();

  /** Instrument name used by the feeds for a ticker (the broker symbol when one is configured). */
  constructor(private readonly symbolOf: (ticker: string) => string = (t) => t) {}

  update(q: Quote): void {
    this.quotes.set(q.instrument, q);
  }

  get(instrument: string): Quote | undefined {
    return this.quotes.get(instrument);
  }

  forTicker(ticker: string): Quote | undefined {
    return this.quotes.get(this.symbolOf(ticker)) ?? this.quotes.get(ticker);
  }

  all(): Quote[] {
    return [...this.quotes.values()].sort((a, b) => a.instrument.localeCompare(b.instrument));
  }
}
