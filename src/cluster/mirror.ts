/**
 * Each daemon's copy of the pair's journal: it reads the whole queue (XREAD, from a cursor kept in its state store)
 * and applies what the other daemon wrote: accepted signals with their orders (so risk here counts the pair's
 * orders), and the leader's fills, order states (resting at the broker, final) and position stops (so positions,
 * their SL/TP and breakeven/trailing here are the pair's, and a follower that becomes leader knows what was done and
 * protects what is held). Idempotent: an order is inserted once, a fill recorded once (by deal id).
 */
import type { Redis } from "ioredis";
import type { AdmissionRecord, IdempotencyStore, OrderJournal, PositionLedger, PositionStops, StateStore, StopBook, StoredOrder, FillInput } from "../engine/ports.js";
import { FINAL_ORDER_STATUSES, type Signal } from "../domain/types.js";
import type { RedisLink } from "./connection.js";
import type { PairKeys } from "./keys.js";

export interface QueueEntry {
  id: string;
  kind: "accepted" | "order" | "fill";
  node: string;
  data: Record<string, unknown>;
}

export interface AcceptedData {
  signal: Signal;
  /** The signal's orders, in the order they execute (a reverse: the close, then the open). */
  orders: StoredOrder[];
  record: AdmissionRecord;
  key: string;
  expires_at: number;
}

/** What the leader hands back when an order settles: its state, and its ticker's position stops as they are then. */
export interface OrderData {
  order: StoredOrder;
  stops?: PositionStops | null;
}

/** An accepted entry's orders; an entry written before signals carried several has its one order as `order`. */
export function ordersOf(a: AcceptedData | (Omit<AcceptedData, "orders"> & { order: StoredOrder })): StoredOrder[] {
  return "orders" in a ? a.orders : [a.order];
}

export interface MirrorOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  journal: OrderJournal;
  ledger: PositionLedger;
  idempotency: IdempotencyStore;
  stops: StopBook;
  state: StateStore;
  now: () => number;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void };
  /** While the mirror applies the other daemon's fills, this daemon must not hand them back to the queue. */
  applying: (on: boolean) => void;
}

const CURSOR = "pair.mirror.cursor";
const BLOCK_MS = 1000;

export class Mirror {
  private stopped = false;
  private conn: Redis | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly o: MirrorOptions) {}

  start(): void {
    this.conn = this.o.link.connection("mirror", { commandTimeout: BLOCK_MS + 2000 });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.disconnect();
    await this.loop;
  }

  /** Inserts an accepted signal and its orders unless this journal has them; returns the orders as journaled. */
  importAccepted(a: AcceptedData): StoredOrder[] {
    const { journal } = this.o;
    const orders = ordersOf(a);
    const have = orders.map((o) => journal.getOrder(o.order_id));
    if (have.every((o) => o !== undefined)) return have as StoredOrder[];
    journal.tx(() => {
      if (!journal.getSignal(a.signal.id)) journal.insertSignal(a.signal, "accepted", null, orders[0]!.order_id);
      for (const [i, o] of orders.entries()) if (!have[i]) journal.insertOrder(o);
      this.o.idempotency.put(a.key, a.record, this.o.now(), a.expires_at);
    });
    return orders.map((o) => journal.getOrder(o.order_id)!);
  }

  apply(e: QueueEntry): void {
    if (e.kind === "accepted") {
      this.importAccepted(e.data as unknown as AcceptedData);
      return;
    }
    if (e.node === this.o.node) return; // this daemon's own outcomes: its journal wrote them first
    if (e.kind === "fill") return this.applyFill(e.data.fill as FillInput);
    this.applyOrder(e.data as unknown as OrderData);
  }

  private applyFill(f: FillInput): void {
    const { ledger } = this.o;
    if (f.order_id && ledger.fillOf(f.order_id) && !f.broker_deal_id) return;
    this.o.applying(true);
    try {
      ledger.applyFill(f);
    } finally {
      this.o.applying(false);
    }
  }

  private applyOrder({ order: o, stops }: OrderData): void {
    const { journal } = this.o;
    if (!journal.getOrder(o.order_id)) return; // its accepted entry comes first in the queue; a trimmed one is gone
    const { order_id: _id, ...fields } = o;
    journal.tx(() => {
      journal.updateOrder(o.order_id, fields, o.updated_at);
      if (FINAL_ORDER_STATUSES.has(o.status)) journal.setSignalStatus(o.signal_id, o.status === "expired" ? "expired" : "done", o.error_message);
      if (stops === null) this.o.stops.delete(o.ticker);
      else if (stops) this.o.stops.set(stops);
    });
  }

  private async run(): Promise<void> {
    let cursor = this.o.state.get<string>(CURSOR) ?? "0";
    while (!this.stopped) {
      try {
        const res = (await this.conn!.xread("COUNT", 200, "BLOCK", BLOCK_MS, "STREAMS", this.o.keys.stream, cursor)) as Array<[string, Array<[string, string[]]>]> | null;
        if (!res) continue;
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            try {
              this.apply(parseEntry(id, fields));
            } catch (err) {
              this.o.logger.warn("pair: a queue entry could not be applied to this journal", { entry: id, error: (err as Error).message });
            }
            cursor = id;
          }
        }
        this.o.state.set(CURSOR, cursor, this.o.now());
      } catch {
        if (!this.stopped) await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

export function parseEntry(id: string, fields: string[]): QueueEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return { id, kind: f.k as QueueEntry["kind"], node: f.n ?? "", data: JSON.parse(f.d ?? "{}") as Record<string, unknown> };
}
