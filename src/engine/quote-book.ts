/** The latest quote of every instrument, as the feeds deliver them. */
import { wakeAt, type Clock } from "../domain/clock.js";
import type { Quote } from "../domain/types.js";

export class QuoteBook {
  private readonly quotes = new Map<string, Quote>();
  /** Who waits for an instrument's next quote, by instrument name. */
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Instrument name used by the feeds for a ticker (the broker symbol when one is configured). */
  constructor(private readonly symbolOf: (ticker: string) => string = (t) => t) {}

  update(q: Quote): void {
    this.quotes.set(q.instrument, q);
    const waiting = this.waiters.get(q.instrument);
    if (!waiting) return;
    this.waiters.delete(q.instrument);
    for (const wake of waiting) wake();
  }

  get(instrument: string): Quote | undefined {
    return this.quotes.get(instrument);
  }

  forTicker(ticker: string): Quote | undefined {
    return this.quotes.get(this.symbolOf(ticker)) ?? this.quotes.get(ticker);
  }

  /**
   * The ticker's quote as soon as there is one: at once when the book has it, else when a feed delivers it.
   * Undefined when `until` (on `clock`) comes first, or when `signal` aborts. Woken by the quote itself, never polled.
   */
  firstQuote(ticker: string, until: number, clock: Clock, signal?: AbortSignal): Promise<Quote | undefined> {
    const known = this.forTicker(ticker);
    if (known || signal?.aborted || clock.now() >= until) return Promise.resolve(known);
    const names = [...new Set([this.symbolOf(ticker), ticker])];
    return new Promise((resolve) => {
      const finish = (): void => {
        cancelWake();
        signal?.removeEventListener("abort", finish);
        for (const n of names) {
          const set = this.waiters.get(n);
          set?.delete(finish);
          if (set?.size === 0) this.waiters.delete(n);
        }
        resolve(this.forTicker(ticker));
      };
      for (const n of names) {
        let set = this.waiters.get(n);
        if (!set) this.waiters.set(n, (set = new Set()));
        set.add(finish);
      }
      const cancelWake = wakeAt(clock, until, finish);
      signal?.addEventListener("abort", finish, { once: true });
    });
  }

  all(): Quote[] {
    return [...this.quotes.values()].sort((a, b) => a.instrument.localeCompare(b.instrument));
  }
}
