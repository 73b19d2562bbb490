/** What a format parser turns one stream line or SSE event into. */
import type { BrokerTransaction } from "../../engine/feed.js";

export interface PriceMessage {
  type: "price";
  instrument: string;
  bid: number;
  ask: number;
  /** Unix ms of the price (null when the source gave none). */
  time: number | null;
  tradeable: boolean;
}

export interface HeartbeatMessage {
  type: "heartbeat";
  time: number | null;
  /** v20 transaction stream heartbeats carry the account's last transaction id. */
  lastTransactionId?: string;
}

export interface TransactionMessage {
  type: "transaction";
  tx: BrokerTransaction;
}

export interface DisconnectMessage {
  type: "disconnect";
  code: number | null;
  message: string;
}

/** Valid JSON of a shape this format does not know, or a value that failed validation. */
export interface UnknownMessage {
  type: "unknown";
  reason: string;
}

export type FeedMessage = PriceMessage | HeartbeatMessage | TransactionMessage | DisconnectMessage | UnknownMessage;

/** Validates a two-sided price; returns a reason when it is unusable. */
export function checkPrice(bid: number | null, ask: number | null): string | null {
  if (bid === null || ask === null) return "missing bid/ask";
  if (bid <= 0 || ask <= 0) return "non-positive price";
  if (ask < bid) return "crossed price (ask < bid)";
  return null;
}
