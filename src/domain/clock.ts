/** Time source; tests inject a controllable one instead of sleeping. */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` once when the clock reaches `at` (Unix ms); returns a function that cancels it. A clock without
   * it is waited on in real time (see `wakeAt`).
   */
  wakeAt?(at: number, fn: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now(), wakeAt: realWake(() => Date.now()) };

/** `clock.wakeAt`, or a real timer for the time left on a clock that cannot schedule. */
export function wakeAt(clock: Clock, at: number, fn: () => void): () => void {
  return clock.wakeAt ? clock.wakeAt(at, fn) : realWake(() => clock.now())(at, fn);
}

function realWake(now: () => number): (at: number, fn: () => void) => () => void {
  return (at, fn) => {
    // A wake-up never keeps the process alive: whoever waits on it holds a promise, not the event loop.
    const timer = setTimeout(fn, Math.max(0, at - now()));
    timer.unref();
    return () => clearTimeout(timer);
  };
}

/** A clock that only moves when told; for tests and replays. Wake-ups fire as `set`/`advance` pass them. */
export class ManualClock implements Clock {
  private wakes: Array<{ at: number; fn: () => void }> = [];

  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
    this.fireDue();
  }
  advance(ms: number): void {
    this.set(this.current + ms);
  }
  wakeAt(at: number, fn: () => void): () => void {
    const w = { at, fn };
    this.wakes.push(w);
    if (at <= this.current) queueMicrotask(() => this.fireDue());
    return () => {
      this.wakes = this.wakes.filter((x) => x !== w);
    };
  }
  /** Wake-ups still waiting (a test can tell that something is waiting on this clock). */
  get pendingWakes(): number {
    return this.wakes.length;
  }
  private fireDue(): void {
    const due = this.wakes.filter((w) => w.at <= this.current).sort((a, b) => a.at - b.at);
    if (!due.length) return;
    this.wakes = this.wakes.filter((w) => w.at > this.current);
    for (const w of due) w.fn();
  }
}
