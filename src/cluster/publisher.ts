/**
 * What the leader hands back to the pair's queue, in the order it happened: every fill its ledger records (also the
 * broker's own closes, stop loss and take profit), added once to the day's shared realised P&L; every order that
 * reaches a final state (acknowledging its queue entry, and uncounting an entry that never traded); and exits it
 * admitted alone while Redis was unreachable. Items wait in order while Redis cannot take them and go when it can.
 */
import { jstDateKey } from "../domain/jst.js";
import { FINAL_ORDER_STATUSES } from "../domain/types.js";
import type { FillInput, IdempotencyStore, OrderJournal } from "../engine/ports.js";
import type { RedisLink } from "./connection.js";
import { KEEP_MS, type PairKeys } from "./keys.js";
import { ENQUEUE, FILL, FINISH } from "./scripts.js";

type Item =
  | { kind: "fill"; fill: FillInput; realized: number }
  | { kind: "finish"; orderId: string; entryId: string | null }
  | { kind: "alone"; orderId: string };

export interface PublisherOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  journal: OrderJournal;
  idempotency: IdempotencyStore;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void };
}

export class Publisher {
  private readonly items: Item[] = [];
  private flushing: Promise<void> | null = null;
  private readonly finishing = new Set<string>();

  constructor(private readonly o: PublisherOptions) {
    o.link.onReady(() => this.flush());
  }

  get backlog(): number {
    return this.items.length;
  }

  fill(fill: FillInput, realized: number): void {
    this.push({ kind: "fill", fill, realized });
  }

  /** An order final in this journal: its state goes to the queue and its entry (if it came from one) is acknowledged. */
  finish(orderId: string, entryId: string | null): void {
    if (this.finishing.has(orderId)) return;
    this.finishing.add(orderId);
    this.push({ kind: "finish", orderId, entryId });
  }

  alone(orderId: string): void {
    this.push({ kind: "alone", orderId });
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
    const order = journal.getOrder(item.orderId);
    if (!order) return;
    if (item.kind === "alone") {
      const signal = journal.getSignal(order.signal_id);
      const record = signal ? this.o.idempotency.get(signal.idempotency_key, Date.now()) : undefined;
      if (!signal || !record) return;
      const data = JSON.stringify({ signal, order: { ...order, status: "pending" }, record, key: signal.idempotency_key, expires_at: order.expires_at + KEEP_MS });
      const ttl = Math.max(1000, order.expires_at + 300_000 - Date.now());
      await r.eval(ENQUEUE, 3, k.idem(signal.idempotency_key), k.stream, k.queued(order.order_id), `R|${JSON.stringify(record)}`, ttl, Date.now() + 60_000, node, data, KEEP_MS, minId);
      if (FINAL_ORDER_STATUSES.has(order.status)) this.finish(order.order_id, null);
      return;
    }
    if (!FINAL_ORDER_STATUSES.has(order.status)) return;
    const neverTraded = order.action === "buy" && ["rejected", "failed", "expired"].includes(order.status);
    await r.eval(FINISH, 2, k.stream, k.entries, node, JSON.stringify({ order }), k.group, item.entryId ?? "", neverTraded ? order.order_id : "", minId);
  }
}
