/** The notification outbox port; the journal's table (store/notification-outbox.ts) is the implementation. */
import type { Severity } from "../config/types.js";
import type { OutboxRow } from "./notice.js";

export interface NewOutboxRow {
  channel: string;
  key: string;
  severity: Severity;
  eventId: string | null;
  createdAt: number;
  /** JSON of the (redacted) payload. */
  payload: string;
}

export interface Outbox {
  /** Adds rows in the event log's batches (no fsync of their own); `pending` sees them at once. */
  enqueue(rows: NewOutboxRow[]): void;
  /** Adds rows in one transaction now, together with `also` (the daily summary's "sent today" mark). */
  enqueueNow(rows: NewOutboxRow[], also?: () => void): void;
  /** The oldest pending rows of a channel. */
  pending(channel: string, limit: number): OutboxRow[];
  pendingCounts(): Map<string, number>;
  markSent(ids: number[], now: number): void;
  /** Ends rows without sending them: failed (refused for good) or expired (too old). */
  markEnded(ids: number[], state: "failed" | "expired", error: string): void;
  /** A delivery of these rows failed; they stay pending. */
  noteFailure(ids: number[], error: string): void;
  /** Removes ended rows older than `before`. */
  purge(before: number): number;
}
