/**
 * What the leader hands back to the pair's queue, in the order it happened: every fill its ledger records (also the
 * broker's own closes, stop loss and take profit), added once to the day's shared realised P&L; every order that
 * settles (rests at the broker, or reaches a final state), with its ticker's position stops as they are then,
 * acknowledging its queue entry when it is the entry's last, and uncounting an entry that never traded; and exits
 * it admitted alone while Redis was unreachable (each signal's orders in one entry). Items wait in order while Redis
 * cannot take them and go when it can.
 */
import { jstDateKey } from "../domain/jst.js";
import { isSettled } from "../domain/types.js";
import type { FillInput, IdempotencyStore, OrderJournal, StopBook } from "../engine/ports.js";
import type { RedisLink } from "./connection.js";
import { KEEP_MS, type PairKeys } from "./keys.js";
import { ENQUEUE, FILL, FINISH } from "./scripts.js";

type Item =
  | { kind: "fill"; fill: FillInput; realized: number }
  | { kind: "finish"; orderId: string; entryId: string | null }
  | { kind: "alone"; orderIds: string[] };

/** The error code of an order handed to the queue after it was admitted alone (see `alone`). */
export const ALONE_CODE = "PAIR_ADMITTED_ALONE";

export interface PublisherOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  journal: OrderJournal;
  idempotency: IdempotencyStore;
  stops: StopBook;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void };
}

export class Publisher {
  private readonly items: Item[] = [];
  private flushing: Promise<void> | null = null;
  /** Orders whose state waits to be sent: a second settle meanwhile (resting, then filled) goes with the first. */
  private readonly finishing = new Map<string, Extract<Item, { kind: "finish" }>>();

  constructor(private readonly o: PublisherOptions) {
    o.link.onReady(() => this.flush());
  }

  get backlog(): number {
    return this.items.length;
  }

  fill(fill: FillInput, realized: number): void {
    this.push({ kind: "fill", fill, realized });
  }

  /**
   * An order settled in this journal: its state (as it is when sent) goes to the queue, and the entry it came from,
   * when given, is acknowledged.
   */
  finish(orderId: string, entryId: string | null): void {
    const waiting = this.finishing.get(orderId);
    if (waiting) {
      waiting.entryId ??= entryId;
      return;
    }
    const item = { kind: "finish" as const, orderId, entryId };
    this.finishing.set(orderId, item);
    this.push(item);
  }

  /** A signal's orders the leader admitted alone while Redis was unreachable. */
  alone(orderIds: string[]): void {
    this.push({ kind: "alone", orderIds });
  }

  /** Sends what waits, in order; stops at the first failure (Redis gone) and goes on at the next call. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private push(item: Item): void {
    this.items.push(item);
    // After the transaction that wrote it has committed (or rolled back: then it is dropped, see send()).
    setImmediate(() => void this.flush());
  }

  private async drain(): Promise<void> {
    while (this.items.length && this.o.link.connected) {
      try {
        await this.send(this.items[0]!);
        const done = this.items.shift()!;
        if (done.kind === "finish") this.finishing.delete(done.orderId);
      } catch (err) {
        this.o.link.noteFailure(err);
        return;
      }
    }
  }

  private async send(item: Item): Promise<void> {
    const { keys: k, node, journal } = this.o;
    const r = this.o.link.cmd;
    const minId = `${Math.max(0, Date.now() - KEEP_MS)}-0`;
    if (item.kind === "fill") {
      const f = item.fill;
      // Rolled back with its transaction: nothing happened, nothing to tell.
      if (f.order_id && !journal.getOrder(f.order_id)) return;
      const date = jstDateKey(f.time);
      const fillKey = f.broker_deal_id ?? `order:${f.order_id}`;
      await r.eval(FILL, 3, k.stream, k.day(date), k.dayFills(date), node, JSON.stringify({ fill: f, realized: item.realized }), fillKey, item.realized, KEEP_MS, minId);
      return;
    }
    if (item.kind === "alone") {
      const orders = item.orderIds.map((id) => journal.getOrder(id)).filter((o) => o !== undefined);
      const first = orders[0];
      const signal = first && journal.getSignal(first.signal_id);
      const record = signal ? this.o.idempotency.get(signal.idempotency_key, Date.now()) : undefined;
      if (!first || !signal || !record) return;
      // Each may have been sent already (by this daemon, under its lease): whoever leads looks it up before sending.
      const asQueued = orders.map((o) => ({ ...o, status: "unknown", error_code: ALONE_CODE, error_message: "admitted by the leader alone while Redis was unreachable: looked up at the broker before anything is sent" }));
      const data = JSON.stringify({ signal, orders: asQueued, record, key: signal.idempotency_key, expires_at: first.expires_at + KEEP_MS });
      const ttl = Math.max(1000, first.expires_at + 300_000 - Date.now());
      await r.eval(ENQUEUE, 3, k.idem(signal.idempotency_key), k.stream, k.queued(first.order_id), `R|${JSON.stringify(record)}`, ttl, Date.now() + 60_000, node, data, KEEP_MS, minId);
      for (const o of orders) if (isSettled(o.status)) this.finish(o.order_id, null);
      return;
    }
    const order = journal.getOrder(item.orderId);
    if (!order) return;
    if (!isSettled(order.status)) return;
    // An entry that never traded is no longer counted (a removal of anything else from the entry set does nothing).
    const neverTraded = order.kind === "trade" && ["rejected", "failed", "expired"].includes(order.status);
    const stops = this.o.stops.get(order.ticker) ?? null;
    await r.eval(FINISH, 2, k.stream, k.entries, node, JSON.stringify({ order, stops }), k.group, item.entryId ?? "", neverTraded ? order.order_id : "", minId);
  }
}

