/** The event/audit log: every envelope except market ticks, kept 7 years. */
import type { EventEnvelope } from "../engine/envelope.js";
import type { Database } from "./database.js";

export class AuditLog {
  private seq: number;

  constructor(private readonly db: Database) {
    this.seq = db.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) AS s FROM events")?.s ?? 0;
  }

  /**
   * Batched with other events (committed within 20 ms, no fsync): an event restates what the journal's own rows,
   * committed with FULL durability, already hold; a crash can lose the last few milliseconds of them, never a signal.
   */
  append(e: EventEnvelope): void {
    this.db.bulkDefer(
      "INSERT OR IGNORE INTO events (id, seq, type, time, source, correlation_id, payload, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      e.id,
      ++this.seq,
      e.type,
      e.time,
      e.source,
      e.correlation_id,
      JSON.stringify(e.payload),
      JSON.stringify(e.meta),
    );
  }

  /** The latest events, oldest first; `type` is a prefix ("order." matches every order event). */
  list(opts: { type?: string; limit?: number; afterSeq?: number } = {}): Array<EventEnvelope & { seq: number }> {
    this.db.flush();
    const prefix = opts.type ? `${opts.type.replace(/[\\%_]/g, "\\$&")}%` : null;
    const rows = this.db.all<{ id: string; seq: number; type: string; time: string; source: string; correlation_id: string | null; payload: string; meta: string }>(
      `SELECT * FROM events WHERE seq > ? ${prefix ? "AND type LIKE ? ESCAPE '\\'" : ""} ORDER BY seq DESC LIMIT ?`,
      ...(prefix ? [opts.afterSeq ?? 0, prefix, opts.limit ?? 100] : [opts.afterSeq ?? 0, opts.limit ?? 100]),
    );
    return rows.reverse().map((r) => ({
      v: 1,
      id: r.id,
      seq: r.seq,
      type: r.type as EventEnvelope["type"],
      time: r.time,
      source: r.source,
      correlation_id: r.correlation_id,
      payload: JSON.parse(r.payload),
      meta: JSON.parse(r.meta),
    }));
  }
}
