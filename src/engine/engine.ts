/**
 * The execution pipeline: an accepted signal becomes an order in the journal, then is sent to the broker
 * one at a time per ticker; every step is journaled before the next, so a restart resumes where it stopped
 * and never sends the same order twice (the client order id travels to the broker and is looked up first).
 */
import { TradectlError } from "../domain/errors.js";
import type { Clock } from "../domain/clock.js";
import { FINAL_ORDER_STATUSES, type Order, type Signal } from "../domain/types.js";
import type { Ledger } from "../store/ledger.js";
import type { Journal, StoredOrder } from "../store/journal.js";
import type { Broker, OrderRequest, OrderResult } from "./broker.js";
import { makeEnvelope, type EventType } from "./envelope.js";
import type { EventBus } from "./event-bus.js";
import type { KillSwitch } from "./kill-switch.js";
import type { QuoteBook } from "./quote-book.js";
import { KeyedSerialQueue } from "./serial-queue.js";

export interface EngineLogger {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface EngineDeps {
  journal: Journal;
  ledger: Ledger;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  killSwitch: KillSwitch;
  logger: EngineLogger;
  /** Where an order that the broker can only price from a quote waits for its instrument's first one. */
  quotes?: QuoteBook;
}

export interface Accepted {
  order: StoredOrder;
  /** Orders ahead of this one (including it) that are not final yet. */
  queuePosition: number;
  /** Resolves with the order once it reaches a final (or unknown) state. */
  done: Promise<StoredOrder>;
}

/** What an admission callback decided: accept the signal, or something else (a refusal, a repeat) to hand back. */
export type Admission<D> = { kind: "accept"; beforeCommit: (order: StoredOrder, queuePosition: number) => void } | { kind: "decided"; value: D };

export type AdmitResult<D> = { kind: "accepted"; accepted: Accepted } | { kind: "decided"; value: D };

interface PendingAdmission {
  signal: Signal;
  decide: () => Admission<unknown>;
  resolve: (r: AdmitResult<unknown>) => void;
  reject: (err: unknown) => void;
}

export class Engine {
  private readonly queue = new KeyedSerialQueue();
  /** Orders queued or being executed: never queued twice, and never reconciled from outside while here. */
  /** Orders queued or executing, by id, with their ticker (the reconciler asks which tickers are busy). */
  private readonly inFlight = new Map<string, { done: Promise<StoredOrder>; ticker: string }>();
  /** Per ticker, a counter bumped whenever an order of it is queued or settles (see `activity`). */
  private readonly changes = new Map<string, number>();

  constructor(private readonly d: EngineDeps) {}

  get pendingCount(): number {
    return this.queue.pending;
  }

  /**
   * What the reconciler needs to tell a real difference from an order in motion: the tickers with an order
   * queued or executing, and a per-ticker change counter. A ticker busy, or whose counter moved, while the
   * broker was read cannot be judged from that read.
   */
  activity(): { busy: Set<string>; changes: Map<string, number> } {
    const busy = new Set([...this.inFlight.values()].map((f) => f.ticker));
    return { busy, changes: new Map(this.changes) };
  }

  /**
   * Re-checks an order left `submitted`/`unknown` (or `pending`) with the broker: the periodic reconciliation
   * calls this so no outcome stays unknown for good. Does nothing for an order already queued or final.
   */
  recheck(orderId: string): Promise<StoredOrder> | null {
    const order = this.d.journal.getOrder(orderId);
    if (!order || FINAL_ORDER_STATUSES.has(order.status) || this.inFlight.has(orderId)) return null;
    return this.enqueue(order);
  }

  /**
   * Journals an accepted signal and its order in one transaction, then queues it for the broker (flatten's
   * exits; webhook alerts go through admit).
   */
  accept(signal: Signal): Accepted {
    const now = this.d.clock.now();
    const order = this.d.journal.tx(() => this.journalAccepted(signal, () => {}, now, this.queue.pending + 1));
    return this.afterAccepted(signal, order);
  }

  /**
   * Admits signals in groups that share one commit (one fsync): the alerts that arrived while the previous commit
   * waited for the disk. Each `decide` runs inside the group's transaction, in arrival order, so its checks
   * (idempotency, kill switch, risk) see every signal admitted before it, exactly as if each had its own commit.
   * It either accepts (its `beforeCommit` then runs in the same transaction) or decides otherwise (a refusal it
   * journaled itself, a repeat), and the caller gets that decision back once the group is on disk.
   */
  admit<D>(signal: Signal, decide: () => Admission<D>): Promise<AdmitResult<D>> {
    return new Promise<AdmitResult<D>>((resolve, reject) => {
      this.admissions.push({ signal, decide, resolve, reject } as PendingAdmission);
      if (!this.admitScheduled) {
        this.admitScheduled = true;
        setImmediate(() => this.commitAdmissions());
      }
    });
  }

  private admissions: PendingAdmission[] = [];
  private admitScheduled = false;

  private commitAdmissions(): void {
    const group = this.admissions;
    this.admissions = [];
    this.admitScheduled = false;
    const now = this.d.clock.now();
    let outcomes: Array<{ order: StoredOrder } | { decided: unknown } | { failed: unknown }>;
    try {
      let queued = this.queue.pending;
      outcomes = this.d.journal.tx(() =>
        group.map((a) => {
          // Each alert in its own savepoint: one that fails (a bug, a clash) is undone alone, not with the group.
          try {
            return this.d.journal.savepoint(() => {
              const d = a.decide();
              if (d.kind === "decided") return { decided: d.value };
              const order = this.journalAccepted(a.signal, d.beforeCommit, now, queued + 1);
              queued++;
              return { order };
            });
          } catch (err) {
            return { failed: err };
          }
        }),
      );
    } catch (err) {
      for (const a of group) a.reject(err); // the commit itself failed: nothing of the group was accepted
      return;
    }
    outcomes.forEach((o, i) => {
      const a = group[i]!;
      if ("failed" in o) a.reject(o.failed);
      else a.resolve("order" in o ? { kind: "accepted", accepted: this.afterAccepted(a.signal, o.order) } : { kind: "decided", value: o.decided });
    });
  }

  private journalAccepted(signal: Signal, beforeCommit: (order: StoredOrder, queuePosition: number) => void, now: number, queuePosition: number): StoredOrder {
    const { orderId, tradingDate } = this.d.journal.nextOrderId(now);
    const o: StoredOrder = {
      order_id: orderId,
      signal_id: signal.id,
      request_id: signal.request_id,
      ticker: signal.ticker,
      action: signal.action,
      quantity: signal.quantity,
      order_type: signal.price === "market" ? "market" : "limit",
      limit_price: signal.price === "market" ? null : signal.price,
      stop_loss: signal.stop_loss ?? null,
      take_profit: signal.take_profit ?? null,
      reference_price: signal.entry_price ?? signal.exit_price ?? (signal.price === "market" ? null : signal.price),
      status: "pending",
      fill_price: null,
      filled_quantity: 0,
      fee: 0,
      broker_order_id: null,
      error_code: null,
      error_message: null,
      attempts: 0,
      created_at: now,
      updated_at: now,
      submitted_at: null,
      filled_at: null,
      expires_at: signal.expires_at,
      trading_date: tradingDate,
    };
    this.d.journal.insertSignal(signal, "accepted");
    this.d.journal.insertOrder(o);
    this.d.journal.setSignalStatus(signal.id, "accepted", null, orderId);
    beforeCommit(o, queuePosition);
    return o;
  }

  private afterAccepted(signal: Signal, order: StoredOrder): Accepted {
    this.emit("signal.accepted", { signal_id: signal.id, ticker: signal.ticker, action: signal.action, quantity: signal.quantity, order_id: order.order_id }, signal.request_id);
    const queuePosition = this.queue.pending + 1;
    const done = this.enqueue(order);
    return { order, queuePosition, done };
  }

  /** After a restart: every order not in a final state is reconciled with the broker, then finished. */
  async resume(): Promise<number> {
    const open = this.d.journal.openOrders();
    for (const o of open) {
      this.enqueue(o).catch((err: Error) => this.d.logger.error("resumed order could not be finished", { order_id: o.order_id, error: err.message }));
    }
    if (open.length) this.d.logger.info("resuming orders left open by the last run", { count: open.length, orders: open.map((o) => o.order_id) });
    return open.length;
  }

  /** Waits for the orders queued or executing to settle. */
  async drain(): Promise<void> {
    await this.queue.drain();
  }

  /**
   * Shutdown: an order still waiting for its first quote stops waiting and stays pending (nothing was sent; the
   * next start resumes it), then the orders in motion settle.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.queue.drain();
  }

  private readonly stopping = new AbortController();

  private enqueue(order: StoredOrder): Promise<StoredOrder> {
    const running = this.inFlight.get(order.order_id);
    if (running) return running.done;
    this.bump(order.ticker);
    const done = this.queue.run(order.ticker, () => this.execute(order.order_id)).finally(() => {
      this.inFlight.delete(order.order_id);
      this.bump(order.ticker);
    });
    this.inFlight.set(order.order_id, { done, ticker: order.ticker });
    return done;
  }

  private bump(ticker: string): void {
    this.changes.set(ticker, (this.changes.get(ticker) ?? 0) + 1);
  }

  private async execute(orderId: string): Promise<StoredOrder> {
    let order = this.d.journal.getOrder(orderId)!;
    // A final order is never sent again, whoever queued it.
    if (FINAL_ORDER_STATUSES.has(order.status)) return order;
    if (order.status === "submitted" || order.status === "unknown") {
      // We may have sent it before a crash or a lost reply: ask the broker before anything else.
      let known: OrderResult | null;
      try {
        known = await this.d.broker.findOrder(order.order_id);
      } catch (err) {
        // Cannot tell whether it exists: nothing may be sent; the periodic reconciliation asks again.
        const message = `could not be looked up at the broker: ${err instanceof Error ? err.message : String(err)}`;
        return this.markUnknown(order, message);
      }
      if (known) return this.settle(order, known);
      this.d.logger.info("order not found at the broker: it was never executed", { order_id: order.order_id, was: order.status });
    }
    let sending = false;
    try {
      let exit = this.isExit(order);
      const refusal = this.refusalBeforeSend(order, exit);
      if (refusal) return this.finish(order, refusal.status, refusal.code, refusal.message);
      const priced = await this.awaitFirstQuote(order, exit);
      if (priced === "stopped") return order;
      if (priced === "waited") {
        // The wait can be long: the kill switch, the expiry and the position are judged again, as before a send.
        exit = this.isExit(order);
        const late = this.refusalBeforeSend(order, exit);
        if (late) return this.finish(order, late.status, late.code, late.message);
      }

      const req = toRequest(order, exit);
      // Journaled before the send, so a crash in between is reconciled, never resent blindly. A broker inside the
      // journal (paper) records its fill in the settle transaction itself: the mark would only cost an fsync.
      if (this.d.broker.external !== false) {
        this.d.journal.updateOrder(order.order_id, { status: "submitted", submitted_at: this.d.clock.now(), attempts: order.attempts + 1 }, this.d.clock.now());
      }
      this.emit("order.submitted", { order_id: order.order_id, ticker: order.ticker, action: order.action, quantity: order.quantity }, order.request_id);
      const check = await this.d.broker.orderCheck(req);
      order = this.d.journal.getOrder(orderId)!;
      if (!check.ok) return this.finish(order, check.temporary ? "failed" : "rejected", check.code, check.message);
      // The check can take seconds (MT5, retries): a kill switch or an expiry in the meantime still stops the send.
      const late = this.refusalBeforeSend(order);
      if (late) return this.finish(order, late.status, late.code, late.message);
      sending = true;
      const result = await this.d.broker.orderSend(req);
      return this.settle(this.d.journal.getOrder(orderId)!, result);
    } catch (err) {
      order = this.d.journal.getOrder(orderId)!;
      const code = err instanceof TradectlError ? err.code : "BROKER_ERROR";
      const message = err instanceof Error ? err.message : String(err);
      // A send that threw for an unexpected reason may have reached the broker: reconcile, never assume.
      // A refusal (auth, validation) or an operational stop before anything could trade is a failure.
      const mayHaveTraded = sending && !(err instanceof TradectlError && err.kind !== "temporary");
      if (mayHaveTraded) return this.markUnknown(order, `${code}: ${message}`);
      this.d.logger.error("order failed", { order_id: order.order_id, code, message });
      return this.finish(order, "failed", code, message);
    }
  }

  private markUnknown(order: StoredOrder, message: string): StoredOrder {
    this.d.journal.updateOrder(order.order_id, { status: "unknown", error_code: "OUTCOME_UNKNOWN", error_message: message }, this.d.clock.now());
    if (order.status !== "unknown") this.emit("order.unknown", { order_id: order.order_id, message }, order.request_id);
    this.d.logger.warn("order outcome unknown; it will be reconciled before anything is sent again", { order_id: order.order_id, message });
    return this.d.journal.getOrder(order.order_id)!;
  }

  /**
   * An order the broker can only price from a quote (paper: a market order without a price hint) waits for its
   * instrument's first quote: just after a start the feeds have not quoted yet, and the order must not fail for
   * that. An entry waits until its signal expires (it is then expired, never sent). An exit is never stale, so its
   * expiry cannot bound it: it waits as long as its signal was given to be sent (its TTL), counted from now, and is
   * then sent anyway (the broker says it has no price: the order failed, for a passing reason).
   */
  private async awaitFirstQuote(order: StoredOrder, exit: boolean): Promise<"ready" | "waited" | "stopped"> {
    const quotes = this.d.quotes;
    if (!quotes || !this.d.broker.needsQuote?.(toRequest(order, exit))) return "ready";
    if (this.stopping.signal.aborted) return "stopped";
    const now = this.d.clock.now();
    const until = exit ? Math.max(order.expires_at, now + Math.max(0, order.expires_at - order.created_at)) : order.expires_at;
    this.d.logger.info("order waits for the first quote of its instrument before it is priced", { order_id: order.order_id, ticker: order.ticker, until: new Date(until).toISOString() });
    const quote = await quotes.firstQuote(order.ticker, until, this.d.clock, this.stopping.signal);
    if (this.stopping.signal.aborted && !quote) return "stopped";
    if (!quote) this.d.logger.warn("no quote came for the order's instrument in time", { order_id: order.order_id, ticker: order.ticker, waited_ms: this.d.clock.now() - now });
    return "waited";
  }

  /** Why an order must not be sent now, if it must not. */
  private refusalBeforeSend(order: StoredOrder, exit = this.isExit(order)): { status: "expired" | "rejected"; code: string; message: string } | null {
    if (this.d.killSwitch.active && !exit) {
      return { status: "rejected", code: "KILL_SWITCH_ACTIVE", message: "kill switch is active: entry not sent" };
    }
    if (order.action === "sell" && !exit) {
      // No short selling: the position this exit was for is gone (closed at the broker, e.g. by its stop loss).
      return { status: "rejected", code: "NO_POSITION", message: `no ${order.ticker} position left to sell (it was closed before this exit could be sent)` };
    }
    if (!exit && this.d.clock.now() >= order.expires_at) {
      return { status: "expired", code: "SIGNAL_EXPIRED", message: `signal expired at ${new Date(order.expires_at).toISOString()} before it could be sent` };
    }
    return null;
  }

  /** An exit is a sell of a held position: reducing risk is never stale. */
  private isExit(order: Order): boolean {
    return order.action === "sell" && (this.d.ledger.position(order.ticker)?.quantity ?? 0) > 0;
  }

  private settle(order: StoredOrder, result: OrderResult): StoredOrder {
    const now = this.d.clock.now();
    // Given up after retries for a passing reason (requote, no connection, bridge down): failed, not refused.
    if (result.kind === "rejected") return this.finish(order, result.temporary ? "failed" : "rejected", result.code, result.message);
    if (result.kind === "unknown") return this.markUnknown(order, result.message);
    const f = result.fill;
    // A fill at a real broker must outlive a power cut (durable). A paper fill exists only here: if a power cut
    // undoes it, it never happened, and the order (still pending) is simply executed again.
    const applied = this.d.journal.tx(() => {
      const a = this.d.ledger.applyFill({
        order_id: order.order_id,
        ticker: order.ticker,
        action: order.action,
        quantity: f.quantity,
        price: f.price,
        fee: f.fee,
        time: f.time,
        broker_deal_id: f.broker_deal_id,
      });
      this.d.journal.updateOrder(
        order.order_id,
        {
          status: "filled",
          fill_price: f.price,
          filled_quantity: f.quantity,
          fee: f.fee,
          broker_order_id: f.broker_order_id,
          filled_at: f.time,
          error_code: null,
          error_message: null,
          // A broker inside the journal was never marked "submitted": its send and this fill are one step.
          ...(order.status === "pending" ? { submitted_at: now, attempts: order.attempts + 1 } : {}),
        },
        now,
      );
      this.d.journal.setSignalStatus(order.signal_id, "done", null);
      return a;
    }, { durable: this.d.broker.external !== false });
    const filled = this.d.journal.getOrder(order.order_id)!;
    this.emit("order.filled", { order_id: filled.order_id, ticker: filled.ticker, action: filled.action, quantity: f.quantity, price: f.price, fee: f.fee }, order.request_id);
    this.emit("position.changed", { ticker: order.ticker, position: applied.position, realized_pnl: applied.realized_pnl }, order.request_id);
    return filled;
  }

  private finish(order: StoredOrder, status: "rejected" | "failed" | "expired", code: string, message: string): StoredOrder {
    const now = this.d.clock.now();
    this.d.journal.tx(() => {
      this.d.journal.updateOrder(order.order_id, { status, error_code: code, error_message: message }, now);
      this.d.journal.setSignalStatus(order.signal_id, status === "expired" ? "expired" : "done", message);
    });
    const type: EventType = status === "expired" ? "signal.expired" : status === "failed" ? "order.failed" : "order.rejected";
    this.emit(type, { order_id: order.order_id, ticker: order.ticker, code, message }, order.request_id);
    this.d.logger.warn(`order ${status}`, { order_id: order.order_id, ticker: order.ticker, code, reason: message });
    return this.d.journal.getOrder(order.order_id)!;
  }

  private emit(type: EventType, payload: Record<string, unknown>, correlationId: string | null): void {
    this.d.bus.publish(makeEnvelope(type, "engine", payload, { time: this.d.clock.now(), correlation_id: correlationId }));
  }
}

function toRequest(o: StoredOrder, isExit: boolean): OrderRequest {
  return {
    client_order_id: o.order_id,
    ticker: o.ticker,
    action: o.action,
    quantity: o.quantity,
    order_type: o.order_type,
    limit_price: o.limit_price,
    stop_loss: o.stop_loss,
    take_profit: o.take_profit,
    reference_price: o.reference_price,
    is_exit: isExit,
  };
}
