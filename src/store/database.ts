/** Opens the journal: node:sqlite, WAL, synchronous=FULL (an accepted alert survives a power cut), migrations applied. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { OperationalError } from "../domain/errors.js";
import { MIGRATIONS } from "./migrations.js";

export type Row = Record<string, SQLInputValue>;

export class Database {
  readonly db: DatabaseSync;
  private depth = 0;

  constructor(readonly file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    try {
      this.db = new DatabaseSync(file);
      this.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
    } catch (err) {
      throw new OperationalError("JOURNAL_UNAVAILABLE", `cannot open the journal at ${file}: ${(err as Error).message}`, { cause: err });
    }
    this.migrate();
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    } finally {
      this.depth--;
    }
  }

  get<T = Row>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.db.prepare(sql).get(...params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const r = this.db.prepare(sql).run(...params);
    return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
  }

  /** A cheap round trip for health checks. */
  ping(): boolean {
    return this.get<{ ok: number }>("SELECT 1 AS ok")?.ok === 1;
  }

  schemaVersion(): number {
    return this.get<{ v: number }>("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?.v ?? 0;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const current = this.schemaVersion();
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      this.tx(() => {
        this.db.exec(m.sql);
        this.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, Date.now());
      });
    }
  }
}
