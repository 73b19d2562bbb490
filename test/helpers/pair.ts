/**
 * A hot-standby pair for a test: one real redis-server and two daemons (in-process, or child processes for crash
 * tests) in temp homes sharing it, node "a" started first so that it leads. Everything stops and is removed after.
 */
import type { TestContext } from "node:test";
import { defer } from "./defer.js";
import { startTestDaemon, spawnDaemon, type SpawnedDaemon, type TestDaemon } from "./daemon.js";
import { startRedis, type RedisServer } from "./redis-server.js";
import { socketRequest } from "./socket-request.js";
import { tempHome } from "./temp-home.js";
import { until } from "./until.js";

export { until };

export const PAIR_SECRET = "pair-webhook-secret-0123456789";

export function pairConfig(redisUrl: string, node: string, extra: Record<string, unknown> = {}, leaseMs = 1000): Record<string, unknown> {
  const { risk, ...rest } = extra as { risk?: Record<string, unknown> };
  return {
    ...rest,
    risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100, ...(risk ?? {}) },
    redis: { url: redisUrl, keyPrefix: "test:" },
    cluster: { name: "pair", node, leaseMs },
  };
}

export interface Cluster {
  role: string;
  leader: string | null;
  lease: { token: number | null };
  redis: { state: string };
}

export const clusterOf = async (socketPath: string): Promise<Cluster> => (await socketRequest(socketPath, "GET", "/status")).body.data.cluster as Cluster;

export interface InProcessPair {
  redis: RedisServer;
  a: TestDaemon;
  b: TestDaemon;
}

export async function startPair(t: TestContext, opts: { extra?: Record<string, unknown>; env?: Record<string, string>; leaseMs?: number; redis?: RedisServer } = {}): Promise<InProcessPair> {
  const redis = opts.redis ?? (await startRedis());
  if (!opts.redis) defer(t, () => redis.stop());
  const env = { WEBHOOK_SECRET: PAIR_SECRET, ...(opts.env ?? {}) };
  const start = async (node: string) => {
    const { home, cleanup } = tempHome(pairConfig(redis.url, node, opts.extra, opts.leaseMs));
    defer(t, cleanup);
    const d = await startTestDaemon({ env, home });
    defer(t, () => d.close());
    return d;
  };
  const a = await start("a");
  await until("a to lead", () => clusterOf(a.socketPath), (c) => c.role === "leader");
  const b = await start("b");
  await until("b to follow a", () => clusterOf(b.socketPath), (c) => c.leader === "a");
  return { redis, a, b };
}

export async function spawnPairDaemon(t: TestContext, redisUrl: string, node: string, extra: Record<string, unknown>, env: Record<string, string>, leaseMs: number): Promise<SpawnedDaemon & { home: string }> {
  const { home, cleanup } = tempHome(pairConfig(redisUrl, node, extra, leaseMs));
  const d = await spawnDaemon(home, env);
  defer(t, cleanup);
  defer(t, () => d.stop("SIGKILL"));
  return { ...d, home };
}
