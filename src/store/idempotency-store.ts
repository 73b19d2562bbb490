/** SQLite idempotency keys (seed 5.1): a repeat within the window, even after a restart, gets the first answer. */
import type { AdmissionRecord, IdempotencyStore } from "../engine/ports.js";
import type { Database } from "./database.js";

const UPSERT = `INSERT INTO idempotency (key, created_at, expires_at, status_code, response, signal_id) VALUES (?, ?, ?, 0, ?, ?)
  ON CONFLICT(key) DO UPDATE SET status_code = 0, response = excluded.response, expires_at = MAX(expires_at, excluded.expires_at),
    signal_id = COALESCE(excluded.signal_id, idempotency.signal_id)`;

export class SqliteIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Database) {}

  get(key: string, now: number): AdmissionRecord | undefined {
    const row = this.db.get<{ status_code: number; response: string; signal_id: string | null; created_at: number }>(
      "SELECT status_code, response, signal_id, created_at FROM idempotency WHERE key = ? AND expires_at > ?",
      key,
      now,
    );
    if (!row) return undefined;
    // status_code 0: a typed record. Otherwise a row of an earlier version, which stored the HTTP answer itself.
    if (row.status_code === 0) return JSON.parse(row.response) as AdmissionRecord;
    const body = JSON.parse(row.response) as Record<string, unknown>;
    return {
      request_id: typeof body.request_id === "string" ? body.request_id : "",
      signal_id: row.signal_id,
      decided_at: row.created_at,
      processing_ms: 0,
      outcome: { kind: "answered", status_code: row.status_code, body },
    };
  }

  put(key: string, record: AdmissionRecord, now: number, expiresAt: number): void {
    this.db.run(UPSERT, key, now, expiresAt, JSON.stringify(record), record.signal_id);
  }

  extendAll(byMs: number, now: number): void {
    if (byMs > 0) this.db.run("UPDATE idempotency SET expires_at = expires_at + ? WHERE expires_at > ?", byMs, now);
  }

  purgeExpired(now: number): number {
    return this.db.run("DELETE FROM idempotency WHERE expires_at <= ?", now).changes;
  }
}
