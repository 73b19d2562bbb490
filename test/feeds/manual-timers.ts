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
    while (this.runNext(target));
    this.current = target;
  }

  /** When the earliest pending timer is due, or null. */
  nextDue(): number | null {
    let due: number | null = null;
    for (const p of this.pending) if (due === null || p.due < due) due = p.due;
    return due;
  }

  /**
   * Fires the earliest timer due by `limit` (moving the clock to its time) and returns true; false when none is.
   * A test that must let I/O and promises catch up between timers fires them one at a time with this.
   */
  runNext(limit: number): boolean {
    let next: Pending | undefined;
    for (const p of this.pending) if (p.due <= limit && (!next || p.due < next.due || (p.due === next.due && p.id < next.id))) next = p;
    if (!next) return false;
    this.pending = this.pending.filter((p) => p !== next);
    this.current = Math.max(this.current, next.due);
    next.fn();
    return true;
  }

  /** Moves the clock to `time` without firing anything (after runNext has fired everything due by then). */
  moveTo(time: number): void {
    this.current = Math.max(this.current, time);
  }
}
