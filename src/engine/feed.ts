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
  /** While waiting to reconnect: when the next attempt is due. */
  next_attempt_at: string | null;
  /** The server ended the stream with the same `disconnect` code several times in a row (another client?). */
  repeated_disconnect: RepeatedDisconnect | null;
  /** Events streams: a transaction gap being filled (null when caught up). */
  gap_fill?: GapFillStatus | null;
  /** Events streams: the account's margin call, from its MARGIN_CALL_* transactions (null when none). */
  margin_call?: MarginCallView | null;
}

export interface RepeatedDisconnect {
  code: number | null;
  /** Disconnects with this code in a row. */
  count: number;
  since: string;
  message: string;
}

/** A gap in an event stream's transaction ids being filled from the broker's REST history. */
export interface GapFillStatus {
  /** `filling`: pages are being fetched; `failing`: the gap could not be filled so far and is retried. */
  state: "filling" | "failing";
  /** The cursor: the last transaction applied. */
  after_id: string | null;
  /** The account's last transaction id, as far as known. */
  through_id: string | null;
  /** Later transactions received from the stream, waiting for the gap to close. */
  held: number;
  /** Pages applied since the gap was found. */
  pages: number;
  /** Failed attempts in a row. */
  failures: number;
  since: string;
  next_attempt_at: string | null;
  last_error: string | null;
}

/** An account in margin call (OANDA MARGIN_CALL_ENTER, then MARGIN_CALL_EXTEND until MARGIN_CALL_EXIT). */
export interface MarginCallView {
  account_id: string;
  since: string;
  transaction_id: string;
  /** Extensions granted so far (MARGIN_CALL_EXTEND). */
  extensions: number;
  last_transaction_id: string;
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
