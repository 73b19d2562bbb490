/**
 * v20 gap fill, one page at a time: `GET {restUrl}/v3/accounts/{id}/transactions/sinceid?id=N`.
 * OANDA answers with at most 1000 transactions after N, oldest first, and `lastTransactionID` is the
 * account's last, not the page's: the caller applies the page and asks again from the last id it
 * applied (see TransactionSequencer), so a failed page costs only that page.
 */
import got from "got";
import type { BrokerTransaction } from "../engine/feed.js";
import { TradectlError } from "../domain/errors.js";
import { isRecord, toStringOrNull } from "../domain/values.js";
import { parseV20Transaction } from "./formats/oanda-v20.js";
import { authHeaders } from "./http-stream.js";

export interface SinceIdPage {
  /** The page's transactions, oldest first. */
  transactions: BrokerTransaction[];
  /** The account's last transaction id when the page was made. */
  lastTransactionId: string | null;
}

/** Fetches the page after `sinceId`; rejects when `signal` aborts (the caller's page timeout). */
export type FetchSince = (sinceId: string, signal: AbortSignal) => Promise<SinceIdPage>;

/** Builds a page fetcher; `urlFor(id)` gives the sinceid URL for one page. */
export function createSinceIdFetcher(urlFor: (sinceId: string) => string, token: string | undefined): FetchSince {
  return async (sinceId, signal) => {
    const body = await getJson(urlFor(sinceId), token, signal);
    if (!isRecord(body) || !Array.isArray(body.transactions)) {
      throw new TradectlError("FEED_GAP_FILL", "sinceid reply has no transactions list");
    }
    const transactions: BrokerTransaction[] = [];
    for (const t of body.transactions) {
      if (!isRecord(t)) continue;
      const msg = parseV20Transaction(t);
      if (msg.type === "transaction") transactions.push(msg.tx);
    }
    transactions.sort((a, b) => a.seq - b.seq);
    return { transactions, lastTransactionId: toStringOrNull(body.lastTransactionID) };
  };
}

async function getJson(url: string, token: string | undefined, signal: AbortSignal): Promise<unknown> {
  let res;
  try {
    res = await got(url, {
      headers: { accept: "application/json", ...authHeaders(token) },
      throwHttpErrors: false,
      retry: { limit: 0 },
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw new TradectlError("FEED_GAP_FILL", "sinceid page timed out");
    const code = (err as { code?: string }).code;
    throw new TradectlError("FEED_GAP_FILL", `sinceid request failed: ${code ?? "error"}`);
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new TradectlError("FEED_AUTH", `sinceid refused: HTTP ${res.statusCode} (check OANDA_TOKEN)`);
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new TradectlError("FEED_GAP_FILL", `sinceid failed: HTTP ${res.statusCode}`);
  }
  try {
    return JSON.parse(res.body);
  } catch {
    throw new TradectlError("FEED_GAP_FILL", "sinceid reply is not JSON");
  }
}
