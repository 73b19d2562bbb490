/**
 * The engine: admission (the one door every signal goes through) and execution (an accepted signal's order sent to
 * the broker one at a time per ticker). Every step is journaled before the next, so a restart resumes where it
 * stopped and never sends the same order twice (the client order id travels to the broker and is looked up first).
 */
import { brokerCode, TradectlError } from "../domain/errors.js";
import type { Clock } from "../domain/clock.js";
import { isSettled, type Signal } from "../domain/types.js";
import { idempotencyExpiry, judge, type AdmissionOutcome, type AdmissionRequest, type Decided, type JudgeDeps } from "./admission.js";
import type { Broker, OrderResult } from "./broker.js";
import { makeEnvelope, type EventMeta, type EventType } from "./envelope.js";
import type { EventBus } from "./event-bus.js";
import { newOrder, orderBrief, toRequest } from "./order-records.js";
import { PairAdmitter, type PairDeps } from "./pair-admission.js";
import type { AdmissionRecord, RecordedOutcome, StopBook, StoredOrder } from "./ports.js";
import type { PlannedOrder } from "./plan-orders.js";
import { KeyedSerialQueue } from "./serial-queue.js";

export type { AdmissionOutcome };

export interface EngineLogger {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface EngineDeps extends JudgeDeps {
  broker: Broker;
  /** Position SL/TP and breakeven/trailing: the paper broker's stops, and the daemon's mirror of MT5's. */
  stops: StopBook;
  bus: EventBus;
  clock: Clock;
  logger: EngineLogger;
  /** A hot-standby pair: shared admission state, the queue to the leader, and who may send. Absent: one daemon. */
  pair?: PairDeps;
}

interface PendingAdmission {
  req: AdmissionRequest;
  resolve: (o: AdmissionOutcome) => void;
  reject: (err: unknown) => void;
  /** Decided before the transaction (a pair, whose queue has the orders before the journal does). */
  decided?: Decided;
}

type Event = [EventType, Record<string, unknown>, EventMeta?];

type OrderPatch = Partial<Omit<StoredOrder, "order_id">>;

type Dealt = Extract<OrderResult, { kind: "filled" | "partial" }>;

type Applied =
  | { kind: "duplicate"; record: AdmissionRecord }
  | { kind: "refused"; record: AdmissionRecord; events: Event[] }
  | { kind: "accepted"; record: AdmissionRecord; order: StoredOrder; orders: StoredOrder[]; queued: StoredOrder[]; events: Event[]; settled: boolean; expiresAt: number }
  | { kind: "failed"; error: unknown };

/**
 * An accepted signal whose source waits (within its budget) to answer with the outcome rather than "queued": once
 * every one of its orders has settled (a reverse: its close and its open), by the settle of the last.
 */
interface AwaitedAnswer {
  key: string;
  expiresAt: number;
  queued: AdmissionRecord;
  startedAt: number;
  timer: NodeJS.Timeout;
  /** The signal's orders, in order; the wait is filed under each of them still queued. */
  orderIds: string[];
  answer: (record: AdmissionRecord) => void;
}

export class Engine {
  private readonly queue = new KeyedSerialQueue();
  /** Orders queued or executing, by id, with their ticker: never queued twice, never reconciled from outside. */
  private readonly inFlight = new Map<string, { done: Promise<StoredOrder>; ticker: string }>();
  /** Per ticker, a counter bumped whenever an order of it is queued or settles (see `activity`). */
  private readonly changes = new Map<string, number>();
  private readonly awaited = new Map<string, AwaitedAnswer>();
  private admissions: PendingAdmission[] = [];
  private admitScheduled = false;
  private answered: Array<() => void> = [];
  private readonly pair: PairAdmitter | null;

  constructor(private readonly d: EngineDeps) {
    this.pair = d.pair
      ? new PairAdmitter(d, d.pair, {
          preview: (req, now, view) => judge(this.d, req, now, false, view),
          commit: (req, decided) => this.admitLocal(req, decided),
          queuePosition: () => this.queue.pending + 1,
        })
      : null;
  }

  get pendingCount(): number {
    return this.queue.pending;
  }

  /**
   * Admits a signal: judges it (see admission.ts) and journals the outcome in one durable transaction, shared with
   * the signals that arrived while the previous one waited for the disk (group commit). Each is judged in arrival
   * order after those before it, exactly as if each had its own commit, and in a savepoint of its own, so one that
   * fails is undone alone. A signal for a broker that lives in the journal (paper) is settled in that same
   * transaction when nothing of its ticker is queued ahead of it: its answer costs one commit.
   */
  admit(req: AdmissionRequest): Promise<AdmissionOutcome> {
    if (req.dryRun) return Promise.resolve({ kind: "dry_run", judgement: judge(this.d, req, this.d.clock.now(), true) });
    return this.pair ? this.pair.admit(req) : this.admitLocal(req);
  }

  private admitLocal(req: AdmissionRequest, decided?: Decided): Promise<AdmissionOutcome> {
    return new Promise<AdmissionOutcome>((resolve, reject) => {
      this.admissions.push({ req, resolve, reject, ...(decided ? { decided } : {}) });
      if (!this.admitScheduled) {
        this.admitScheduled = true;
        setImmediate(() => this.commitAdmissions());
      }
    });
  }

  /**
   * What the reconciler needs to tell a real difference from an order in motion: the tickers with an order
   * queued or executing, and a per-ticker change counter. A ticker busy, or whose counter moved, while the
   * broker was read cannot be judged from that read.
   */
  activity(): { busy: Set<string>; changes: Map<string, number> } {
    return { busy: this.busyTickers(), changes: new Map(this.changes) };
  }

  /**
   * Re-checks an order left `submitted`/`unknown` (or `pending`) with the broker: the periodic reconciliation
   * calls this so no outcome stays unknown for good. Does nothing for an order already queued or final.
   */
  recheck(orderId: string): Promise<StoredOrder> | null {
    const order = this.d.journal.getOrder(orderId);
    // A working order rests at the broker: reconciliation (or the price stream, on paper) follows it, nothing resends it.
    if (!order || isSettled(order.status) || this.inFlight.has(orderId)) return null;
    return this.enqueue(order);
  }

  private commitAdmissions(): void {
    const group = this.admissions;
    this.admissions = [];
    this.admitScheduled = false;
    const now = this.d.clock.now();
    const busy = this.busyTickers();
    let applied: Applied[];
    try {
      let position = this.queue.pending;
      applied = this.d.journal.tx(() =>
        group.map((a): Applied => {
          try {
            return this.d.journal.savepoint(() => {
              const r = this.apply(a, now, busy, position + 1);
              if (r.kind === "accepted" && !r.settled) position++;
              return r;
            });
          } catch (error) {
            return { kind: "failed", error };
          }
        }),
      );
    } catch (err) {
      for (const a of group) a.reject(err); // the commit itself failed: nothing of the group was admitted
      return;
    }
    applied.forEach((r, i) => this.afterCommit(group[i]!, r));
  }

  /** Judges one signal and journals what was decided; inside the group's transaction. */
  private apply(a: PendingAdmission, now: number, busy: Set<string>, queuePosition: number): Applied {
    const { req, decided } = a;
    const { signal } = req;
    const j = decided?.judgement ?? judge(this.d, req, now);
    if (j.verdict === "duplicate") return { kind: "duplicate", record: j.first };
    const expiresAt = idempotencyExpiry(signal, now, this.d.policy().timestampWindowMs);
    const received = this.receivedEvent(signal);
    const processingMs = elapsed(req.startedAt);
    const base = { request_id: signal.request_id, signal_id: signal.id, decided_at: now, processing_ms: processingMs };

    if (j.verdict === "refuse") {
      this.d.journal.insertSignal(signal, "rejected", j.message);
      const record: AdmissionRecord = { ...base, outcome: { kind: "refused", reason: j.reason, message: j.message, details: j.details } };
      if (j.remember) this.d.idempotency.put(signal.idempotency_key, record, now, expiresAt);
      const rejected: Event = ["signal.rejected", { signal_id: signal.id, ticker: signal.ticker, action: signal.action, code: refusalCode(j.reason), reason: j.message, details: j.details }];
      return { kind: "refused", record, events: [received, rejected] };
    }

    if (j.quantity !== signal.quantity) signal.quantity = j.quantity;
    const events: Event[] = [received];
    const orders: StoredOrder[] = [];
    const queued: StoredOrder[] = [];
    const settledEvents: Event[] = [];
    // A pair's orders were minted (and queued to its leader) before this transaction; the mirror of the pair's queue
    // may have journaled them already.
    const given = decided?.accepted?.orders;
    const mirrored = given !== undefined && this.d.journal.getOrder(given[0]!.order_id) !== undefined;
    for (const [i, plan] of j.orders.entries()) {
      const order = given?.[i] ?? this.mintOrder(signal, plan, now);
      const orderId = order.order_id;
      // Behind an order of its ticker still in flight (or one of this signal queued before it: a reverse's close),
      // it waits its turn; else a broker inside the journal (paper) settles it in this transaction, unless this
      // daemon may not send (a pair's follower) or the pair's mirror has the order already.
      const canSettle = queued.length === 0 && !busy.has(order.ticker) && !mirrored && this.maySend();
      const result = canSettle ? (this.d.broker.settleNow?.(this.requestOf(order, isExitPlan(plan, j.isExit))) ?? null) : null;
      if (result === null || result.kind === "unknown" || (result.kind === "rejected" && result.temporary)) {
        busy.add(order.ticker);
        if (!mirrored) this.d.journal.insertOrder(order);
        queued.push(order);
        orders.push(order);
        continue;
      }
      // Settled at once: the order is journaled in its final state, its fill beside it, in this same commit.
      settledEvents.push(["order.submitted", { order_id: orderId, ticker: order.ticker, action: order.action, quantity: order.quantity }]);
      const final = this.outcomeOf(order, result, now);
      settledEvents.push(...final.events);
      const settled = { ...order, ...final.patch };
      this.d.journal.insertOrder(settled);
      orders.push(settled);
    }
    const first = orders[0]!;
    events.push(["signal.accepted", { signal_id: signal.id, ticker: signal.ticker, action: signal.action, quantity: signal.quantity, order_id: first.order_id, ...(orders.length > 1 ? { order_ids: orders.map((o) => o.order_id) } : {}) }]);
    events.push(...settledEvents);
    const briefs = orders.length > 1 ? { orders: orders.map(orderBrief) } : {};
    if (queued.length > 0) {
      if (!mirrored) this.d.journal.insertSignal(signal, "accepted", null, first.order_id);
      const record: AdmissionRecord = decided?.accepted?.record ?? { ...base, outcome: { kind: "queued", order: orderBrief(queued[0]!), queue_position: queuePosition, ...briefs } };
      this.d.idempotency.put(signal.idempotency_key, record, now, expiresAt);
      return { kind: "accepted", record, order: queued[0]!, orders, queued, events, settled: false, expiresAt };
    }
    this.d.journal.insertSignal(signal, "done", first.error_message ?? null, first.order_id);
    const record: AdmissionRecord = { ...base, outcome: { kind: "settled", order: orderBrief(first), ...briefs } };
    this.d.idempotency.put(signal.idempotency_key, record, now, expiresAt);
    return { kind: "accepted", record, order: first, orders, queued, events, settled: true, expiresAt };
  }

  /** The order as the broker sees it: a cancel carries its target's ids. */
  private requestOf(order: StoredOrder, isExit: boolean) {
    const target = order.target_order_id ? this.d.journal.getOrder(order.target_order_id) : undefined;
    return toRequest(order, isExit, target);
  }

  private afterCommit(a: PendingAdmission, r: Applied): void {
    if (r.kind === "failed") return a.reject(r.error);
    const { signal } = a.req;
    if (r.kind === "duplicate") {
      a.resolve({ kind: "duplicate", record: r.record });
      return this.afterAnswer(() => this.d.logger.info("duplicate signal answered with its first outcome", { request_id: signal.request_id, signal_id: r.record.signal_id }));
    }
    if (r.kind === "refused") {
      a.resolve({ kind: "refused", record: r.record });
      const o = r.record.outcome as Extract<RecordedOutcome, { kind: "refused" }>;
      return this.afterAnswer(() => {
        this.publish(signal, r.events, r.record.decided_at);
        this.d.logger.info("signal refused", { request_id: signal.request_id, signal_id: signal.id, source: signal.source, reason: o.reason, message: o.message });
      });
    }
    const accepted = () => {
      this.publish(signal, r.events, r.record.decided_at);
      this.d.logger.info("signal accepted", { request_id: signal.request_id, signal_id: signal.id, source: signal.source, order_id: r.order.order_id, ticker: signal.ticker, action: signal.action, quantity: signal.quantity });
    };
    if (this.d.pair?.settled) for (const o of r.orders) if (!r.queued.includes(o)) this.handBack(o);
    if (r.settled) {
      this.bump(r.order.ticker);
      a.resolve({ kind: "accepted", record: r.record, order: r.order, done: Promise.resolve(r.order) });
      return this.afterAnswer(accepted);
    }
    // Queued once its admission's events are out, so its own events (submitted, filled) follow them on the bus.
    this.afterAnswer(() => {
      accepted();
      // In a pair only the leader executes; the follower's orders went to the leader through the pair's queue.
      if (!this.maySend()) return a.resolve({ kind: "accepted", record: r.record, order: r.order, done: Promise.resolve(r.order) });
      this.queueForAnswer(a.req, r, a.resolve);
    });
  }

  /**
   * Queues an accepted signal's orders (a reverse: the close, then the open, each in its turn on the ticker); its
   * source is answered when the last of them settles within the budget, else as queued.
   */
  private queueForAnswer(req: AdmissionRequest, r: Extract<Applied, { kind: "accepted" }>, resolve: (o: AdmissionOutcome) => void): void {
    let done!: Promise<StoredOrder>;
    for (const o of r.queued) done = this.enqueue(o);
    const startedAt = req.startedAt ?? performance.now();
    const left = (req.syncBudgetMs ?? 0) - (performance.now() - startedAt);
    const answerQueued = () => resolve({ kind: "accepted", record: r.record, order: r.order, done });
    if (left <= 0) return answerQueued();
    const orderId = r.order.order_id;
    const waiting: AwaitedAnswer = {
      key: req.signal.idempotency_key,
      expiresAt: r.expiresAt,
      queued: r.record,
      startedAt,
      orderIds: r.orders.length === 1 ? [orderId] : r.orders.map((o) => o.order_id),
      // The budget ran out first: the queued answer goes out, and stands for repeats (nothing replaces it).
      timer: setTimeout(() => {
        this.forget(waiting);
        answerQueued();
      }, left),
      answer: (record) => resolve({ kind: "accepted", record, order: this.d.journal.getOrder(orderId)!, done }),
    };
    for (const o of r.queued) this.awaited.set(o.order_id, waiting);
    // In a pair, the leader's consumer may have read the entry (and run its orders) before this commit: then nothing
    // settles after this point, and the answer is due now.
    if (this.d.pair && waiting.orderIds.every((id) => isSettled(this.d.journal.getOrder(id)?.status ?? "pending"))) {
      const answer = this.d.journal.tx(() => this.settledAnswer(waiting, this.d.clock.now()));
      this.forget(waiting);
      waiting.answer(answer);
    }
  }

  private forget(waiting: AwaitedAnswer): void {
    clearTimeout(waiting.timer);
    for (const id of waiting.orderIds) if (this.awaited.get(id) === waiting) this.awaited.delete(id);
  }

  /**
   * Work that need not delay an answer (events, log lines): run once the answers decided by this commit have gone
   * out, in order. The journal already holds what they describe.
   */
  private afterAnswer(fn: () => void): void {
    if (this.answered.length === 0) setImmediate(() => this.publishAnswered());
    this.answered.push(fn);
  }

  /** Runs the work left after answers now (a stopping daemon publishes it before it says it stops). */
  publishAnswered(): void {
    const work = this.answered;
    this.answered = [];
    for (const f of work) f();
  }

  private publish(signal: Signal, events: Event[], time: number): void {
    for (const [type, payload, meta] of events) {
      const source = type === "signal.received" || type === "signal.rejected" ? signal.source : "engine";
      this.d.bus.publish(makeEnvelope(type, source, payload, { time, correlation_id: signal.request_id, ...(meta ? { meta } : {}) }));
    }
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

  /** Stops taking new work and waits for in-flight orders to settle. */
  async drain(): Promise<void> {
    await this.queue.drain();
  }

  /**
   * Shutdown: an order still waiting for its first quote stops waiting and stays pending (nothing was sent; the
   * next start resumes it), then the orders in motion settle.
   */
  async stop(): Promise<void> {
    this.publishAnswered();
    this.stopping.abort();
    await this.queue.drain();
  }

  private readonly stopping = new AbortController();

  private busyTickers(): Set<string> {
    return new Set([...this.inFlight.values()].map((f) => f.ticker));
  }

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

  /** Whether this daemon may send now: always alone; in a pair, while it holds the leader's lease. */
  private maySend(): boolean {
    return !this.d.pair || this.d.pair.permit.current() !== null;
  }

  private mintOrder(signal: Signal, plan: PlannedOrder, now: number): StoredOrder {
    const { orderId, tradingDate } = this.d.journal.nextOrderId(now);
    return newOrder(signal, plan, orderId, tradingDate, now);
  }

  private async execute(orderId: string): Promise<StoredOrder> {
    let order = this.d.journal.getOrder(orderId)!;
    // A final order is never sent again, whoever queued it; nor is one resting at the broker.
    if (isSettled(order.status)) return order;
    // In a pair, the lease this execution runs under: a send is made only while it is still the pair's (fencing).
    const term = this.d.pair ? this.d.pair.permit.current() : null;
    if (this.d.pair && term === null) return this.leaveToLeader(order, "this daemon is not the leader");
    // Part of a split exit was dealt before a restart, the rest never sent: it was checked before its first leg went.
    let resuming = false;
    if (order.status === "submitted" || order.status === "unknown") {
      // We may have sent it before a crash or a lost reply: ask the broker before anything else.
      let known: OrderResult | null;
      try {
        known = await this.d.broker.findOrder(order.order_id, order.quantity);
      } catch (err) {
        // Cannot tell whether it exists: nothing may be sent; the periodic reconciliation asks again.
        const message = `could not be looked up at the broker: ${err instanceof Error ? err.message : String(err)}`;
        return this.markUnknown(order, message);
      }
      // Dealt in part: an exit goes on with the rest (the broker sends only what was not dealt); anything else ends.
      resuming = known?.kind === "partial" && this.isExit(order);
      if (known && !resuming) return this.settle(order, known);
      if (resuming) this.d.logger.warn("order dealt in part before a restart: sending the rest", { order_id: order.order_id, found: known?.kind === "partial" ? known.message : null });
      else this.d.logger.info("order not found at the broker: it was never executed", { order_id: order.order_id, was: order.status });
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

      const req = this.requestOf(order, exit);
      // Journaled before the send, so a crash in between is reconciled, never resent blindly. A broker inside the
      // journal (paper) records its fill in the settle transaction itself: the mark would only cost an fsync.
      if (this.d.broker.external !== false) {
        this.d.journal.updateOrder(order.order_id, { status: "submitted", submitted_at: this.d.clock.now(), attempts: order.attempts + 1 }, this.d.clock.now());
      }
      this.emit("order.submitted", { order_id: order.order_id, ticker: order.ticker, action: order.action, quantity: order.quantity }, order.request_id);
      if (!resuming) {
        const check = await this.d.broker.orderCheck(req);
        order = this.d.journal.getOrder(orderId)!;
        if (!check.ok) return this.finish(order, check.temporary ? "failed" : "rejected", check.code, check.message);
      }
      // The check can take seconds (MT5, retries): a kill switch or an expiry in the meantime still stops the send.
      const late = this.refusalBeforeSend(order);
      if (late) return this.finish(order, late.status, late.code, late.message);
      if (term !== null && !(await this.d.pair!.permit.confirm(term))) {
        return this.leaveToLeader(this.d.journal.getOrder(orderId)!, `the lease of term ${term} was lost before the send (fenced)`);
      }
      sending = true;
      const result = await this.d.broker.orderSend(req);
      return this.settle(this.d.journal.getOrder(orderId)!, result);
    } catch (err) {
      order = this.d.journal.getOrder(orderId)!;
      const code = err instanceof TradectlError ? brokerCode(err) : "BROKER_ERROR";
      const message = err instanceof Error ? err.message : String(err);
      // A send that threw for an unexpected reason may have reached the broker: reconcile, never assume.
      // A refusal (auth, validation) or an operational stop before anything could trade is a failure.
      const mayHaveTraded = sending && !(err instanceof TradectlError && err.kind !== "temporary");
      if (mayHaveTraded) return this.markUnknown(order, `${code}: ${message}`);
      this.d.logger.error("order failed", { order_id: order.order_id, code, message });
      return this.finish(order, "failed", code, message);
    }
  }

  /** Not sent here: the pair's leader (this daemon in a later term, or the other) looks it up and sends it. */
  private leaveToLeader(order: StoredOrder, why: string): StoredOrder {
    this.d.logger.warn("order not sent by this daemon: left to the pair's leader", { order_id: order.order_id, reason: why });
    this.answerQueued(order.order_id);
    return order;
  }

  /**
   * A source still waiting for this order's outcome (or its signal's) answers "queued" now; the queued answer stands
   * for repeats.
   */
  private answerQueued(orderId: string): void {
    const waiting = this.awaited.get(orderId);
    if (!waiting) return;
    this.forget(waiting);
    waiting.answer(waiting.queued);
  }

  private markUnknown(order: StoredOrder, message: string): StoredOrder {
    this.d.journal.updateOrder(order.order_id, { status: "unknown", error_code: "OUTCOME_UNKNOWN", error_message: message }, this.d.clock.now());
    if (order.status !== "unknown") this.emit("order.unknown", { order_id: order.order_id, message }, order.request_id);
    this.d.logger.warn("order outcome unknown; it will be reconciled before anything is sent again", { order_id: order.order_id, message });
    // Not settled: a source still waiting answers "queued" now; the queued answer stands for repeats.
    this.answerQueued(order.order_id);
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
    if (!this.d.broker.needsQuote?.(this.requestOf(order, exit))) return "ready";
    if (this.stopping.signal.aborted) return "stopped";
    const now = this.d.clock.now();
    const until = exit ? Math.max(order.expires_at, now + Math.max(0, order.expires_at - order.created_at)) : order.expires_at;
    this.d.logger.info("order waits for the first quote of its instrument before it is priced", { order_id: order.order_id, ticker: order.ticker, until: new Date(until).toISOString() });
    const quote = await this.d.quotes.firstQuote(order.ticker, until, this.d.clock, this.stopping.signal);
    if (this.stopping.signal.aborted && !quote) return "stopped";
    if (!quote) this.d.logger.warn("no quote came for the order's instrument in time", { order_id: order.order_id, ticker: order.ticker, waited_ms: this.d.clock.now() - now });
    return "waited";
  }

  /** Why an order must not be sent now, if it must not. */
  private refusalBeforeSend(order: StoredOrder, exit = this.isExit(order)): { status: "expired" | "rejected"; code: string; message: string } | null {
    if (this.d.killSwitch.active && !exit) {
      return { status: "rejected", code: "KILL_SWITCH_ACTIVE", message: "kill switch is active: entry not sent" };
    }
    if (order.kind === "trade" && !exit && order.effect === "close") {
      return { status: "rejected", code: "NO_POSITION", message: `no ${order.ticker} position left to close (it was closed before this exit could be sent)` };
    }
    if (order.kind === "trade" && order.action === "sell" && !exit && order.effect === null) {
      // No short selling: the position this exit was for is gone (closed at the broker, e.g. by its stop loss).
      return { status: "rejected", code: "NO_POSITION", message: `no ${order.ticker} position left to sell (it was closed before this exit could be sent)` };
    }
    if (!exit && this.d.clock.now() >= order.expires_at) {
      return { status: "expired", code: "SIGNAL_EXPIRED", message: `signal expired at ${new Date(order.expires_at).toISOString()} before it could be sent` };
    }
    return null;
  }

  /**
   * An exit reduces risk and is never stale: a cancel, a modify, a close while its position is still there (the
   * seed's sell: of a held long).
   */
  private isExit(order: StoredOrder): boolean {
    if (order.kind !== "trade") return true;
    if (order.effect === "open") return false;
    const held = this.d.ledger.position(order.ticker)?.quantity ?? 0;
    return order.action === "sell" ? held > 0 : order.effect === "close" && held < 0;
  }

  private settle(order: StoredOrder, result: OrderResult): StoredOrder {
    // Given up after retries for a passing reason (requote, no connection, bridge down): failed, not refused.
    if (result.kind === "rejected") return this.finish(order, result.temporary ? "failed" : "rejected", result.code, result.message);
    if (result.kind === "unknown") return this.markUnknown(order, result.message);
    if (result.kind === "placed" || result.kind === "done") {
      return this.settleWith(order, (now) => {
        const { patch, events } = this.outcomeOf(order, result, now);
        this.d.journal.updateOrder(order.order_id, patch, now);
        if (patch.status !== "working") this.d.journal.setSignalStatus(order.signal_id, "done", null);
        return events;
      });
    }
    return this.settleWith(order, (now) => this.recordFill(order, result, now));
  }

  /**
   * A resting order's end, found by whoever watches it (the paper broker on the price stream, reconciliation with
   * MT5): filled, expired or cancelled at the broker. Journaled in the ticker's turn, like any settle.
   */
  settleResting(orderId: string, result: OrderResult | { kind: "expired" | "cancelled"; message: string }): Promise<StoredOrder> {
    const order = this.d.journal.getOrder(orderId);
    if (!order) return Promise.reject(new TradectlError("INTERNAL_ERROR", `no order ${orderId}`));
    return this.queue.run(order.ticker, async () => {
      const now = this.d.journal.getOrder(orderId)!;
      if (now.status !== "working") return now;
      if (result.kind === "expired" || result.kind === "cancelled") {
        const status = result.kind;
        const message = result.message;
        return this.settleWith(now, (t) => {
          this.d.journal.updateOrder(orderId, { status, error_code: status === "expired" ? "ORDER_EXPIRED" : "ORDER_CANCELLED", error_message: message }, t);
          return [[status === "expired" ? "order.expired" : "order.cancelled", { order_id: orderId, ticker: now.ticker, message }]];
        });
      }
      return this.settle(now, result as OrderResult);
    });
  }

  /** What a broker's result makes of an order (and of its target or its position's stops); inside a transaction. */
  private outcomeOf(order: StoredOrder, result: OrderResult, now: number): { patch: OrderPatch; events: Event[] } {
    switch (result.kind) {
      case "filled":
      case "partial":
        return this.fillOf(order, result, now);
      case "rejected":
        return this.endOf(order, result.temporary ? "failed" : "rejected", result.code, result.message, now);
      case "unknown":
        return { patch: { status: "unknown", error_code: "OUTCOME_UNKNOWN", error_message: result.message }, events: [] };
      case "placed": {
        const expiry = order.order_expires_at === null ? "good till cancelled" : `until ${new Date(order.order_expires_at).toISOString()}`;
        const patch: OrderPatch = { status: "working", broker_order_id: result.broker_order_id, submitted_at: order.submitted_at ?? now, attempts: order.attempts + (order.submitted_at === null ? 1 : 0), error_message: null, error_code: null };
        return { patch, events: [["order.working", { order_id: order.order_id, ticker: order.ticker, action: order.action, quantity: order.quantity, order_type: order.order_type, price: order.limit_price, expires: expiry }]] };
      }
      case "done": {
        const events: Event[] = [];
        if (order.kind === "cancel" && order.target_order_id) {
          this.d.journal.updateOrder(order.target_order_id, { status: "cancelled", error_code: "ORDER_CANCELLED", error_message: `cancelled by ${order.order_id}` }, now);
          events.push(["order.cancelled", { order_id: order.target_order_id, ticker: order.ticker, by: order.order_id }]);
        }
        if (order.kind === "modify") {
          const prev = this.d.stops.get(order.ticker);
          this.d.stops.set({ ticker: order.ticker, stop_loss: order.stop_loss, take_profit: order.take_profit, protection: order.protection, updated_at: now });
          events.push(["position.stops_changed", { ticker: order.ticker, stop_loss: order.stop_loss, take_profit: order.take_profit, previous_stop_loss: prev?.stop_loss ?? null, reason: `modify ${order.order_id}` }]);
        }
        const patch: OrderPatch = { status: "done", submitted_at: order.submitted_at ?? now, attempts: order.attempts + (order.submitted_at === null ? 1 : 0), filled_at: now, error_message: result.message };
        return { patch, events };
      }
    }
  }

  private finish(order: StoredOrder, status: "rejected" | "failed" | "expired", code: string, message: string): StoredOrder {
    return this.settleWith(order, (now) => this.recordFinish(order, status, code, message, now));
  }

  /**
   * Journals an order's final state. A fill at a real broker must outlive a power cut; a paper fill exists only
   * here (if a power cut undoes it, it never happened and the still-pending order is executed again), so it need
   * not wait for the disk, unless its source is about to answer with it: an answer, once sent, is kept durably
   * for repeats, in the same transaction.
   */
  private settleWith(order: StoredOrder, write: (now: number) => Event[]): StoredOrder {
    const now = this.d.clock.now();
    // A source waits for this order's signal: this settle answers it when it is the last of the signal's orders.
    const found = this.awaited.get(order.order_id);
    const waiting = found?.orderIds.every((id) => id === order.order_id || isSettled(this.d.journal.getOrder(id)?.status ?? "pending")) ? found : undefined;
    let answer: AdmissionRecord | null = null;
    const events = this.d.journal.tx(
      () => {
        const events = write(now);
        if (waiting) answer = this.settledAnswer(waiting, now);
        return events;
      },
      { durable: this.d.broker.external !== false || waiting !== undefined },
    );
    for (const [type, payload] of events) this.emit(type, payload, order.request_id);
    if (waiting && answer) {
      this.forget(waiting);
      waiting.answer(answer);
    }
    const settled = this.d.journal.getOrder(order.order_id)!;
    if (this.d.pair?.settled) this.handBack(settled);
    return settled;
  }

  /** The answer of a signal whose orders have all settled, kept for repeats; inside a transaction. */
  private settledAnswer(waiting: AwaitedAnswer, now: number): AdmissionRecord {
    const orders = waiting.orderIds.map((id) => orderBrief(this.d.journal.getOrder(id)!));
    const answer: AdmissionRecord = { ...waiting.queued, decided_at: now, processing_ms: elapsed(waiting.startedAt), outcome: { kind: "settled", order: orders[0]!, ...(orders.length > 1 ? { orders } : {}) } };
    this.d.idempotency.put(waiting.key, answer, now, waiting.expiresAt);
    return answer;
  }

  /** In a pair: an order settled here (and a cancel's target with it) goes back to the pair's queue. */
  private handBack(order: StoredOrder): void {
    this.d.pair!.settled!(order.order_id);
    if (order.kind === "cancel" && order.target_order_id) this.d.pair!.settled!(order.target_order_id);
  }

  /** A fill (or a partial one) and its position change, and the order's final state; inside a transaction. */
  private recordFill(order: StoredOrder, result: Dealt, now: number): Event[] {
    const { patch, events } = this.fillOf(order, result, now);
    this.d.journal.updateOrder(order.order_id, patch, now);
    this.d.journal.setSignalStatus(order.signal_id, "done", patch.error_message ?? null);
    return events;
  }

  /** An order that ends without a fill; inside a transaction. */
  private recordFinish(order: StoredOrder, status: "rejected" | "failed" | "expired", code: string, message: string, now: number): Event[] {
    const { patch, events } = this.endOf(order, status, code, message, now);
    this.d.journal.updateOrder(order.order_id, patch, now);
    this.d.journal.setSignalStatus(order.signal_id, status === "expired" ? "expired" : "done", message);
    return events;
  }

  /**
   * Records what was dealt in the ledger (with its position change); returns what it makes of the order, and its
   * events. A partial fill: less than ordered was dealt and the rest will not be (recorded with what and why).
   */
  private fillOf(order: StoredOrder, result: Dealt, now: number): { patch: OrderPatch; events: Event[] } {
    const f = result.fill;
    const partial = result.kind === "partial" ? result : null;
    const applied = this.d.ledger.applyFill({
      order_id: order.order_id,
      ticker: order.ticker,
      action: order.action,
      quantity: f.quantity,
      price: f.price,
      fee: f.fee,
      time: f.time,
      broker_deal_id: f.broker_deal_id,
    });
    const patch: OrderPatch = {
      status: partial ? "partially_filled" : "filled",
      fill_price: f.price,
      filled_quantity: f.quantity,
      fee: f.fee,
      broker_order_id: f.broker_order_id,
      filled_at: f.time,
      error_code: partial?.code ?? null,
      error_message: partial?.message ?? null,
      updated_at: now,
      // A broker inside the journal was never marked "submitted" (nor when a new leader took it over as unknown and
      // found it unsent): its send and this fill are one step.
      ...(order.submitted_at === null ? { submitted_at: now, attempts: order.attempts + 1 } : {}),
    };
    this.stopsAfterFill(order, applied.position?.quantity ?? 0, f.quantity, now);
    const dealt = { order_id: order.order_id, ticker: order.ticker, action: order.action, quantity: f.quantity, price: f.price, fee: f.fee };
    if (partial) this.d.logger.warn("order partially filled", { order_id: order.order_id, ticker: order.ticker, code: partial.code, reason: partial.message });
    return {
      patch,
      events: [
        partial ? ["order.partially_filled", { ...dealt, ordered: order.quantity, remaining: partial.remaining, code: partial.code, message: partial.message }] : ["order.filled", dealt],
        ["position.changed", { ticker: order.ticker, position: applied.position, realized_pnl: applied.realized_pnl }],
      ],
    };
  }

  /**
   * A position's stops follow its fills: an opening order's SL/TP and breakeven/trailing become the position's; a
   * position closed (or flipped) loses the old ones. A fill that opens a position from flat replaces whatever stops
   * are kept, with none when the order has none: the position may have been closed at the broker (its stop hit at
   * the terminal, a margin stop-out), which records no fill of ours, and a new position must not inherit the old
   * one's stop loss or trailing.
   */
  private stopsAfterFill(order: StoredOrder, held: number, filled: number, now: number): void {
    const opened = order.effect === "open" || (order.effect === null && order.action === "buy");
    if (held === 0) return this.d.stops.delete(order.ticker);
    const sameSide = (order.action === "buy") === held > 0;
    if (!opened || !sameSide) return;
    const none = order.stop_loss === null && order.take_profit === null && order.protection === null;
    if (none && Math.abs(held) === filled) return this.d.stops.delete(order.ticker);
    if (none) return;
    this.d.stops.set({ ticker: order.ticker, stop_loss: order.stop_loss, take_profit: order.take_profit, protection: order.protection, updated_at: now });
  }

  /** What ending an order without a fill makes of it, and its events. */
  private endOf(order: StoredOrder, status: "rejected" | "failed" | "expired", code: string, message: string, now: number): { patch: OrderPatch; events: Event[] } {
    this.d.logger.warn(`order ${status}`, { order_id: order.order_id, ticker: order.ticker, code, reason: message });
    const type: EventType = status === "expired" ? "signal.expired" : status === "failed" ? "order.failed" : "order.rejected";
    return { patch: { status, error_code: code, error_message: message, updated_at: now }, events: [[type, { order_id: order.order_id, ticker: order.ticker, code, message }]] };
  }

  private receivedEvent(signal: Signal): Event {
    const { idempotency_key: dedupe_key, ...visible } = signal;
    const meta: EventMeta = { expires_at: new Date(signal.expires_at).toISOString(), dedupe_key, ...(signal.confidence !== undefined ? { confidence: signal.confidence } : {}) };
    return ["signal.received", visible, meta];
  }

  private emit(type: EventType, payload: Record<string, unknown>, correlationId: string | null): void {
    this.d.bus.publish(makeEnvelope(type, "engine", payload, { time: this.d.clock.now(), correlation_id: correlationId }));
  }
}

/** The stable code a refusal carries in events and answers. */
export function refusalCode(reason: Extract<RecordedOutcome, { kind: "refused" }>["reason"]): string {
  switch (reason) {
    case "kill_switch":
    case "broker_unavailable":
    case "pair_unavailable":
      return "SERVICE_UNAVAILABLE";
    case "risk":
    case "reconciliation":
      return "RISK_LIMIT_EXCEEDED";
    case "expired":
      return "SIGNAL_EXPIRED";
    case "order":
      return "ORDER_REJECTED";
  }
}

/** Whether a planned order reduces risk (a close, a cancel, a modify; the seed's orders as risk judged them). */
function isExitPlan(plan: PlannedOrder, judgedExit: boolean): boolean {
  if (plan.kind !== "trade") return true;
  if (plan.effect !== null) return plan.effect === "close";
  return judgedExit;
}

function elapsed(startedAt: number | undefined): number {
  return startedAt === undefined ? 0 : Math.max(0, Math.round(performance.now() - startedAt));
}
