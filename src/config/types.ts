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
  /** Paper/TSE: which tick-size table (呼値の単位) the ticker follows; TOPIX500 constituents and ETFs have the finer one. */
  tickTable?: "standard" | "topix500";
  /** Paper/TSE: the day's base price (基準値段, usually the previous close) for the daily price limit (値幅制限). */
  basePrice?: number;
  /** The size of one pip in price units (SL/TP/offsets/max_spread in pips); default 1 yen on the TSE, 10 points for 3/5-digit MT5 symbols, else 1 point. */
  pipSize?: number;
}

export type NotifyChannelKind = "telegram" | "discord" | "slack" | "webhook" | "email";
export type Severity = "info" | "warning" | "error" | "critical";

/** One notification channel. Its token, webhook URL or password comes only from the environment (`secretEnv`). */
export interface NotifyChannelConfig {
  name: string;
  kind: NotifyChannelKind;
  /** Notification keys it wants (`order.filled`, `order.*`, `signal.rejected:cooldown`, `*`); default: all but routine refusals. */
  events?: string[];
  /** Least severity sent (default info). */
  minSeverity?: Severity;
  /**
   * The environment variable (or `<NAME>_FILE`) holding this channel's secret: the Telegram bot token, the Discord
   * or Slack webhook URL, the generic webhook's signing key, the SMTP password. Defaults per kind.
   */
  secretEnv?: string;
  /** Telegram: the chat to write to. */
  chatId?: string;
  /** Telegram: the Bot API base URL (default https://api.telegram.org). */
  apiUrl?: string;
  /** Generic webhook: where to POST (the body is signed with the secret). */
  url?: string;
  /** E-mail over SMTP. */
  smtp?: { host: string; port?: number; secure?: boolean; user?: string; from: string; to: string[] };
  /** How long one request may take before it counts as failed (default 10 s). */
  timeoutMs?: number;
  /** Least time between two messages of this channel (defaults: Telegram 1 s, a Telegram group 3 s, Slack 1 s, e-mail 10 s). */
  minIntervalMs?: number;
  /** False keeps the channel configured but sends nothing. */
  enabled?: boolean;
}

export interface NotifyConfig {
  channels: NotifyChannelConfig[];
  /** A stream must stay down this long before it is notified (and then its recovery is). */
  streamStaleSeconds: number;
  /** Notifications not delivered within this many hours are dropped as expired (a dead channel keeps nothing forever). */
  maxAgeHours: number;
  /** Events arriving within this window of the first go out as one message. */
  batchDelayMs: number;
  /** A summary of the day at this local time ("HH:MM"; "" = none), in `timeZone`. */
  dailySummary: { at: string; timeZone: string };
}

export interface MetricsConfig {
  /** Collects metrics and serves GET /metrics on the control socket. */
  enabled: boolean;
  /** Also serves GET /metrics on 127.0.0.1 at this port (null = no port; 0 = any free port). */
  port: number | null;
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
    /** Whether an order may open a short position (the open of a reverse of a long). Off: the seed's no short selling. */
    allowShort: boolean;
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
  notify: NotifyConfig;
  metrics: MetricsConfig;
}
