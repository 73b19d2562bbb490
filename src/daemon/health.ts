/**
 * /health: database, broker and market data, checked side by side. The database and market data are read in the
 * process; the broker's check, the one that goes out, has its own limit (the seed's health check answers within
 * 5 s): a broker that does not answer in time is unhealthy, with that as the reason. The broker's
 * health is also polled in the background (an MT5 bridge call per webhook would be too slow); that cached answer
 * gates entries and is what `status` shows, so a hung bridge never holds up either. Market data is unhealthy while
 * a required stream is failed or stale right now, or has had no message for longer than its silence limit
 * (`staleAfterMs`) — so a stream stuck in connect/backoff cycles counts, a one-second reconnect does not.
 */
import type { HealthReport } from "../api/deps.js";
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import type { Broker, BrokerHealth, BrokerState } from "../engine/broker.js";
import type { Database } from "../store/database.js";
import type { FeedSet } from "./feed-set.js";

export interface BrokerStatus {
  connected: boolean;
  message: string | null;
  checked_at: number | null;
}

/** The broker check's limit, within the seed's 5 s for the whole of /health. */
export const CHECK_TIMEOUT_MS = 4000;

type Check = { healthy: true } | { healthy: false; messages: string[] };

/** A pair's Redis, as /health reports it (see cluster/pair.ts). */
export interface RedisHealth {
  health(): Promise<{ ok: boolean; error: string | null; warning: string | null; details: Record<string, unknown> }>;
}

/**
 * `onChange` hears when the broker goes from connected to not (or back), and about a first poll that finds it down:
 * the daemon journals these as `broker.state` events, which `tradectl report` lists as incidents.
 */
export function buildHealth(d: { db: Database; broker: Broker; feeds: FeedSet; clock: Clock; checkTimeoutMs?: number; onChange?: (s: BrokerStatus) => void; redis?: RedisHealth }) {
  const limitMs = d.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
  let last: BrokerHealth & { checked_at: number | null } = { kind: d.broker.kind, connected: true, checked_at: null };
  let polling: Promise<BrokerHealth> | null = null;
  let timer: NodeJS.Timeout | null = null;

  /** One health check of the broker at a time: a check asked for while one runs joins it. */
  const pollBroker = (): Promise<BrokerHealth> => {
    polling ??= within(d.broker.health(), limitMs, `the ${d.broker.kind} broker did not answer its health check within ${limitMs} ms`)
      .catch((err: Error): BrokerHealth => ({ kind: d.broker.kind, connected: false, message: err.message }))
      .then((h) => {
        const was = last.connected;
        last = { ...h, checked_at: d.clock.now() };
        if (was !== h.connected) d.onChange?.({ connected: h.connected, message: h.message ?? null, checked_at: last.checked_at });
        return h;
      })
      .finally(() => {
        polling = null;
      });
    return polling;
  };

  const checkBroker = async (): Promise<Check> => {
    const h = await pollBroker();
    return h.connected ? { healthy: true } : { healthy: false, messages: [h.message ?? `${h.kind} broker not connected`] };
  };
  const checkDatabase = async (): Promise<Check> => (d.db.ping() ? { healthy: true } : { healthy: false, messages: ["the journal did not answer"] });
  // A required stream that is failed, stale, or silent past its limit while it reconnects (FeedSet.problems).
  const checkMarketData = async (): Promise<Check> => {
    const bad = d.feeds.problems();
    return bad.length ? { healthy: false, messages: bad.map((p) => p.message) } : { healthy: true };
  };

  return {
    brokerStatus: (): BrokerStatus => ({ connected: last.connected, message: last.message ?? null, checked_at: last.checked_at }),

    /**
     * The broker as `status` shows it, without waiting on it: the last background check of a broker outside the
     * process (MT5); a broker inside it (paper) is asked directly, since that is no round trip.
     */
    async brokerState(): Promise<BrokerState> {
      if (d.broker.external !== false) return { ...last, checked_at: last.checked_at === null ? null : new Date(last.checked_at).toISOString() };
      const h = await d.broker.health();
      const account = h.connected ? await d.broker.accountInfo().catch(() => null) : null;
      return { ...h, ...(account ? { account } : {}), checked_at: new Date(d.clock.now()).toISOString() };
    },

    startBrokerPolling(config: TradectlConfig): void {
      const every = config.broker.kind === "mt5" ? 5000 : 30_000;
      void pollBroker();
      timer = setInterval(() => void pollBroker(), every);
      timer.unref();
    },

    stop(): void {
      if (timer) clearInterval(timer);
    },

    async report(): Promise<HealthReport> {
      const checks: Array<[string, () => Promise<Check>]> = [
        ["database", checkDatabase],
        ["broker", checkBroker],
        ["market_data", checkMarketData],
      ];
      const results = await Promise.all(checks.map(([, check]) => check().catch((err: Error): Check => ({ healthy: false, messages: [err.message] }))));
      const components: HealthReport["components"] = {};
      const errors: HealthReport["errors"] = [];
      checks.forEach(([name], i) => {
        const r = results[i]!;
        components[name] = r.healthy ? "healthy" : "unhealthy";
        if (!r.healthy) for (const message of r.messages) errors.push({ component: name, message });
      });
      const extra: Pick<HealthReport, "warnings" | "details"> = {};
      if (d.redis) {
        const r = await within(d.redis.health(), limitMs, `redis did not answer within ${limitMs} ms`).catch((err: Error) => ({ ok: false, error: err.message, warning: null, details: {} }));
        components.redis = r.ok ? "healthy" : "unhealthy";
        if (r.error) errors.push({ component: "redis", message: r.error });
        if (r.warning) extra.warnings = [{ component: "redis", message: r.warning }];
        extra.details = { redis: r.details };
      }
      const healthy = Object.values(components).every((c) => c === "healthy");
      return { status: healthy ? "healthy" : "unhealthy", components, errors, ...extra };
    },
  };
}

/** `p`, or a rejection with `message` once `ms` have passed (p itself is left to finish on its own). */
function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
