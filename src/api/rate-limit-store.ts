/**
 * A fixed-window counter store for @fastify/rate-limit that reads time from an injectable clock
 * (the plugin's LocalStore reads Date.now()). Same contract as the plugin's stores, so a Redis store can replace it.
 */
import type { Clock } from "../domain/clock.js";

interface Window {
  current: number;
  start: number;
}

type Cb = (err: Error | null, res: { current: number; ttl: number }) => void;

export function clockedStore(clock: Clock, capacity = 10_000) {
  return class ClockedStore {
    private readonly windows = new Map<string, Window>();

    incr(key: string, cb: Cb, timeWindow: number): void {
      const now = clock.now();
      let w = this.windows.get(key);
      if (!w || w.start + timeWindow <= now) {
        w = { current: 0, start: now };
        if (this.windows.size >= capacity) this.windows.delete(this.windows.keys().next().value!);
      }
      w.current++;
      this.windows.delete(key);
      this.windows.set(key, w);
      cb(null, { current: w.current, ttl: w.start + timeWindow - now });
    }

    read(key: string, cb: Cb, timeWindow: number): void {
      const now = clock.now();
      const w = this.windows.get(key);
      if (!w || w.start + timeWindow <= now) return cb(null, { current: 0, ttl: 0 });
      cb(null, { current: w.current, ttl: w.start + timeWindow - now });
    }

    child(): ClockedStore {
      return new ClockedStore();
    }
  };
}
