/** A FeedSink that records everything and lets a test wait for a condition. */
import type { BrokerTransaction, FeedSink, StreamStatus } from "../../src/engine/feed.js";
import type { Quote } from "../../src/domain/types.js";

export class RecordingSink implements FeedSink {
  quotes: Quote[] = [];
  transactions: BrokerTransaction[] = [];
  states: StreamStatus[] = [];
  /** When each state arrived, on the clock given to the constructor. */
  stateTimes: number[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  quote(q: Quote): void {
    this.quotes.push(q);
    this.poke();
  }
  transaction(tx: BrokerTransaction): void {
    this.transactions.push(tx);
    this.poke();
  }
  state(s: StreamStatus): void {
    this.states.push(s);
    this.stateTimes.push(this.now());
    this.poke();
  }

  stateNames(): string[] {
    return this.states.map((s) => s.state);
  }

  /** When the stream first reached `state` at or after `from`, or undefined. */
  timeOf(state: string, from = -Infinity): number | undefined {
    return this.stateTimes.find((t, i) => t >= from && this.states[i]!.state === state);
  }

  lastQuote(instrument: string): Quote | undefined {
    return this.quotes.findLast((q) => q.instrument === instrument);
  }

  /** Resolves when `check` holds; rejects after a generous timeout naming `what`. */
  waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(new Error(`timed out waiting for ${what}; states: ${this.stateNames().join(" → ")}`));
      }, timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private poke(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }
}
