/**
 * Each daemon's copy of the pair's journal: it reads the whole queue (XREAD, from a cursor kept in its state store)
 * and applies what the other daemon wrote: accepted signals with their orders (so risk here counts the pair's
 * orders), and the leader's fills and final order states (so positions here are the pair's, and a follower that
 * becomes leader knows what was done). Idempotent: an order is inserted once, a fill recorded once (by deal id).
 */
import type { Redis } from "ioredis";
import type { AdmissionRecord, IdempotencyStore, OrderJournal, PositionLedger, StateStore, StoredOrder, FillInput } from "../engine/ports.js";
import type { Signal } from "../domain/types.js";
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
  order: StoredOrder;
  record: AdmissionRecord;
  key: string;
  expires_at: number;
}

export interface MirrorOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  journal: OrderJournal;
  ledger: PositionLedger;
  idempotency: IdempotencyStore;
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

  /** Inserts an accepted signal and its order unless this journal has it; returns the order as journaled. */
  importAccepted(a: AcceptedData): StoredOrder {
    const { journal } = this.o;
    const have = journal.getOrder(a.order.order_id);
    if (have) return have;
    journal.tx(() => {
      journal.insertSignal(a.signal, "accepted", null, a.order.order_id);
      journal.insertOrder(a.order);
      this.o.idempotency.put(a.key, a.record, this.o.now(), a.expires_at);
    });
    return journal.getOrder(a.order.order_id)!;
  }

  apply(e: QueueEntry): void {
    if (e.kind === "accepted") {
      this.importAccepted(e.data as unknown as AcceptedData);
      return;
    }
    if (e.node === this.o.node) return; // this daemon's own outcomes: its journal wrote them first
    if (e.kind === "fill") return this.applyFill(e.data.fill as FillInput);
    this.applyOrder(e.data.order as StoredOrder);
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

  private applyOrder(o: StoredOrder): void {
    const { journal } = this.o;
    if (!journal.getOrder(o.order_id)) return; // its accepted entry comes first in the queue; a trimmed one is gone
    const { order_id: _id, ...fields } = o;
    journal.tx(() => {
      journal.updateOrder(o.order_id, fields, o.updated_at);
      journal.setSignalStatus(o.signal_id, o.status === "expired" ? "expired" : "done", o.error_message);
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
