/** Stream and REST URLs of each feed kind (OANDA v1 per seed 003, OANDA v20, generic SSE). */
import type { FeedConfig } from "../config/types.js";
import { TradectlError } from "../domain/errors.js";

function join(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, "") + path;
  return u;
}

function requireAccount(config: FeedConfig): string {
  if (!config.accountId) throw new TradectlError("FEED_CONFIG", `feed ${config.name}: accountId is required for ${config.kind}`);
  return config.accountId;
}

/** The stream URL for the given instruments (prices) or account (events). */
export function streamUrl(config: FeedConfig, instruments: readonly string[], sessionId: string): string {
  if (!config.url) throw new TradectlError("FEED_CONFIG", `feed ${config.name}: url is required`);
  const list = instruments.join(",");
  switch (config.kind) {
    case "oanda-v1": {
      if (config.stream === "prices") {
        const u = join(config.url, "/v1/prices");
        u.searchParams.set("accountId", requireAccount(config));
        u.searchParams.set("instruments", list);
        u.searchParams.set("sessionId", sessionId);
        return u.toString();
      }
      const u = join(config.url, "/v1/events");
      if (config.accountId) u.searchParams.set("accountIds", config.accountId);
      return u.toString();
    }
    case "oanda-v20": {
      const account = encodeURIComponent(requireAccount(config));
      if (config.stream === "prices") {
        const u = join(config.url, `/v3/accounts/${account}/pricing/stream`);
        u.searchParams.set("instruments", list);
        return u.toString();
      }
      return join(config.url, `/v3/accounts/${account}/transactions/stream`).toString();
    }
    case "sse": {
      // The URL is used as given; a prices feed adds its symbols when it has a list.
      const u = new URL(config.url);
      if (config.stream === "prices" && instruments.length > 0 && !u.searchParams.has("symbols")) u.searchParams.set("symbols", list);
      return u.toString();
    }
    default:
      throw new TradectlError("FEED_CONFIG", `feed ${config.name}: kind ${config.kind} has no stream URL`);
  }
}

/** v20 gap fill: transactions after (not including) `sinceId`. */
export function sinceIdUrl(config: FeedConfig, sinceId: string): string | null {
  const base = config.restUrl;
  if (!base || config.kind !== "oanda-v20" || !config.accountId) return null;
  const u = join(base, `/v3/accounts/${encodeURIComponent(config.accountId)}/transactions/sinceid`);
  u.searchParams.set("id", sinceId);
  return u.toString();
}
