/** SQLite idempotency keys (seed 5.1): a repeat within the window, even after a restart, gets the first response. */
import type { IdempotencyStore, StoredResponse } from "../engine/stores.js";
import type { Database } from "./database.js";

const UPSERT = `INSERT INTO idempotency (key, created_at, expires_at, status_code, response, signal_id) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET status_code = excluded.status_code, response = excluded.response,
    signal_id = COALESCE(excluded.signal_id, idempotency.signal_id)`;

export class SqliteIdempotencyStore implements IdempotencyStore {
  /** Replacements queued for a batched write: read from here until the batch is in the table. */
  private readonly pending = new Map<string, { value: StoredResponse; expiresAt: number }>();

  constructor(private readonly db: Database) {}

  get(key: string, now: number): StoredResponse | undefined {
    const queued = this.pending.get(key);
    if (queued && queued.expiresAt > now) return queued.value;
    const row = this.db.get<{ status_code: number; response: string; signal_id: string | null }>(
      "SELECT status_code, response, signal_id FROM idempotency WHERE key = ? AND expires_at > ?",
      key,
      now,
    );
    return row && { status_code: row.status_code, response: JSON.parse(row.response), signal_id: row.signal_id };
  }

  put(key: string, value: StoredResponse, now: number, expiresAt: number, opts: { durable?: boolean } = {}): void {
    const params = [key, now, expiresAt, value.status_code, JSON.stringify(value.response), value.signal_id] as const;
    if (opts.durable !== false) {
      this.pending.delete(key);
      this.db.run(UPSERT, ...params);
      return;
    }
    this.pending.set(key, { value, expiresAt });
    this.db.bulkDefer(UPSERT, ...params);
    for (const [k, p] of this.pending) {
      if (p.expiresAt > now && this.pending.size <= 10_000) break;
      this.pending.delete(k);
    }
  }

  purgeExpired(now: number): number {
    return this.db.run("DELETE FROM idempotency WHERE expires_at <= ?", now).changes;
  }
}
