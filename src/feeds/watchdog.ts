/**
 * Declares a stream silent after `limitMs` without data. kick() is O(1) (no timer churn per
 * message): the one timer re-arms itself for the remaining time when it fires early.
 */
import type { FeedTimers } from "./timers.js";

export class Watchdog {
  private last = 0;
  private handle: unknown = null;

  constructor(
    private readonly timers: FeedTimers,
    private readonly limitMs: number,
    private readonly onSilent: (silentForMs: number) => void,
  ) {}

  start(): void {
    this.stop();
    this.last = this.timers.now();
    this.arm(this.limitMs);
  }

  kick(now: number = this.timers.now()): void {
    this.last = now;
  }

  stop(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  private arm(ms: number): void {
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      const silent = this.timers.now() - this.last;
      if (silent >= this.limitMs) this.onSilent(silent);
      else this.arm(this.limitMs - silent);
    }, ms);
  }
}
