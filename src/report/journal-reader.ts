/**
 * Reads what a report needs from the journal through a read-only SQLite connection: it works the same whether the
 * daemon runs (WAL lets a reader see every commit beside the writer) or not, so a report never fails because the
 * daemon restarted. Nothing here writes to the journal.
 */
import { chownSync, existsSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { TradectlError } from "../domain/errors.js";

export interface FillRow {
  id: number;
  order_id: string | null;
  ticker: string;
  action: "buy" | "sell";
  quantity: number;
  price: number;
  fee: number;
  realized_pnl: number;
  time: number;
}

export interface MarkRow {
  ticker: string;
  price: number;
  time: number;
}

export interface SignalRow {
  id: string;
  request_id: string;
  status: string;
  reason: string | null;
}

export interface AlertRow {
  request_id: string;
  status_code: number | null;
  error_code: string | null;
  signal_id: string | null;
  /** The request id of the signal the alert was answered with (a repeat's differs from its own). */
  signal_request_id: string | null;
}

export interface OrderRow {
  order_id: string;
  status: string;
  created_at: number;
  filled_at: number | null;
  signal_received_at: number | null;
}

/** A state change the timelines are built from: the daemon's starts and stops, streams, the broker. */
export interface StateEvent {
  seq: number;
  type: "system.started" | "system.stopping" | "stream.state" | "broker.state";
  time: number;
  payload: Record<string, unknown>;
  /** For system.started: the time of the event before it (where a run that ended without stopping, ended). */
  previous_time?: number | null;
}

export interface JournalData {
  fills: FillRow[];
  marks: MarkRow[];
  signals: SignalRow[];
  alerts: AlertRow[];
  orders: OrderRow[];
  /** signal id → "CODE" or "CODE/limit_type", from the signal.rejected events of the period. */
  refusals: Map<string, string>;
  /** State events of the run in progress at the period's start, before it, oldest first. */
  before: StateEvent[];
  /** State events within the period, oldest first. */
  during: StateEvent[];
  /** The time of the journal's last event (where a daemon that is not running now stopped writing). */
  last_event_time: number | null;
  /**
   * When the first run that started after the period did, the time of the event before it: a run still open at the
   * period's end ended there at the latest (null when no run started since).
   */
  next_run_previous_time: number | null;
}

const STATE_TYPES = "('system.started', 'system.stopping', 'stream.state', 'broker.state')";

export function readJournal(file: string, start: number, end: number, onStep: (step: string) => void = () => {}): JournalData {
  if (!existsSync(file)) throw new TradectlError("JOURNAL_MISSING", `no journal at ${file}: the daemon has not run in this home (or --home names another)`);
  const db = openReadOnly(file);
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r.name)));
    onStep("fills");
    const fills = db.prepare("SELECT id, order_id, ticker, action, quantity, price, fee, realized_pnl, time FROM fills WHERE time < ? ORDER BY time, id").all(end) as unknown as FillRow[];
    const marks = tables.has("marks") ? (db.prepare("SELECT ticker, price, time FROM marks WHERE time < ? ORDER BY time").all(end) as unknown as MarkRow[]) : [];
    onStep("signals");
    const signals = db.prepare("SELECT id, request_id, status, reason FROM signals WHERE received_at >= ? AND received_at < ?").all(start, end) as unknown as SignalRow[];
    const alerts = db
      .prepare(
        `SELECT a.request_id, a.status_code, a.error_code, a.signal_id, s.request_id AS signal_request_id
         FROM alerts a LEFT JOIN signals s ON s.id = a.signal_id
         WHERE a.received_at >= ? AND a.received_at < ? AND a.path = '/webhook'`,
      )
      .all(start, end) as unknown as AlertRow[];
    onStep("orders");
    const orders = db
      .prepare(
        `SELECT o.order_id, o.status, o.created_at, o.filled_at, s.received_at AS signal_received_at
         FROM orders o LEFT JOIN signals s ON s.id = o.signal_id WHERE o.created_at >= ? AND o.created_at < ?`,
      )
      .all(start, end) as unknown as OrderRow[];
    onStep("events");
    const events = readEvents(db, start, end);
    return { fills, marks, signals, alerts, orders, ...events };
  } finally {
    db.close();
  }
}

function openReadOnly(file: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    db.exec("PRAGMA busy_timeout=5000");
    db.prepare("SELECT 1 FROM schema_migrations LIMIT 1").get();
  } catch (err) {
    throw new TradectlError("JOURNAL_UNAVAILABLE", `cannot read the journal at ${file}: ${(err as Error).message}`, { cause: err });
  }
  keepOwner(file);
  return db;
}

/**
 * Run as root on another user's journal (`sudo tradectl report`), SQLite may have created the -wal and -shm files
 * as root; the daemon's user could then not open its own journal. Give them back to the journal's owner.
 */
function keepOwner(file: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = statSync(file);
  if (owner.uid === 0) return;
  for (const f of [`${file}-wal`, `${file}-shm`]) {
    try {
      const st = statSync(f);
      if (st.uid !== owner.uid) chownSync(f, owner.uid, owner.gid);
    } catch {
      // not there: nothing to give back
    }
  }
}

type EventRow = { seq: number; type: StateEvent["type"] | "signal.rejected"; time: string; payload: string };

/**
 * The events table is keyed by seq and has no index on time; seq grows with time (both are assigned as the daemon
 * publishes), so a binary search on seq finds the period's bounds in a few page reads, whatever the journal's age.
 */
function readEvents(db: DatabaseSync, start: number, end: number): Pick<JournalData, "refusals" | "before" | "during" | "last_event_time" | "next_run_previous_time"> {
  const bounds = db.prepare("SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM events").get() as { lo: number | null; hi: number | null };
  if (bounds.lo === null || bounds.hi === null) return { refusals: new Map(), before: [], during: [], last_event_time: null, next_run_previous_time: null };
  const timeAt = db.prepare("SELECT time FROM events WHERE seq >= ? ORDER BY seq LIMIT 1");
  /** The first seq whose event is at or after `t` (hi + 1 when none is). */
  const firstAtOrAfter = (t: number): number => {
    let lo = bounds.lo!;
    let hi = bounds.hi! + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = timeAt.get(mid) as { time: string } | undefined;
      if (!row || Date.parse(row.time) >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const lo = firstAtOrAfter(start);
  const hi = firstAtOrAfter(end);
  const rows = db
    .prepare(`SELECT seq, type, time, payload FROM events WHERE seq >= ? AND seq < ? AND type IN ${STATE_TYPES.replace(")", ", 'signal.rejected')")} ORDER BY seq`)
    .all(lo, hi) as unknown as EventRow[];
  const previousTime = db.prepare("SELECT time FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 1");
  const toState = (r: EventRow): StateEvent => {
    const e: StateEvent = { seq: r.seq, type: r.type as StateEvent["type"], time: Date.parse(r.time), payload: JSON.parse(r.payload) as Record<string, unknown> };
    if (r.type === "system.started") {
      const prev = previousTime.get(r.seq) as { time: string } | undefined;
      e.previous_time = prev ? Date.parse(prev.time) : null;
    }
    return e;
  };
  const refusals = new Map<string, string>();
  const during: StateEvent[] = [];
  for (const r of rows) {
    if (r.type !== "signal.rejected") {
      during.push(toState(r));
      continue;
    }
    const p = JSON.parse(r.payload) as { signal_id?: string; code?: string; details?: { limit_type?: string } };
    if (p.signal_id && p.code) refusals.set(p.signal_id, p.details?.limit_type ? `${p.code}/${p.details.limit_type}` : p.code);
  }
  // The run in progress at the start: its state events back to (and with) the system event that began or ended it.
  const before: StateEvent[] = [];
  const back = db.prepare(`SELECT seq, type, time, payload FROM events WHERE seq < ? AND type IN ${STATE_TYPES} ORDER BY seq DESC LIMIT 500`);
  for (const r of back.all(lo) as unknown as EventRow[]) {
    before.unshift(toState(r));
    if (r.type === "system.started" || r.type === "system.stopping") break;
  }
  const last = db.prepare("SELECT time FROM events WHERE seq = ?").get(bounds.hi) as { time: string } | undefined;
  const next = db.prepare("SELECT seq FROM events WHERE seq >= ? AND type = 'system.started' ORDER BY seq LIMIT 1").get(hi) as { seq: number } | undefined;
  const beforeNext = next ? (previousTime.get(next.seq) as { time: string } | undefined) : undefined;
  return { refusals, before, during, last_event_time: last ? Date.parse(last.time) : null, next_run_previous_time: beforeNext ? Date.parse(beforeNext.time) : null };
}
