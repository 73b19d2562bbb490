/** SQLite idempotency keys (seed 5.1): a repeat within the window, even after a restart, gets the first response. */
import type { IdempotencyStore, StoredResponse } from "../engine/stores.js";
import type { Database } from "./database.js";

export class SqliteIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Database) {}

  get(key: string, now: number): StoredResponse | undefined {
    const row = this.db.get<{ status_code: number; response: string; signal_id: string | null }>(
      "SELECT status_code, response, signal_id FROM idempotency WHERE key = ? AND expires_at > ?",
      key,
      now,
    );
    return row && { status_code: row.status_code, response: JSON.parse(row.response), signal_id: row.signal_id };
  }

  put(key: string, value: StoredResponse, now: number, expiresAt: number, opts: { durable?: boolean } = {}): void {
    (opts.durable === false ? this.db.bulkRun : this.db.run).call(
      this.db,
      `INSERT INTO idempotency (key, created_at, expires_at, status_code, response, signal_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET status_code = excluded.status_code, response = excluded.response,
         signal_id = COALESCE(excluded.signal_id, idempotency.signal_id)`,
      key,
      now,
      expiresAt,
      value.status_code,
      JSON.stringify(value.response),
      value.signal_id,
    );
  }

  purgeExpired(now: number): number {
    return this.db.run("DELETE FROM idempotency WHERE expires_at <= ?", now).changes;
  }
}
