/**
 * /health: database, broker and market data. The broker's health is polled in the background (an MT5 bridge call
 * per webhook would be too slow), and that cached answer also gates entries. Market data is unhealthy while a
 * required stream is failed or stale right now, or has had no message for longer than its silence limit
 * (`staleAfterMs`) — so a stream stuck in connect/backoff cycles counts, a one-second reconnect does not.
 */
import type { HealthReport } from "../api/deps.js";
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import type { Broker, BrokerHealth } from "../engine/broker.js";
import type { Database } from "../store/database.js";
import type { FeedSet } from "./feed-set.js";

export interface BrokerStatus {
  connected: boolean;
  message: string | null;
  checked_at: number | null;
}

/**
 * `onChange` hears when the broker goes from connected to not (or back), and about a first poll that finds it down:
 * the daemon journals these as `broker.state` events, which `tradectl report` lists as incidents.
 */
export function buildHealth(d: { db: Database; broker: Broker; feeds: FeedSet; clock: Clock; onChange?: (s: BrokerStatus) => void }) {
  let brokerStatus: BrokerStatus = { connected: true, message: null, checked_at: null };
  let timer: NodeJS.Timeout | null = null;

  const pollBroker = async (): Promise<BrokerHealth> => {
    const h = await d.broker.health().catch((err: Error): BrokerHealth => ({ kind: d.broker.kind, connected: false, message: err.message }));
    const was = brokerStatus;
    brokerStatus = { connected: h.connected, message: h.message ?? null, checked_at: d.clock.now() };
    if (was.connected !== brokerStatus.connected) d.onChange?.(brokerStatus);
    return h;
  };

  return {
    brokerStatus: (): BrokerStatus => brokerStatus,

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
      const components: HealthReport["components"] = {};
      const errors: HealthReport["errors"] = [];
      let dbOk = false;
      try {
        dbOk = d.db.ping();
      } catch (err) {
        errors.push({ component: "database", message: (err as Error).message });
      }
      components.database = dbOk ? "healthy" : "unhealthy";

      const h = await pollBroker();
      components.broker = h.connected ? "healthy" : "unhealthy";
      if (!h.connected) errors.push({ component: "broker", message: h.message ?? `${h.kind} broker not connected` });

      // A required stream that is failed, stale, or silent past its limit while it reconnects (FeedSet.problems).
      const bad = d.feeds.problems();
      components.market_data = bad.length ? "unhealthy" : "healthy";
      for (const p of bad) errors.push({ component: "market_data", message: p.message });

      const healthy = Object.values(components).every((c) => c === "healthy");
      return { status: healthy ? "healthy" : "unhealthy", components, errors };
    },
  };
}
