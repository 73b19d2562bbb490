/**
 * A channel's breaker, so that a dead channel costs nothing: after `threshold` deliveries in a row fail (each one
 * already retried with backoff), or at once when the service refuses the channel itself (bad token, unknown chat),
 * it opens and no request is made until its wait ends (doubling from `baseMs` to `capMs` while it keeps failing);
 * then one delivery is tried (half-open), and one success closes it. Notifications wait in the outbox meanwhile.
 */
export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  private failures = 0;
  private openings = 0;
  private openUntil: number | null = null;

  constructor(private readonly o: { threshold?: number; baseMs?: number; capMs?: number } = {}) {}

  state(now: number): BreakerState {
    if (this.openUntil === null) return "closed";
    return now >= this.openUntil ? "half-open" : "open";
  }

  /** When it lets a delivery through again (null while closed). */
  retryAt(): number | null {
    return this.openUntil;
  }

  success(): void {
    this.failures = 0;
    this.openings = 0;
    this.openUntil = null;
  }

  /** A failed delivery; `trip` opens the breaker at once. Returns true when this failure opened (or kept open) it. */
  failure(now: number, trip = false): boolean {
    this.failures++;
    const halfOpen = this.openUntil !== null;
    if (!trip && !halfOpen && this.failures < (this.o.threshold ?? 3)) return false;
    const base = this.o.baseMs ?? 30_000;
    const wait = Math.min(base * 2 ** this.openings, this.o.capMs ?? 600_000);
    this.openings++;
    this.openUntil = now + wait;
    return true;
  }
}
