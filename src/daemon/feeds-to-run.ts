/**
 * Which price and event streams a start runs, said once in the log: the configured feeds; without any, paper mode
 * replays the bundled recording, and live mode runs none. A replay's prices are recorded, not the market's: with a
 * live broker it runs only when the config (or `--feed`) names it.
 */
import type { FeedConfig, TradectlConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";

/** Without configured feeds (paper mode): the bundled recording, replayed in real time. */
const DEFAULT_FEEDS: FeedConfig[] = [{ name: "replay", kind: "replay", stream: "prices", speed: 1 }];

export function feedsToRun(config: TradectlConfig, logger: Pick<Logger, "info" | "warn">): FeedConfig[] {
  const live = config.broker.kind !== "paper";
  if (config.feeds.length === 0) {
    if (!live) {
      logger.info("no feeds configured: paper mode replays the bundled price recording (recorded prices, not the market's)", { feed: "replay" });
      return DEFAULT_FEEDS;
    }
    logger.warn(
      "no feeds configured: no price stream runs beside the live broker (the recorded replay never does unless configured); " +
        "the broker prices orders itself, but quotes, exposure estimates and /webhook/test have no market prices; configure a feed (e.g. the MT5 bridge's stream as kind sse)",
      { broker: config.broker.kind },
    );
    return [];
  }
  for (const f of config.feeds.filter((f) => f.kind === "replay")) {
    const level = live ? "warn" : "info";
    logger[level](`feed ${f.name} replays recorded prices${live ? " beside the live broker (configured explicitly)" : ""}: its quotes are not the market's`, { feed: f.name, broker: config.broker.kind, ...(f.url ? { file: f.url } : {}) });
  }
  return config.feeds;
}
