/**
 * Feeds that cannot run side by side. The broker keeps one rates stream per access token (seed 003:
 * a new connection makes it drop the oldest with `disconnect` 60), so two price feeds of one account
 * with one token would take the stream from each other for as long as both run.
 */
import type { FeedConfig } from "../config/types.js";

/** Why these feeds cannot start together, or null. `tokenOf` resolves each feed's token (compared, never shown). */
export function sharedPriceStream(configs: readonly FeedConfig[], tokenOf: (c: FeedConfig) => string | undefined): string | null {
  const seen = new Map<string, FeedConfig>();
  for (const c of configs) {
    if (c.kind === "replay" || c.stream !== "prices" || !c.accountId) continue;
    const key = JSON.stringify([c.accountId, tokenOf(c) ?? null]);
    const first = seen.get(key);
    if (first) {
      return (
        `feeds "${first.name}" and "${c.name}" both stream prices for account ${c.accountId} with the same token: the broker keeps one ` +
        `price stream per token and would disconnect each in turn (disconnect 60) for as long as both run. Put every instrument ` +
        `in one of them, or give the other its own account and token.`
      );
    }
    seen.set(key, c);
  }
  return null;
}
