/** A FeedTimers whose clock moves only when a test calls advance(). */
import type { FeedTimers } from "../../src/feeds/timers.js";

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class ManualTimers implements FeedTimers {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.parse("2025-06-02T00:00:00.000Z")) {
    this.current = start;
  }

  now = (): number => this.current;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.pending.push({ id, due: this.current + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.pending = this.pending.filter((p) => p.id !== handle);
  };

  get size(): number {
    return this.pending.length;
  }

  /** Moves time forward, firing due timers in order (timers set while firing included). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => p.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }
}
