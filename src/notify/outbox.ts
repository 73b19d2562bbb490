/** The notification outbox port; the journal's tables (store/notification-outbox.ts) are the implementation. */
import type { Severity } from "../config/types.js";
import type { OutboxRow } from "./notice.js";

export interface NewOutboxRow {
  /** The channels it is for (one row for all of them). */
  channels: string[];
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
  /** The oldest rows of a channel it is not done with, in order. */
  pending(channel: string, limit: number): OutboxRow[];
  /** How many rows each of these channels is not done with. */
  pendingCounts(channels: string[]): Map<string, number>;
  /** The channel is done (sent, refused for good or expired) with every row of it up to `id`. */
  doneThrough(channel: string, id: number, now: number): void;
  /** Removes rows older than `before` (past notify.maxAgeHours' bound, so every channel is done with them). */
  purge(before: number): number;
}
