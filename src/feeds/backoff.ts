/** Reconnect pacing: exponential backoff with jitter, Retry-After, and a connection-rate limit. */
import type { FeedTimers } from "./timers.js";
import { delay } from "./timers.js";

export interface BackoffOptions {
  /** First wait (seed 003: 1 s), doubled per consecutive failure. */
  baseMs?: number;
  /** Longest wait. */
  capMs?: number;
  /** Up to this fraction is added at random (0.25 = +0–25 %). */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 1000, capMs: 60_000, jitter: 0.25 };

/** Wait before reconnect attempt after `failures` consecutive failures (1 → base). */
export function backoffDelay(failures: number, opts: Required<BackoffOptions>, random: () => number): number {
  const exp = opts.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30));
  const jittered = Math.min(exp, opts.capMs) * (1 + opts.jitter * random());
  return Math.round(Math.min(jittered, opts.capMs));
}

/** Retry-After as ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Allows at most `max` new connections in any `windowMs` (seed 003: too-frequent reconnects get 429). */
export class ConnectionRateLimiter {
  private readonly starts: number[] = [];
  constructor(
    private readonly timers: FeedTimers,
    private readonly max = 2,
    private readonly windowMs = 1000,
  ) {}

  /** Resolves when a new connection may start (false if aborted meanwhile). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      const now = this.timers.now();
      while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift();
      if (this.starts.length < this.max) {
        this.starts.push(now);
        return true;
      }
      const ok = await delay(this.timers, this.starts[0]! + this.windowMs - now, signal);
      if (!ok) return false;
    }
  }
}
