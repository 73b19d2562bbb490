/** Typed shape of config.json (validated by ./schema.ts). */

export type FeedKind = "replay" | "oanda-v1" | "oanda-v20" | "sse";

export interface FeedConfig {
  name: string;
  kind: FeedKind;
  stream: "prices" | "events";
  /** Stream base URL (oanda-*, sse); for replay, a fixture file path (absolute, or relative to the package). */
  url?: string;
  /** REST base URL, for gap fill of an event stream. */
  restUrl?: string;
  accountId?: string;
  instruments?: string[];
  /** Silence limit before the stream is declared stale (default: prices 10 s, events 20 s). */
  staleAfterMs?: number;
  /** Longest wait between reconnect attempts (default 60 s); an auth refusal is retried at this interval. */
  maxBackoffMs?: number;
  /** Replay only: playback speed factor (1 = real time). */
  speed?: number;
  /** When true, /health market_data is unhealthy while this stream is stale or failed. */
  required?: boolean;
}

export interface InstrumentConfig {
  symbol: string;
  contractSize?: number;
  calendar?: "tse" | "fx" | "always";
}

export interface TradectlConfig {
  webhook: {
    host: string;
    port: number;
    syncBudgetMs: number;
    timestampWindowMs: number;
    signalTtlMs: number;
    ipAllowlist: { mode: "off" | "warning" | "strict"; allow: string[] };
    trustProxy: boolean;
    tls: { cert: string; key: string };
    rateLimits: { perMinute: number; perHour: number; perDay: number; statusPerMinute: number; adminPer5Minutes: number };
  };
  risk: {
    maxDailyEntries: number;
    cooldownMinutes: number;
    marketHours: "tse" | "fx" | "always";
    maxDailyLoss: number;
    maxExposure: number;
  };
  broker: {
    kind: "paper" | "mt5";
    paper: { initialCash: number; slippageBps: number; feeRate: number; feeMin: number };
    mt5: { url: string; timeoutMs: number; magic: number; syncSeconds: number };
  };
  feeds: FeedConfig[];
  instruments: Record<string, InstrumentConfig>;
  log: { level: string };
  /** Shared state of a hot-standby pair; off while `url` is empty (and REDIS_URL unset). */
  redis: {
    /** redis://host:port/db or rediss://…, without a password (REDIS_PASSWORD, or the whole URL in REDIS_URL). */
    url: string;
    keyPrefix: string;
    /** Replicas that must have an accepted alert (WAIT) before it is answered; 0: the master alone. */
    waitReplicas: number;
  };
  cluster: {
    /** The pair's name: its keys live under `<keyPrefix>{<name>}:`. */
    name: string;
    /** This daemon's name in the pair (lease holder, stream consumer); empty: host name and home folder. */
    node: string;
    /** The leader's lease; renewed every third of it, so a dead leader is replaced within it. */
    leaseMs: number;
    /** Redis unreachable: `refuse` answers entries 503 and lets exits through on the leader; `refuse-all` refuses exits too. */
    onRedisDown: "refuse" | "refuse-all";
  };
}
