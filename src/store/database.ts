/**
 * Opens the journal: node:sqlite, WAL, migrations applied, two connections to the one file:
 * - `main`: signals, orders, fills, positions, idempotency keys, state. A durable commit here is on disk before the
 *   webhook answers, so an accepted alert survives a power cut.
 * - `bulk`: the raw-alert log, the event/audit log, written in batches (bulkDefer) that cost no sync; a crash loses at
 *   most the last batch, never a signal or an order.
 * Both run on the one event-loop thread and every transaction is synchronous, so they never wait on each other.
 *
 * Durability: both connections run synchronous=NORMAL, and a durable commit is made durable by an fdatasync of the
 * WAL file right after COMMIT, before anything is answered. In WAL mode a transaction is durable once its frames
 * are on disk, which this sync ensures exactly as synchronous=FULL does, but SQLite's own sync is an fsync, which on
 * ext4 also commits the file's new mtime to the filesystem journal on every commit; fdatasync skips that when the
 * WAL is rewritten in place (after a checkpoint it restarts at its beginning). SQLite still syncs the WAL header
 * itself when the WAL restarts, and syncs the WAL before every checkpoint.
 */
import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { TradectlError } from "../domain/errors.js";
import { MIGRATIONS } from "./migrations.js";

export type Row = Record<string, SQLInputValue>;
export type CommitKind = "durable" | "relaxed" | "batch";

const DEFER_MS = 20;

class Connection {
  private readonly statements = new Map<string, StatementSync>();

  constructor(readonly db: DatabaseSync) {}

  /** Prepared once per SQL text: preparing on every call costs more than running a small statement. */
  prepare(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  run(sql: string, params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const r = this.prepare(sql).run(...params);
    return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
  }
}

function open(file: string, autoCheckpoint: boolean): DatabaseSync {
  try {
    const db = new DatabaseSync(file);
    // 1 KB pages (a new file only; an existing one keeps its size): each commit rewrites every page it touches, and
    // a journal row is a few hundred bytes, so small pages cut the WAL written per alert about threefold.
    db.exec("PRAGMA page_size=1024");
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
    // With a Checkpointer running, no commit of ours should stall on a checkpoint.
    if (!autoCheckpoint) db.exec("PRAGMA wal_autocheckpoint=0");
    return db;
  } catch (err) {
    throw new TradectlError("JOURNAL_UNAVAILABLE", `cannot open the journal at ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export class Database {
  readonly db: DatabaseSync;
  private readonly main: Connection;
  private readonly bulkConn: Connection;
  private depth = 0;
  /**
   * Told after every commit, with how long the commit took (the Checkpointer keeps out of the way while the journal is
   * busy; the metrics time it): durable (fsync), relaxed (no fsync) or batch (the bulk connection's deferred rows).
   */
  onCommit: (ms: number, kind: CommitKind) => void = () => {};
  private deferred: Array<{ sql: string; params: SQLInputValue[] }> = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** The WAL file, opened at the first durable commit (SQLite creates it with the first write). */
  private walFd: number | null = null;
  /** How many times the WAL was synced (one per durable commit). */
  syncs = 0;

  /** `autoCheckpoint: false` when a Checkpointer (a worker thread) keeps the WAL small instead. */
  constructor(readonly file: string, opts: { autoCheckpoint?: boolean } = {}) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const auto = opts.autoCheckpoint !== false;
    this.db = open(file, auto);
    this.main = new Connection(this.db);
    this.migrate();
    // An in-memory database cannot be shared between connections: there, bulk writes use the main one.
    this.bulkConn = file === ":memory:" ? this.main : new Connection(open(file, auto));
  }

  /**
   * Runs `fn` in one transaction on the main connection; nested calls join the outer one. The commit is durable
   * (the WAL synced) before this returns, unless `durable: false`: for writes that a power cut may undo without
   * harm, such as a paper fill, whose broker is the journal itself. A later durable commit makes it durable too
   * (the WAL is synced in order).
   */
  tx<T>(fn: () => T, opts: { durable?: boolean } = {}): T {
    if (this.depth > 0) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    this.depth++;
    let out: T;
    let t0 = 0;
    try {
      out = fn();
      t0 = performance.now();
      this.db.exec("COMMIT");
    } catch (err) {
      // SQLite may already have rolled back (disk full, I/O error): never hide the real error behind ours.
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw err;
    } finally {
      this.depth--;
    }
    const durable = opts.durable !== false;
    if (durable) this.syncWal();
    this.onCommit(performance.now() - t0, durable ? "durable" : "relaxed");
    return out;
  }


  /** Makes every commit so far durable: fdatasync of the WAL file. */
  private syncWal(): void {
    if (this.file === ":memory:") return;
    try {
      // SQLite deletes the WAL when its last connection closes; a file replaced under us is opened afresh.
      if (this.walFd !== null && fstatSync(this.walFd).nlink === 0) {
        closeSync(this.walFd);
        this.walFd = null;
      }
      this.walFd ??= openSync(`${this.file}-wal`, "r");
      fdatasyncSync(this.walFd);
      this.syncs++;
    } catch (err) {
      throw new TradectlError("JOURNAL_SYNC_FAILED", `the journal could not be synced to disk: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Inside a transaction: runs `fn` so that if it throws, only its own writes are undone. */
  savepoint<T>(fn: () => T): T {
    this.db.exec("SAVEPOINT part");
    try {
      const out = fn();
      this.db.exec("RELEASE part");
      return out;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK TO part; RELEASE part");
      throw err;
    }
  }

  get<T = Row>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.main.prepare(sql).get(...params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.main.prepare(sql).all(...params) as T[];
  }

  /** A statement; outside a transaction it commits on its own, durably. */
  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    if (this.depth > 0) return this.main.run(sql, params);
    // Outside a transaction the statement is its own durable commit.
    const t0 = performance.now();
    const r = this.main.run(sql, params);
    this.syncWal();
    this.onCommit(performance.now() - t0, "durable");
    return r;
  }

  /**
   * A bulk write that may wait up to `DEFER_MS` to be committed with others in one transaction: rows that restate
   * or surround what the main connection commits durably (raw alerts, events, replaced answers), so that a burst of
   * them costs one commit per batch, not one per request. Readers of those tables call `flush()` first.
   */
  bulkDefer(sql: string, ...params: SQLInputValue[]): void {
    this.deferred.push({ sql, params });
    if (this.deferred.length >= 500) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), DEFER_MS);
  }

  flush(): void {
    // Inside a main transaction the bulk connection could not write (the main one holds the write lock): later.
    if (this.depth > 0) {
      this.flushTimer ??= setTimeout(() => this.flush(), 0);
      return;
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.deferred.length || !this.db.isOpen) return;
    const batch = this.deferred;
    this.deferred = [];
    const conn = this.bulkConn;
    try {
      conn.db.exec("BEGIN");
      let ms: number;
      try {
        for (const w of batch) conn.run(w.sql, w.params);
        const t0 = performance.now();
        conn.db.exec("COMMIT");
        ms = performance.now() - t0;
      } catch (err) {
        if (conn.db.isTransaction) conn.db.exec("ROLLBACK");
        throw err;
      }
      this.onCommit(ms, "batch");
    } catch (err) {
      // Audit-grade rows only (see bulkDefer): report, and never take the daemon down from a timer.
      this.onFlushError(err as Error, batch.length);
    }
  }

  /** Told when a batch of deferred rows could not be written. */
  onFlushError: (err: Error, rows: number) => void = (err, rows) => process.stderr.write(`tradectl: journal: ${rows} batched rows not written: ${err.message}\n`);

  /** A cheap round trip for health checks. */
  ping(): boolean {
    return this.get<{ ok: number }>("SELECT 1 AS ok")?.ok === 1;
  }

  schemaVersion(): number {
    return this.get<{ v: number }>("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")?.v ?? 0;
  }

  close(): void {
    this.flush();
    if (this.bulkConn !== this.main && this.bulkConn.db.isOpen) this.bulkConn.db.close();
    if (this.db.isOpen) this.db.close();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
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
