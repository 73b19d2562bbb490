/**
 * The leader's side of the queue: a consumer group, read only while this daemon holds the lease. Every accepted
 * signal (its own and the follower's) is journaled here with all of its orders if it is not already, each order is
 * executed in turn (a reverse: the close, then the open, on the ticker's queue), and the entry is acknowledged once
 * every order of it has settled here: final, or resting at the broker (an entry still pending holds an order that
 * may be in flight: what a new leader must take over).
 *
 * A new term takes over first: the entries pending at the other consumer (XAUTOCLAIM) and at this one, the entries
 * no one has read yet, and the open orders of this journal. Any of them may have been sent by the previous leader,
 * so each of its orders is marked `unknown` and the engine looks it up at the broker by its client order id before
 * sending.
 * Entries appended after the term began can only be sent by this daemon. A sweep every third of the lease picks up
 * what a lost acknowledgement or a fenced send left behind.
 */
import type { Redis } from "ioredis";
import { FINAL_ORDER_STATUSES, isSettled } from "../domain/types.js";
import type { OrderJournal } from "../engine/ports.js";
import type { RedisLink } from "./connection.js";
import type { PairKeys } from "./keys.js";
import { ordersOf, parseEntry, type AcceptedData, type Mirror } from "./mirror.js";
import type { Publisher } from "./publisher.js";

export interface ExecutorOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  journal: OrderJournal;
  mirror: Mirror;
  publisher: Publisher;
  /** The engine: queue an order not final and not in motion (null when it is either). */
  execute: (orderId: string) => unknown;
  isLeader: () => boolean;
  sweepMs: number;
  now: () => number;
  logger: { info(msg: string, meta?: Record<string, unknown>): void; warn(msg: string, meta?: Record<string, unknown>): void };
}

const BLOCK_MS = 500;
export const TAKEOVER_CODE = "PAIR_TAKEOVER";

export class Executor {
  private conn: Redis | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  /** Entries read and not yet acknowledged: entry id → its orders not settled here yet. */
  private readonly entries = new Map<string, Set<string>>();
  /** Order id → its entry, for the orders of those entries. */
  private readonly tracked = new Map<string, string>();
  /** This term's own accepted entries not journaled yet when read (by entry id): their admission journals and runs them. */
  private readonly admitting = new Map<string, AcceptedData>();
  /** Set by a new term: the stream id up to which every entry is taken over. */
  private takeoverUpTo: string | null = null;
  private termPending = false;
  /** After a failed read: this consumer's pending entries are read before new ones (see run). */
  private readOwn = false;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ExecutorOptions) {}

  /** Orders read from the queue and not settled here yet. */
  get pending(): number {
    return this.tracked.size;
  }

  start(): void {
    this.conn = this.o.link.connection("leader", { commandTimeout: BLOCK_MS + 2000 });
    this.o.link.onReady(() => void this.ensureGroup());
    this.loop = this.run();
    this.sweepTimer = setInterval(() => this.sweep(), this.o.sweepMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.conn?.disconnect();
    await this.loop;
  }

  /** A new term: take over before anything else is read. */
  beginTerm(): void {
    this.termPending = true;
  }

  /**
   * An order settled here (final, or resting at the broker): its state goes back to the queue, and its entry is
   * acknowledged with the state of the last of its orders to settle.
   */
  finished(orderId: string): void {
    if (!this.o.isLeader()) return;
    const entryId = this.tracked.get(orderId) ?? null;
    this.tracked.delete(orderId);
    const open = entryId === null ? undefined : this.entries.get(entryId);
    open?.delete(orderId);
    const last = open !== undefined && open.size === 0;
    if (last) this.entries.delete(entryId!);
    this.o.publisher.finish(orderId, last ? entryId : null);
  }

  private async ensureGroup(): Promise<void> {
    await this.o.link.cmd.xgroup("CREATE", this.o.keys.stream, this.o.keys.group, "0", "MKSTREAM").catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) this.o.link.noteFailure(err);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.o.isLeader()) {
        this.entries.clear();
        this.tracked.clear();
        this.admitting.clear();
        await delay(50);
        continue;
      }
      try {
        if (this.termPending) await this.takeOver();
        if (this.readOwn) await this.readOwnPending();
        const res = (await this.conn!.xreadgroup("GROUP", this.o.keys.group, this.o.node, "COUNT", 100, "BLOCK", BLOCK_MS, "STREAMS", this.o.keys.stream, ">")) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, entries] of res ?? []) for (const [id, fields] of entries) this.handle(id, fields);
      } catch (err) {
        if (/NOGROUP/.test((err as Error).message)) await this.ensureGroup();
        else this.o.link.noteFailure(err);
        // A read that timed out here (Redis paused) may still be served when Redis runs again: its entries are then
        // delivered to this consumer and their reply dropped. They wait in this consumer's pending list: read it next.
        this.readOwn = true;
        if (!this.stopped) await delay(100);
      }
    }
  }

  /** This consumer's own pending entries (read from "0"), page by page: each handled again (handling is idempotent). */
  private async readOwnPending(): Promise<void> {
    let cursor = "0";
    for (;;) {
      const res = (await this.conn!.xreadgroup("GROUP", this.o.keys.group, this.o.node, "COUNT", 100, "STREAMS", this.o.keys.stream, cursor)) as Array<[string, Array<[string, string[]]>]> | null;
      const entries = res?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) this.handle(id, fields);
      if (entries.length < 100) break;
      cursor = entries.at(-1)![0];
    }
    this.readOwn = false;
  }

  private async takeOver(): Promise<void> {
    const r = this.o.link.cmd;
    const { stream, group } = this.o.keys;
    await this.ensureGroup();
    const info = (await r.xinfo("STREAM", stream)) as unknown[];
    const lastId = String(info[info.indexOf("last-generated-id") + 1] ?? "0-0");
    let cursor = "0-0";
    let claimed = 0;
    do {
      const [next, entries] = (await r.xautoclaim(stream, group, this.o.node, 0, cursor, "COUNT", 100)) as [string, Array<[string, string[]] | null>];
      for (const e of entries) if (e) (claimed++, this.handle(e[0], e[1], true));
      cursor = next;
    } while (cursor !== "0-0");
    // This consumer's own pending entries (a previous run of this daemon) came with the claim above (idle ≥ 0).
    this.takeoverUpTo = lastId;
    let open = 0;
    for (const o of this.o.journal.openOrders()) {
      if (!this.tracked.has(o.order_id)) (open++, this.inherit(o.order_id));
    }
    this.termPending = false;
    this.o.logger.info("pair: this daemon leads; took over what the previous leader may have left", { claimed_entries: claimed, open_orders: open, up_to: lastId });
  }

  private handle(id: string, fields: string[], inherited = false): void {
    const e = parseEntry(id, fields);
    if (e.kind !== "accepted") {
      void this.o.link.cmd.xack(this.o.keys.stream, this.o.keys.group, id).catch(() => undefined);
      return;
    }
    const data = e.data as unknown as AcceptedData;
    const ids = ordersOf(data).map((o) => o.order_id);
    const takenOver = inherited || (this.takeoverUpTo !== null && compareIds(id, this.takeoverUpTo) <= 0);
    if (!takenOver && e.node === this.o.node && !this.o.journal.getOrder(ids[0]!)) {
      // Appended by this daemon's admission a moment ago, which journals it and runs it itself.
      this.track(id, ids);
      this.admitting.set(id, data);
      return;
    }
    const orders = this.o.mirror.importAccepted(data);
    this.track(id, ids);
    for (const order of orders) {
      if (isSettled(order.status)) this.finished(order.order_id);
      else if (takenOver) this.inherit(order.order_id);
      else this.o.execute(order.order_id);
    }
  }

  private track(entryId: string, orderIds: string[]): void {
    if (this.entries.has(entryId)) return;
    this.entries.set(entryId, new Set(orderIds));
    for (const orderId of orderIds) this.tracked.set(orderId, entryId);
  }

  /** An order the previous leader may have sent: looked up by its client id before anything is sent. */
  private inherit(orderId: string): void {
    const o = this.o.journal.getOrder(orderId);
    if (!o || FINAL_ORDER_STATUSES.has(o.status)) return;
    if (o.status === "pending") {
      this.o.journal.updateOrder(orderId, { status: "unknown", error_code: TAKEOVER_CODE, error_message: "taken over from the previous leader: looked up at the broker before anything is sent" }, this.o.now());
    }
    this.o.execute(orderId);
  }

  private sweep(): void {
    if (!this.o.isLeader() || this.termPending) return;
    for (const [entryId, open] of this.entries) {
      const admitting = this.admitting.get(entryId);
      this.admitting.delete(entryId);
      // Its admission failed after the queue had it: the queue's copy stands, and is executed here.
      if (admitting) this.o.mirror.importAccepted(admitting);
      for (const orderId of [...open]) {
        const o = this.o.journal.getOrder(orderId);
        if (!o) continue;
        if (isSettled(o.status)) this.finished(orderId);
        else this.o.execute(orderId);
      }
    }
    void this.o.publisher.flush();
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am - bm || as - bs;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
