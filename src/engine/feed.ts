/** The Feed port: a price or account-event stream the daemon keeps alive. */
import type { Quote } from "../domain/types.js";

export type StreamState = "connecting" | "live" | "market-closed" | "stale" | "backoff" | "failed" | "stopped";

export interface StreamStatus {
  name: string;
  kind: string;
  stream: "prices" | "events";
  state: StreamState;
  last_message_at: string | null;
  reconnects: number;
  last_error: string | null;
}

/** An account event (fill, SL/TP fill, closeout, cancel) from a broker's event stream. */
export interface BrokerTransaction {
  id: string;
  /** Numeric ordering key (OANDA transaction ids are increasing integers). */
  seq: number;
  account_id: string;
  time: number;
  type: string;
  instrument: string | null;
  units: number | null;
  side: "buy" | "sell" | null;
  price: number | null;
  pl: number | null;
  raw: unknown;
}

/** Where a feed delivers what it reads. */
export interface FeedSink {
  quote(q: Quote): void;
  transaction(tx: BrokerTransaction): void;
  state(s: StreamStatus): void;
}

export interface Feed {
  readonly name: string;
  start(sink: FeedSink): void;
  stop(): Promise<void>;
  status(): StreamStatus;
}
