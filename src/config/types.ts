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
  relay: {
    /** The base URL others reach this daemon at (invitation URLs, the delivery URL it registers); "" = the public port's address. */
    publicUrl: string;
    /** One delivery attempt's time limit. */
    timeoutMs: number;
    /** Deliveries in flight to one receiver at most. */
    concurrency: number;
    /** Backoff between delivery attempts: from, doubling (jittered) up to. */
    retryMinMs: number;
    retryMaxMs: number;
    /** How far a signed request's timestamp may be from now, either side. */
    signatureWindowMs: number;
    /** A delivery slower than this (receipt → the receiver's answer) is logged as a warning. */
    slowDeliveryMs: number;
    /** Invitation mail (`relay invite --email`); the password comes from RELAY_SMTP_PASSWORD. */
    smtp: { host: string; port: number; secure: boolean; from: string; user: string };
  };
}
