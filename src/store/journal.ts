/** Signals and orders: written with synchronous=FULL before any answer, resumed after a restart. */
import { jstDateKey } from "../domain/jst.js";
import type { Order, Signal } from "../domain/types.js";
import type { OpenOrderBrief, OrderJournal, OrderQuery, SignalStatus, StoredOrder } from "../engine/ports.js";
import type { Database } from "./database.js";

interface OrderRow extends Omit<Order, "limit_price" | "stop_loss" | "take_profit" | "protection" | "sent"> {
  protection: string | null;
  sent: string | null;
  limit_price: number | null;
  stop_loss: number | null;
  take_profit: number | null;
  reference_price: number | null;
  trading_date: string;
}

export class Journal implements OrderJournal {
  constructor(private readonly db: Database) {}

  tx<T>(fn: () => T, opts: { durable?: boolean } = {}): T {
    return this.db.tx(fn, opts);
  }

  /** Inside tx(): a part that, if it throws, undoes only its own writes. */
  savepoint<T>(fn: () => T): T {
    return this.db.savepoint(fn);
  }

  insertSignal(s: Signal, status: SignalStatus, reason: string | null = null, orderId: string | null = null): void {
    this.db.run(
      `INSERT INTO signals (id, request_id, received_at, expires_at, ticker, action, quantity, payload, status, reason, idempotency_key, order_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.id,
      s.request_id,
      s.received_at,
      s.expires_at,
      s.ticker,
      s.action,
      s.quantity,
      JSON.stringify(s),
      status,
      reason,
      s.idempotency_key,
      orderId,
    );
  }

  setSignalStatus(id: string, status: SignalStatus, reason: string | null, orderId: string | null = null): void {
    this.db.run("UPDATE signals SET status = ?, reason = COALESCE(?, reason), order_id = COALESCE(?, order_id) WHERE id = ?", status, reason, orderId, id);
  }

  getSignal(id: string): Signal | undefined {
    const row = this.db.get<{ payload: string }>("SELECT payload FROM signals WHERE id = ?", id);
    return row && (JSON.parse(row.payload) as Signal);
  }

  /** The next `ORD_YYYYMMDD_NNN` for the JST trading date of `now` (at least three digits). */
  nextOrderId(now: number): { orderId: string; tradingDate: string } {
    const date = jstDateKey(now);
    const n = this.db.tx(
      () =>
        this.db.get<{ last: number }>(
          "INSERT INTO order_seq (trading_date, last) VALUES (?, 1) ON CONFLICT(trading_date) DO UPDATE SET last = last + 1 RETURNING last",
          date,
        )!.last,
    );
    return { orderId: `ORD_${date}_${String(n).padStart(3, "0")}`, tradingDate: date };
  }

  insertOrder(o: StoredOrder): void {
    this.db.run(
      `INSERT INTO orders (order_id, signal_id, request_id, ticker, action, quantity, order_type, limit_price, stop_loss, take_profit,
         reference_price, status, fill_price, filled_quantity, fee, broker_order_id, error_code, error_message, attempts,
         created_at, updated_at, submitted_at, filled_at, expires_at, trading_date,
         kind, effect, target_order_id, order_expires_at, protection, sent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      o.order_id,
      o.signal_id,
      o.request_id,
      o.ticker,
      o.action,
      o.quantity,
      o.order_type,
      o.limit_price,
      o.stop_loss,
      o.take_profit,
      o.reference_price,
      o.status,
      o.fill_price,
      o.filled_quantity,
      o.fee,
      o.broker_order_id,
      o.error_code,
      o.error_message,
      o.attempts,
      o.created_at,
      o.updated_at,
      o.submitted_at,
      o.filled_at,
      o.expires_at,
      o.trading_date,
      // Orders built before the vocabulary (and their tests) carry none of these: the seed's meaning.
      o.kind ?? "trade",
      o.effect ?? null,
      o.target_order_id ?? null,
      o.order_expires_at ?? null,
      o.protection == null ? null : JSON.stringify(o.protection),
      o.sent == null ? null : JSON.stringify(o.sent),
    );
  }

  updateOrder(orderId: string, patch: Partial<Omit<StoredOrder, "order_id">>, now: number): void {
    const entries = Object.entries({ ...patch, updated_at: now })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v !== null && typeof v === "object" ? JSON.stringify(v) : v] as const);
    const sets = entries.map(([k]) => `${k} = ?`).join(", ");
    this.db.run(`UPDATE orders SET ${sets} WHERE order_id = ?`, ...entries.map(([, v]) => v as number | string | null), orderId);
  }

  getOrder(orderId: string): StoredOrder | undefined {
    const row = this.db.get<OrderRow>("SELECT * FROM orders WHERE order_id = ?", orderId);
    return row && toOrder(row);
  }

  listOrders(q: OrderQuery = {}): { orders: StoredOrder[]; total: number } {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (q.from !== undefined) where.push("created_at >= ?"), params.push(q.from);
    if (q.to !== undefined) where.push("created_at < ?"), params.push(q.to);
    if (q.ticker) where.push("ticker = ?"), params.push(q.ticker);
    if (q.status) where.push("status = ?"), params.push(q.status);
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const total = this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM orders ${clause}`, ...params)?.n ?? 0;
    const rows = this.db.all<OrderRow>(
      `SELECT * FROM orders ${clause} ORDER BY created_at DESC, order_id DESC LIMIT ? OFFSET ?`,
      ...params,
      q.limit ?? 50,
      q.offset ?? 0,
    );
    return { orders: rows.map(toOrder), total };
  }

  /** Pending (limit/stop) orders resting at the broker, oldest first; of one ticker, or all. */
  workingOrders(ticker?: string): StoredOrder[] {
    const rows = ticker === undefined
      ? this.db.all<OrderRow>("SELECT * FROM orders WHERE status = 'working' ORDER BY created_at, order_id")
      : this.db.all<OrderRow>("SELECT * FROM orders WHERE status = 'working' AND ticker = ? ORDER BY created_at, order_id", ticker);
    return rows.map(toOrder);
  }

  /** Orders not yet final, in brief: what risk must count beside the filled positions. */
  openOrderSummary(): OpenOrderBrief[] {
    return this.db.all("SELECT ticker, action, quantity, limit_price, reference_price FROM orders WHERE status IN ('pending', 'submitted', 'unknown')");
  }

  /** Orders not in a final state, oldest first: what a restart must resume or reconcile. */
  openOrders(): StoredOrder[] {
    return this.db
      .all<OrderRow>("SELECT * FROM orders WHERE status IN ('pending', 'submitted', 'unknown') ORDER BY created_at, order_id")
      .map(toOrder);
  }

  /** The JST trading day's counters (kept by triggers): entries and exits that count, and the realised P&L. */
  dayCounters(now: number): { entries: number; exits: number; realized_pnl: number } {
    const row = this.db.get<{ entries: number; exits: number; realized_pnl: number }>(
      "SELECT entries, exits, realized_pnl FROM daily_counters WHERE trading_date = ?",
      jstDateKey(now),
    );
    return { entries: row?.entries ?? 0, exits: row?.exits ?? 0, realized_pnl: row?.realized_pnl ?? 0 };
  }

  lastEntryAt(): number | null {
    return (
      this.db.get<{ last: number | null }>(
        // The newest row of the partial index orders_entries (buys that count): one page, whatever the history.
        "SELECT created_at AS last FROM orders WHERE action = 'buy' AND status NOT IN ('rejected', 'expired', 'failed', 'cancelled') AND kind = 'trade' AND COALESCE(effect, 'open') = 'open' ORDER BY created_at DESC LIMIT 1",
      )?.last ?? null
    );
  }
}

function toOrder(r: OrderRow): StoredOrder {
  return { ...r, protection: r.protection === null ? null : JSON.parse(r.protection), sent: r.sent === null ? null : JSON.parse(r.sent) };
}
