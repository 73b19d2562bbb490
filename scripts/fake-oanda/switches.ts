/** The fake's fault switches: set at start (flags of main.ts) or flipped at runtime through `POST /_control`. */
export interface Switches {
  /** Milliseconds between generated ticks (0 = only on demand via emitTick). */
  tickMs: number;
  /** Milliseconds between heartbeats on every stream. */
  heartbeatMs: number;
  /** Destroy each stream connection's socket after it has written this many lines (0 = never). */
  dropAfterLines: number;
  /** Send a `disconnect` message (code 60) after this many lines, then end (0 = never). */
  disconnectAfterLines: number;
  /**
   * The streams stall: nothing reaches the client, and every line (heartbeats, prices, transactions) is held back,
   * in order, until the stall ends, as a stalled network delivers bytes late, not never.
   */
  stall: boolean;
  /** Answer the next K stream connection attempts with 429. */
  rateLimitCount: number;
  /** Retry-After seconds sent with a 429. */
  retryAfterSeconds: number;
  /** Answer the next K stream connection attempts with `serverErrorStatus`. */
  serverErrorCount: number;
  serverErrorStatus: number;
  /** Split every write at random byte offsets (mid-line and mid-UTF-8 character). */
  splitChunks: boolean;
  /** Write a garbage line before every Nth real line (0 = never). */
  garbageEvery: number;
  /** Snapshot prices not tradeable, then heartbeats only. */
  marketClosed: boolean;
  /** Leave the next K new transactions off the transaction streams (they stay in sinceid). */
  missTransactions: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (401 otherwise). */
  requireToken: string | null;
  /** v20 time fields as RFC 3339 ("rfc3339") or UNIX seconds strings ("unix"). */
  timeFormat: "rfc3339" | "unix";
  /**
   * Largest number of transactions one sinceid or idrange reply returns. OANDA returns at most 1000, oldest
   * first, with `lastTransactionID` still the account's last: a client must ask again from the last id it got.
   */
  sinceIdPageSize: number;
  /** Answer the next K transaction REST requests (sinceid, idrange) with 503. */
  restFailNext: number;
  /** Answer every Nth transaction REST request with 500 (0 = never). */
  restFailEvery: number;
  /** Answer a transaction REST request with 503 at this probability (the fake's seeded random). */
  restFailRate: number;
  /** Never answer the next K transaction REST requests (the connection stays open until the client gives up). */
  restHangNext: number;
}

export const DEFAULT_SWITCHES: Switches = {
  tickMs: 250,
  heartbeatMs: 1000,
  dropAfterLines: 0,
  disconnectAfterLines: 0,
  stall: false,
  rateLimitCount: 0,
  retryAfterSeconds: 1,
  serverErrorCount: 0,
  serverErrorStatus: 503,
  splitChunks: false,
  garbageEvery: 0,
  marketClosed: false,
  missTransactions: 0,
  requireToken: null,
  timeFormat: "rfc3339",
  sinceIdPageSize: 1000,
  restFailNext: 0,
  restFailEvery: 0,
  restFailRate: 0,
  restHangNext: 0,
};

/** OANDA's own cap on one transactions reply. */
export const MAX_TRANSACTIONS_PER_REPLY = 1000;
