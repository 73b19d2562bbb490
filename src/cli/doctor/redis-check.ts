/**
 * The doctor's check of a pair's Redis (only when `redis.url` or REDIS_URL is set): reachable, its persistence
 * (a setting that can lose an answered alert is a warning, with what to change), and this machine's clock against
 * Redis's (an accepted alert's enqueue is refused by Redis past a deadline set by this clock).
 */
import type { TradectlConfig } from "../../config/types.js";
import { fail, ok, warn, type CheckResult } from "./check.js";

const CLOCK_WARN_MS = 250;

export async function checkRedis(config: TradectlConfig, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  const { redisTarget } = await import("../../cluster/pair.js");
  let target: ReturnType<typeof redisTarget>;
  try {
    target = redisTarget(config, env);
  } catch (err) {
    return [fail("redis", (err as Error).message, "fix REDIS_URL_FILE / REDIS_PASSWORD_FILE")];
  }
  if (!target) return [];
  const { Redis } = await import("ioredis");
  const { judgePersistence, readPersistence } = await import("../../cluster/persistence.js");
  const r = new Redis(target.url, { ...(target.password ? { password: target.password } : {}), lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 3000, retryStrategy: () => null, enableOfflineQueue: false });
  r.on("error", () => undefined);
  const where = new URL(target.url).host;
  try {
    await r.connect();
    const t0 = performance.now();
    await r.ping();
    const latency = performance.now() - t0;
    const before = Date.now();
    const [sec, usec] = (await r.time()) as unknown as [string, string];
    const offset = Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - (before + Date.now()) / 2;
    const facts = await readPersistence(r as never);
    const v = judgePersistence(facts, config.redis.waitReplicas);
    const out: CheckResult[] = [ok("redis", `${where} answers in ${latency.toFixed(1)} ms (${facts.role})`)];
    out.push(v.safe ? ok("redis persistence", v.summary) : warn("redis persistence", v.summary, v.hint ?? undefined));
    const said = `${Math.round(offset)} ms off Redis's clock`;
    out.push(Math.abs(offset) > CLOCK_WARN_MS ? warn("redis clock", said, "enable NTP on both machines: an alert's enqueue is refused past a deadline of this clock") : ok("redis clock", said));
    return out;
  } catch (err) {
    return [fail("redis", `${where}: ${(err as Error).message}`, "is redis-server running and reachable, and REDIS_PASSWORD right?")];
  } finally {
    r.disconnect();
  }
}
