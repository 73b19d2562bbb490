/** Builds the Feed for one FeedConfig entry. */
import type { FeedConfig } from "../config/types.js";
import type { Feed } from "../engine/feed.js";
import type { FeedLogger } from "./logger.js";
import { ReplayFeed } from "./replay-feed.js";
import { StreamFeed, type StreamFeedOptions } from "./stream-feed.js";
import type { FeedTimers } from "./timers.js";

export interface CreateFeedDeps {
  /** OANDA_TOKEN (or the SSE source's bearer token). */
  token?: string;
  logger?: FeedLogger;
  timers?: FeedTimers;
  /** Last processed transaction id of an events stream (persisted by the daemon). */
  lastTransactionId?: string;
  /** Called with each processed transaction id, to persist it. */
  onTransactionId?: (id: string) => void;
  /** Further StreamFeed tuning (backoff, staleAfterMs, …). */
  stream?: Omit<StreamFeedOptions, "token" | "logger" | "timers" | "lastTransactionId" | "onTransactionId">;
}

export function createFeed(config: FeedConfig, deps: CreateFeedDeps = {}): Feed {
  if (config.kind === "replay") {
    return new ReplayFeed(config, { ...(deps.timers ? { timers: deps.timers } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
  }
  return new StreamFeed(config, {
    ...deps.stream,
    token: deps.token,
    logger: deps.logger,
    timers: deps.timers,
    lastTransactionId: deps.lastTransactionId,
    onTransactionId: deps.onTransactionId,
  });
}

export { ReplayFeed, DEFAULT_REPLAY_FILE } from "./replay-feed.js";
export { StreamFeed } from "./stream-feed.js";
export type { StreamFeedOptions } from "./stream-feed.js";
export type { FeedTimers } from "./timers.js";
export type { FeedLogger } from "./logger.js";
