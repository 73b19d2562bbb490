/**
 * Protective orders run on the price stream: on every quote of a ticker, breakeven and trailing move the
 * position's stop loss (never loosening it; at most one move in flight and one per `minMoveMs` per ticker), and
 * on a broker that keeps its stops and pending orders in the journal (paper) a stop loss or take profit crossed by
 * the quote closes the position and a limit/stop order the quote reaches fills; pending orders past their expiry
 * expire. Every move and close is a signal through the same admission as any other (source `engine`), so it is
 * journaled, exactly-once and never blocked by entry limits or the kill switch.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { timeOrderedId } from "../domain/ids.js";
import { nextStopLoss, stopHit } from "../domain/protective-stop.js";
import { onGrid, type InstrumentSpec } from "../domain/instrument-spec.js";
import type { SignalAction } from "../domain/order-vocabulary.js";
import type { Position, Quote, Signal } from "../domain/types.js";
import type { Broker, OrderRequest, OrderResult } from "./broker.js";
import type { AdmissionOutcome } from "./engine.js";
import type { AdmissionRequest } from "./admission.js";
import { toRequest } from "./order-records.js";
import type { OrderJournal, PositionLedger, PositionStops, StopBook, StoredOrder } from "./ports.js";

export interface PriceWatchDeps {
  engine: {
    admit(req: AdmissionRequest): Promise<AdmissionOutcome>;
    settleResting(orderId: string, result: OrderResult | { kind: "expired" | "cancelled"; message: string }): Promise<StoredOrder>;
  };
  journal: OrderJournal;
  ledger: PositionLedger;
  stops: StopBook;
  broker: Broker & { restingFill?(req: OrderRequest, q: Quote): OrderResult | null };
  instrument: (ticker: string) => InstrumentSpec;
  quoteOf: (ticker: string) => Quote | undefined;
  clock: Clock;
  signalTtlMs: () => number;
  /** Least time between two stop moves of one ticker (rate limit of SLTP requests). */
  minMoveMs?: number;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void };
}

export class PriceWatch {
  private readonly busy = new Map<string, Promise<void>>();
  private readonly lastMove = new Map<string, number>();

  constructor(private readonly d: PriceWatchDeps) {}

  /** Everything a new quote of `ticker` triggers; resolves when it has been admitted and settled. */
  onQuote(ticker: string): Promise<void> {
    const running = this.busy.get(ticker);
    if (running) return running; // the next quote looks again; this one's work is under way
    const work = this.check(ticker).finally(() => this.busy.delete(ticker));
    this.busy.set(ticker, work);
    return work;
  }

  /** Pending orders past their expiry, whatever the quotes (a timer calls this). */
  async sweep(): Promise<void> {
    if (this.d.broker.external !== false) return; // MT5 expires its own orders (ORDER_TIME_SPECIFIED); reconciliation finds them
    const now = this.d.clock.now();
    const due = this.d.journal.workingOrders().filter((o) => o.order_expires_at !== null && o.order_expires_at <= now);
    await Promise.all(due.map((o) => this.d.engine.settleResting(o.order_id, { kind: "expired", message: `expired at ${new Date(o.order_expires_at!).toISOString()} without reaching ${o.limit_price}` })));
  }

  private async check(ticker: string): Promise<void> {
    const q = this.d.quoteOf(ticker);
    if (!q) return;
    // Stops and the position are read once per quote (a tick is the hot path); again only after a move changed them.
    let s = this.d.stops.get(ticker);
    const pos = s ? this.d.ledger.position(ticker) : undefined;
    const open = pos && pos.quantity !== 0 ? pos : undefined;
    if (s && open && (await this.protect(ticker, q, s, open))) s = this.d.stops.get(ticker);
    if (this.d.broker.external === false) {
      if (s && open && (await this.stopsHit(ticker, q, s, open))) return;
      await this.resting(ticker, q);
    }
  }

  /** Breakeven/trailing: a tighter stop loss, as a modify through admission. Whether it moved. */
  private async protect(ticker: string, q: Quote, s: PositionStops, pos: Position): Promise<boolean> {
    if (!s.protection) return false;
    const long = pos.quantity > 0;
    const want = nextStopLoss({ long, entry: pos.avg_price, stopLoss: s.stop_loss }, long ? q.bid : q.ask, s.protection);
    if (want === null) return false;
    const g = onGrid(this.d.instrument(ticker), want, long ? "long_sl" : "short_sl", long ? q.bid : q.ask);
    if (!g.ok || (s.stop_loss !== null && (long ? g.value.price <= s.stop_loss : g.value.price >= s.stop_loss))) return false;
    const now = this.d.clock.now();
    if (now - (this.lastMove.get(ticker) ?? -Infinity) < (this.d.minMoveMs ?? 1000)) return false;
    this.lastMove.set(ticker, now);
    await this.admit(ticker, "modify", `move|${ticker}|${g.value.price}|${pos.opened_at}`, { stop_loss: g.value.price });
    return true;
  }

  /** Paper: a stop loss or take profit the quote has crossed closes the position at the quote. */
  private async stopsHit(ticker: string, q: Quote, s: PositionStops, pos: Position): Promise<boolean> {
    const long = pos.quantity > 0;
    const hit = stopHit(long, s.stop_loss, s.take_profit, q.bid, q.ask);
    if (!hit) return false;
    const level = hit === "sl" ? s.stop_loss : s.take_profit;
    await this.admit(ticker, long ? "close_long" : "close_short", `hit|${ticker}|${hit}|${level}|${pos.opened_at}`, { exit_reason: hit === "sl" ? "stop_loss" : "take_profit" });
    return true;
  }

  /** Paper: pending orders the quote reaches fill; those past their expiry expire. */
  private async resting(ticker: string, q: Quote): Promise<void> {
    const now = this.d.clock.now();
    for (const o of this.d.journal.workingOrders(ticker)) {
      if (o.order_expires_at !== null && o.order_expires_at <= now) {
        await this.d.engine.settleResting(o.order_id, { kind: "expired", message: `expired at ${new Date(o.order_expires_at).toISOString()} without reaching ${o.limit_price}` });
        continue;
      }
      const result = this.d.broker.restingFill?.(toRequest(o, o.effect === "close"), q);
      if (result) await this.d.engine.settleResting(o.order_id, result);
    }
  }

  private async admit(ticker: string, action: SignalAction, key: string, extra: Partial<Signal>): Promise<void> {
    const now = this.d.clock.now();
    const signal: Signal = {
      id: timeOrderedId("sig_"),
      request_id: `req_${randomBytes(8).toString("hex")}`,
      source: "engine",
      action,
      ticker,
      quantity: 0,
      price: "market",
      alert_time: now,
      received_at: now,
      expires_at: now + this.d.signalTtlMs(),
      idempotency_key: createHash("sha256").update(`protect|${key}`).digest("hex"),
      ...extra,
    };
    const outcome = await this.d.engine.admit({ signal, purpose: "protect" });
    if (outcome.kind === "refused") {
      const o = outcome.record.outcome;
      this.d.logger.warn("protective order refused", { ticker, action, reason: o.kind === "refused" ? o.message : o.kind });
    }
    if (outcome.kind === "accepted") await outcome.done;
  }
}
