/**
 * The notification outbox in the journal: one row per notification with the channels it is for, and one cursor per
 * channel. New rows ride in the event log's batches (bulkDefer: no fsync, nothing on the accept path but a queued
 * insert). A cursor moves in a relaxed commit (synchronous=NORMAL) once the service took a message: a process crash
 * keeps it, a power cut may undo it, and the cost of that is a notification sent twice, never one lost. Readers flush
 * the batch first, as the audit log's readers do.
 */
import type { Severity } from "../config/types.js";
import type { OutboxRow } from "../notify/notice.js";
import type { NewOutboxRow, Outbox } from "../notify/outbox.js";
import type { Database } from "./database.js";

const INSERT = "INSERT INTO notifications (key, severity, event_id, created_at, channels, payload) VALUES (?, ?, ?, ?, ?, ?)";
const tag = (channel: string) => `,${channel},`;

export class NotificationOutbox implements Outbox {
  private readonly cursors = new Map<string, number>();

  constructor(private readonly db: Database) {
    for (const r of db.all<{ channel: string; done_through: number }>("SELECT channel, done_through FROM notify_cursors")) this.cursors.set(r.channel, r.done_through);
  }

  enqueue(rows: NewOutboxRow[]): void {
    for (const r of rows) this.db.bulkDefer(INSERT, r.key, r.severity, r.eventId, r.createdAt, `,${r.channels.join(",")},`, r.payload);
  }

  enqueueNow(rows: NewOutboxRow[], also?: () => void): void {
    this.db.flush();
    this.db.tx(
      () => {
        for (const r of rows) this.db.run(INSERT, r.key, r.severity, r.eventId, r.createdAt, `,${r.channels.join(",")},`, r.payload);
        also?.();
      },
      { durable: false },
    );
  }

  pending(channel: string, limit: number): OutboxRow[] {
    this.db.flush();
    const rows = this.db.all<{ id: number; key: string; severity: string; created_at: number; payload: string }>(
      "SELECT id, key, severity, created_at, payload FROM notifications WHERE id > ? AND instr(channels, ?) > 0 ORDER BY id LIMIT ?",
      this.cursor(channel),
      tag(channel),
      limit,
    );
    // A burst is counted, not written out, past the channel's length limit: only the rows shown read their payload.
    return rows.map((r) => {
      let payload: Record<string, unknown> | undefined;
      return {
        id: r.id,
        channel,
        key: r.key,
        severity: r.severity as Severity,
        created_at: r.created_at,
        get payload() {
          return (payload ??= JSON.parse(r.payload) as Record<string, unknown>);
        },
      };
    });
  }

  pendingCounts(channels: string[]): Map<string, number> {
    this.db.flush();
    return new Map(
      channels.map((c) => [c, this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM notifications WHERE id > ? AND instr(channels, ?) > 0", this.cursor(c), tag(c))!.n]),
    );
  }

  doneThrough(channel: string, id: number, now: number): void {
    if (id <= this.cursor(channel)) return;
    this.db.tx(
      () =>
        this.db.run(
          "INSERT INTO notify_cursors (channel, done_through, updated_at) VALUES (?, ?, ?) ON CONFLICT(channel) DO UPDATE SET done_through = excluded.done_through, updated_at = excluded.updated_at",
          channel,
          id,
          now,
        ),
      { durable: false },
    );
    this.cursors.set(channel, id);
  }

  /** Once a day; a scan of the table (no index on time: every index would be one more page written per notice). */
  purge(before: number): number {
    return this.db.run("DELETE FROM notifications WHERE created_at < ?", before).changes;
  }

  private cursor(channel: string): number {
    return this.cursors.get(channel) ?? 0;
  }
}
