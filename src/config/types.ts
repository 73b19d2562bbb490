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
  };
  broker: {
    kind: "paper" | "mt5";
    paper: { initialCash: number; slippageBps: number; feeRate: number; feeMin: number };
    mt5: { url: string; timeoutMs: number; magic: number; syncSeconds: number };
  };
  feeds: FeedConfig[];
  instruments: Record<string, InstrumentConfig>;
  log: { level: string };
  notify: NotifyConfig;
  metrics: MetricsConfig;
}
