/**
 * @fastify/rate-limit's store contract (incr, read, child) on Redis, so the pair counts one window per address across
 * both daemons: the same fixed-window script as the plugin's own RedisStore (INCR, the window's PEXPIRE on the first
 * hit). While Redis is unreachable the counting falls back to this daemon's own store, so a Redis outage does not
 * turn every request (exits included) into an error.
 */
import type { Redis } from "ioredis";

type Cb = (err: Error | null, res: { current: number; ttl: number }) => void;

interface Store {
  incr(key: string, cb: Cb, timeWindow: number, max?: number): void;
  read(key: string, cb: Cb, timeWindow: number): void;
  child(routeOptions?: unknown): Store;
}

const INCR = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); return {current, tonumber(ARGV[1])} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}
`;

export function redisRateLimitStore(redis: () => Redis | null, prefix: string, fallback: new () => Store, onFallback: (err: Error) => void) {
  return class RedisRateLimitStore implements Store {
    private readonly local: Store = new fallback();

    incr(key: string, cb: Cb, timeWindow: number): void {
      const r = redis();
      if (!r || r.status !== "ready") return this.local.incr(key, cb, timeWindow);
      r.eval(INCR, 1, prefix + key, timeWindow).then(
        (res) => {
          const [current, ttl] = res as [number, number];
          cb(null, { current, ttl });
        },
        (err: Error) => {
          onFallback(err);
          this.local.incr(key, cb, timeWindow);
        },
      );
    }

    read(key: string, cb: Cb, timeWindow: number): void {
      const r = redis();
      if (!r || r.status !== "ready") return this.local.read(key, cb, timeWindow);
      Promise.all([r.get(prefix + key), r.pttl(prefix + key)]).then(
        ([v, ttl]) => cb(null, { current: v === null ? 0 : Number(v), ttl: Math.max(0, ttl) }),
        () => this.local.read(key, cb, timeWindow),
      );
    }

    child(): Store {
      return new RedisRateLimitStore();
    }
  };
}
