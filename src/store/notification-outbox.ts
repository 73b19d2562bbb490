/**
 * The notification outbox in the journal. New rows ride in the event log's batches (bulkDefer: no fsync, nothing on
 * the accept path but a queued insert); the sender's changes are relaxed commits (synchronous=NORMAL) on the main
 * connection, which a process crash keeps and only a power cut may undo — the cost of that is a notification sent
 * twice, never one lost. Readers flush the batch first, as the audit log's readers do.
 */
import type { Severity } from "../config/types.js";
import type { OutboxRow } from "../notify/notice.js";
import type { NewOutboxRow, Outbox } from "../notify/outbox.js";
import type { Database } from "./database.js";

const INSERT = "INSERT INTO notifications (channel, key, severity, event_id, created_at, payload) VALUES (?, ?, ?, ?, ?, ?)";

export class NotificationOutbox implements Outbox {
  constructor(private readonly db: Database) {}

  enqueue(rows: NewOutboxRow[]): void {
    for (const r of rows) this.db.bulkDefer(INSERT, r.channel, r.key, r.severity, r.eventId, r.createdAt, r.payload);
  }

  enqueueNow(rows: NewOutboxRow[], also?: () => void): void {
    this.db.flush();
    this.db.tx(
      () => {
        for (const r of rows) this.db.run(INSERT, r.channel, r.key, r.severity, r.eventId, r.createdAt, r.payload);
        also?.();
      },
      { durable: false },
    );
  }

  pending(channel: string, limit: number): OutboxRow[] {
    this.db.flush();
    const rows = this.db.all<{ id: number; channel: string; key: string; severity: string; created_at: number; payload: string; attempts: number }>(
      "SELECT id, channel, key, severity, created_at, payload, attempts FROM notifications WHERE state = 'pending' AND channel = ? ORDER BY id LIMIT ?",
      channel,
      limit,
    );
    // A burst is counted, not written out, past the channel's length limit: only the rows shown read their payload.
    return rows.map((r) => {
      let payload: Record<string, unknown> | undefined;
      return {
        id: r.id,
        channel: r.channel,
        key: r.key,
        severity: r.severity as Severity,
        created_at: r.created_at,
        attempts: r.attempts,
        get payload() {
          return (payload ??= JSON.parse(r.payload) as Record<string, unknown>);
        },
      };
    });
  }

  pendingCounts(): Map<string, number> {
    this.db.flush();
    const rows = this.db.all<{ channel: string; n: number }>("SELECT channel, COUNT(*) AS n FROM notifications WHERE state = 'pending' GROUP BY channel");
    return new Map(rows.map((r) => [r.channel, r.n]));
  }

  markSent(ids: number[], now: number): void {
    this.update(ids, "UPDATE notifications SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL", now);
  }

  markEnded(ids: number[], state: "failed" | "expired", error: string): void {
    this.update(ids, "UPDATE notifications SET state = ?, last_error = ?", state, error);
  }

  noteFailure(ids: number[], error: string): void {
    this.update(ids, "UPDATE notifications SET attempts = attempts + 1, last_error = ?", error);
  }

  purge(before: number): number {
    return this.db.run("DELETE FROM notifications WHERE state <> 'pending' AND created_at < ?", before).changes;
  }

  /** One statement for a delivery's rows (ids as a JSON array), a relaxed commit. */
  private update(ids: number[], set: string, ...params: Array<string | number>): void {
    if (!ids.length) return;
    this.db.tx(() => this.db.run(`${set} WHERE id IN (SELECT value FROM json_each(?))`, ...params, JSON.stringify(ids)), { durable: false });
  }
}
