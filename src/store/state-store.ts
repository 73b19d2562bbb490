/** SQLite key-value state: kill switch, paper account, stream cursors. */
import type { StateStore } from "../engine/ports.js";
import type { Database } from "./database.js";

export class SqliteStateStore implements StateStore {
  constructor(private readonly db: Database) {}

  get<T>(key: string): T | undefined {
    const row = this.db.get<{ value: string }>("SELECT value FROM state WHERE key = ?", key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown, now: number): void {
    this.db.run(
      "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      key,
      JSON.stringify(value),
      now,
    );
  }

  delete(key: string): void {
    this.db.run("DELETE FROM state WHERE key = ?", key);
  }
}
