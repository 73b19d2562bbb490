/**
 * When a channel may send next: at least `minIntervalMs` after its last send (Telegram's one message a second per
 * chat), within a window limit it may share with other channels (Telegram's 30 a second per bot token), and not
 * before a time the service named (429 retry_after, Discord's empty bucket).
 */
export class WindowLimit {
  private readonly starts: number[] = [];
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  nextAt(now: number): number {
    while (this.starts.length && now - this.starts[0]! >= this.windowMs) this.starts.shift();
    return this.starts.length < this.max ? now : this.starts[0]! + this.windowMs;
  }

  take(now: number): void {
    this.starts.push(now);
  }
}

export class RateGate {
  private last = -Infinity;
  private blockedUntil = -Infinity;

  constructor(
    private readonly minIntervalMs: number,
    private readonly shared: WindowLimit | null = null,
  ) {}

  /** The earliest time a send may start. */
  nextAt(now: number): number {
    return Math.max(now, this.last + this.minIntervalMs, this.blockedUntil, this.shared?.nextAt(now) ?? now);
  }

  /** A send starts now. */
  take(now: number): void {
    this.last = now;
    this.shared?.take(now);
  }

  /** Nothing before `until` (the service said so). */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /** While blocked by the service: until when. */
  blocked(now: number): number | null {
    return this.blockedUntil > now ? this.blockedUntil : null;
  }
}
