/** v20 gap fill: `GET {restUrl}/v3/accounts/{id}/transactions/sinceid?id=N`, paged until caught up. */
import got from "got";
import type { BrokerTransaction } from "../engine/feed.js";
import { RejectedError, TemporaryError } from "../domain/errors.js";
import { isRecord, toStringOrNull } from "../domain/values.js";
import { parseV20Transaction } from "./formats/oanda-v20.js";
import { authHeaders } from "./http-stream.js";

export interface SinceIdResult {
  transactions: BrokerTransaction[];
  lastTransactionId: string | null;
}

export type FetchSince = (sinceId: string, signal: AbortSignal) => Promise<SinceIdResult>;

/** Builds a fetcher; `urlFor(id)` gives the sinceid URL for one page. */
export function createSinceIdFetcher(urlFor: (sinceId: string) => string, token: string | undefined, maxPages = 50): FetchSince {
  return async (sinceId, signal) => {
    const all: BrokerTransaction[] = [];
    let cursor = sinceId;
    let last: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const body = await getJson(urlFor(cursor), token, signal);
      if (!isRecord(body) || !Array.isArray(body.transactions)) {
        throw new TemporaryError("FEED_GAP_FILL", "sinceid reply has no transactions list");
      }
      last = toStringOrNull(body.lastTransactionID) ?? last;
      let maxSeq = Number(cursor);
      for (const t of body.transactions) {
        if (!isRecord(t)) continue;
        const msg = parseV20Transaction(t);
        if (msg.type !== "transaction") continue;
        all.push(msg.tx);
        maxSeq = Math.max(maxSeq, msg.tx.seq);
      }
      // The endpoint may cap one reply; ask again from the highest id until the account's last.
      if (body.transactions.length === 0 || last === null || maxSeq >= Number(last)) break;
      cursor = String(maxSeq);
    }
    return { transactions: all, lastTransactionId: last };
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
      timeout: { request: 15_000 },
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new TemporaryError("FEED_GAP_FILL", `sinceid request failed: ${code ?? "error"}`);
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new RejectedError("FEED_AUTH", `sinceid refused: HTTP ${res.statusCode} (check OANDA_TOKEN)`);
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new TemporaryError("FEED_GAP_FILL", `sinceid failed: HTTP ${res.statusCode}`);
  }
  try {
    return JSON.parse(res.body);
  } catch {
    throw new TemporaryError("FEED_GAP_FILL", "sinceid reply is not JSON");
  }
}
