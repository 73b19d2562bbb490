/**
 * The daily summary: once a day at `at` (HH:MM) in `timeZone`. Checked every 30 s; the day it went out is kept in the
 * state store in the same transaction as its notifications, so a restart neither repeats nor forgets it (a daemon
 * that was down at the time sends it when it comes back the same day).
 */
import type { FeedTimers } from "../feeds/timers.js";

const CHECK_MS = 30_000;

export interface SummaryClock {
  /** "YYYY-MM-DD" and "HH:MM" of `ms` in the time zone. */
  local(ms: number): { date: string; time: string };
}

/** Throws a RangeError for an unknown time zone (checked when the notifier starts). */
export function zonedClock(timeZone: string): SummaryClock {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return {
    local(ms) {
      const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
      return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
    },
  };
}

export class DailySummary {
  private timer: unknown = null;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly d: {
      timers: FeedTimers;
      at: string;
      clock: SummaryClock;
      lastSent: () => string | undefined;
      /** Builds and enqueues the summary of `date`, marking it sent in the same transaction. */
      send: (date: string) => Promise<void>;
      onError: (err: unknown) => void;
    },
  ) {}

  start(): void {
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.d.timers.clearTimeout(this.timer);
  }

  /** Sends today's summary if its time has come and it has not gone out; then checks again in 30 s. */
  async check(): Promise<void> {
    if (this.stopped) return;
    if (!this.busy) {
      this.busy = true;
      try {
        const { date, time } = this.d.clock.local(this.d.timers.now());
        if (time >= this.d.at && this.d.lastSent() !== date) await this.d.send(date);
      } catch (err) {
        this.d.onError(err);
      } finally {
        this.busy = false;
      }
    }
    if (this.stopped) return;
    this.timer = this.d.timers.setTimeout(() => void this.check(), CHECK_MS);
  }
}
