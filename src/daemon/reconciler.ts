/**
 * Periodic reconciliation with the broker (MT5): at start and every `broker.mt5.syncSeconds`.
 *
 * One sync reads the journal first, then the broker (positions, then deals), so a fill that lands between
 * the reads shows up as a deal of a still-open order rather than as a difference. Then:
 * - closes of our positions that tradectl did not send (stop loss, take profit, stop-out, a manual close in
 *   the terminal) are recorded as fills — once, by deal ticket — so the journal follows the broker;
 * - every order left `pending`/`submitted`/`unknown` and not in motion is handed back to the engine, which
 *   looks it up by client order id (findOrder) and settles it, or — confirmed absent — sends it if still
 *   valid (an expired entry is never sent; an exit still is); this happens also when the broker's positions
 *   and deals could not be read (each order's lookup stands on its own), and is counted (`rechecks`);
 * - per ticker, broker quantity − (journal quantity + fills found now) ≠ 0 is an unexplained difference:
 *   logged, emitted as `reconcile.mismatch`, shown in /status and blocking new entries of that ticker until
 *   a later sync finds no difference (`reconcile.cleared`). A ticker with an order in motion during the read is not judged.
 */
import type { Clock } from "../domain/clock.js";
import { settleWithin } from "../domain/settle-within.js";
import type { Broker, BrokerDeal, BrokerPosition } from "../engine/broker.js";
import type { Engine } from "../engine/engine.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import { reconcile, type PositionDifference, type ReconcileReport } from "../engine/reconcile.js";
import type { Logger } from "../log/logger.js";
import type { StoredOrder } from "../engine/ports.js";
import type { Journal } from "../store/journal.js";
import type { Ledger } from "../store/ledger.js";

export interface ReconcilerDeps {
  broker: Broker;
  journal: Journal;
  ledger: Ledger;
  engine: Engine;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Only positions and deals with this magic are tradectl's (MT5 `broker.mt5.magic`). */
  magic: number;
  periodMs: number;
  /** How long the daemon's start waits for the first sync before going on (it keeps running after). */
  startWaitMs?: number;
  /** In a pair, only the leader reconciles (it alone may send what a re-check finds unsent). */
  active?: () => boolean;
}

export interface ReconciliationView {
  state: "pending" | "ok" | "mismatch" | "error";
  last_sync_at: string | null;
  last_error: string | null;
  differences: PositionDifference[];
  /** Closes recorded from the broker since the daemon started (stop loss, take profit, manual). */
  external_fills: number;
  /** Open orders handed back to the engine to be looked up at the broker since the daemon started. */
  rechecks: number;
}

/** MT5 keeps deal times in trade-server time: search a window wide enough for any server offset. */
const SERVER_TIME_MARGIN_MS = 2 * 86_400_000;

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly blocked = new Map<string, PositionDifference>();
  private lastSyncAt: number | null = null;
  private lastError: string | null = null;
  private externalFills = 0;
  private rechecks = 0;

  constructor(private readonly d: ReconcilerDeps) {}

  /** Runs the first sync (waiting at most `startWaitMs` for it), then one every `periodMs`. */
  async start(): Promise<void> {
    const first = this.sync();
    this.timer = setInterval(() => void this.sync(), this.d.periodMs);
    this.timer.unref();
    await settleWithin(first, this.d.startWaitMs ?? 5000);
  }

  /** Stops the timer; a sync still waiting on the broker gets a moment, then is left to find `stopped`. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.running) await settleWithin(this.running, 1000);
  }

  /** One sync; a sync already under way is joined, not doubled. Never throws. */
  sync(): Promise<void> {
    if (this.stopped || this.d.active?.() === false) return Promise.resolve();
    this.running ??= this.syncOnce()
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.lastError) this.d.logger.warn("reconciliation with the broker failed; will retry", { error: message });
        this.lastError = message;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** ticker → why its entries are blocked (Control's `blockedTickers`). */
  blockedTickers(): Record<string, string> {
    return Object.fromEntries([...this.blocked].map(([t, diff]) => [t, describe(diff)]));
  }

  /** Why entries of `ticker` are blocked, with the difference, or null. */
  blockFor(ticker: string): PositionDifference | null {
    return this.blocked.get(ticker) ?? null;
  }

  view(): ReconciliationView {
    return {
      state: this.lastError ? "error" : this.lastSyncAt === null ? "pending" : this.blocked.size ? "mismatch" : "ok",
      last_sync_at: this.lastSyncAt === null ? null : new Date(this.lastSyncAt).toISOString(),
      last_error: this.lastError,
      differences: [...this.blocked.values()],
      external_fills: this.externalFills,
      rechecks: this.rechecks,
    };
  }

  private async syncOnce(): Promise<void> {
    const { broker, journal, ledger, engine } = this.d;
    // Pending orders first: one filled while the daemon was down (or since the last sync) becomes its fill and
    // position here before positions are compared; one expired or cancelled at the broker ends.
    await this.followWorking();
    const working = new Set(journal.workingOrders().map((o) => o.ticker));
    const before = engine.activity();
    // The journal first, then the broker (see the header).
    const openOrders = journal.openOrders();
    const positions = ledger.positions();
    const journalPositions = positions.map((p) => ({ ticker: p.ticker, quantity: p.quantity }));
    const now = this.d.clock.now();
    const since = Math.min(now, ...positions.map((p) => p.opened_at), ...openOrders.map((o) => o.created_at)) - SERVER_TIME_MARGIN_MS;

    let brokerPositions: BrokerPosition[];
    let deals: BrokerDeal[];
    try {
      brokerPositions = await broker.positions();
      deals = ((await broker.deals?.(since, now + SERVER_TIME_MARGIN_MS)) ?? []).filter((x) => x.magic === this.d.magic);
    } catch (err) {
      // The broker could not be read, so no difference can be judged; open orders are still looked up, each on its
      // own (a lookup that fails leaves its order unknown, nothing is sent), so no outcome waits on this read.
      if (!this.stopped) this.recheckOpen(openOrders, null);
      throw err;
    }
    const after = engine.activity();
    if (this.stopped) return; // the daemon stopped while the broker answered: the journal may be closed

    const external = this.recordExternalCloses(deals);
    for (const [ticker, signed] of external) {
      const row = journalPositions.find((p) => p.ticker === ticker);
      if (row) row.quantity += signed;
      else journalPositions.push({ ticker, quantity: signed });
    }

    const report = reconcile({
      orders: openOrders.map((o) => ({ order_id: o.order_id, ticker: o.ticker, action: o.action, quantity: o.quantity, status: o.status as "pending" | "submitted" | "unknown" })),
      journalPositions,
      brokerPositions,
      deals,
      magic: this.d.magic,
    });

    this.recheckOpen(openOrders, report);

    const unsettled = (ticker: string) =>
      working.has(ticker) ||
      before.busy.has(ticker) || after.busy.has(ticker) || (before.changes.get(ticker) ?? 0) !== (after.changes.get(ticker) ?? 0) || openOrders.some((o) => o.ticker === ticker);
    const seen = new Set<string>();
    for (const diff of report.differences) {
      seen.add(diff.ticker);
      if (unsettled(diff.ticker)) continue; // judged at the next sync, once nothing is in motion
      const previous = this.blocked.get(diff.ticker);
      this.blocked.set(diff.ticker, diff);
      if (previous && previous.unexplained === diff.unexplained && previous.broker_quantity === diff.broker_quantity) continue;
      this.d.logger.error("position differs from the broker; entries of this ticker are blocked until it is resolved", { ...diff });
      this.d.bus.publish(makeEnvelope("reconcile.mismatch", "reconciler", { ...diff, blocked: true, message: describe(diff) }, { time: this.d.clock.now() }));
    }
    for (const ticker of [...this.blocked.keys()]) {
      if (seen.has(ticker) || unsettled(ticker)) continue;
      this.blocked.delete(ticker);
      this.d.logger.info("position agrees with the broker again; entries of this ticker are allowed", { ticker });
      this.d.bus.publish(makeEnvelope("reconcile.cleared", "reconciler", { ticker, blocked: false }, { time: this.d.clock.now() }));
    }
    this.lastSyncAt = this.d.clock.now();
    this.lastError = null;
  }

  /** Every working (pending) order looked up at the broker: dealt → filled, gone → expired/cancelled, else still working. */
  private async followWorking(): Promise<void> {
    if (!this.d.broker.findResting) return;
    for (const o of this.d.journal.workingOrders()) {
      const result = await this.d.broker.findResting(o.order_id);
      if (this.stopped || !result) continue;
      const settled = await this.d.engine.settleResting(o.order_id, result);
      this.d.logger.info("pending order settled at the broker", { order_id: o.order_id, status: settled.status });
    }
  }

  /** Orders not in motion go back to the engine: it looks each up and settles it (or, absent, sends it if still valid). */
  private recheckOpen(openOrders: StoredOrder[], report: ReconcileReport | null): void {
    for (const o of openOrders) {
      if (!this.d.engine.recheck(o.order_id)) continue;
      this.rechecks += 1;
      const found = report?.orders.find((r) => r.order_id === o.order_id);
      const atBroker = !report ? "broker not read" : found?.kind === "filled" ? (found.partial ? "dealt in part" : "dealt") : "not found";
      this.d.logger.info("re-checking an open order with the broker", { order_id: o.order_id, status: o.status, at_broker: atBroker });
    }
  }

  /**
   * Deals that closed one of our positions but carry no order id of ours (the server's "[sl …]"/"[tp …]",
   * a stop-out, a close by hand) are recorded as fills once. A deal counts as ours when its position was
   * opened by a deal whose comment is one of our orders. Returns the signed quantity recorded per ticker.
   */
  private recordExternalCloses(deals: BrokerDeal[]): Map<string, number> {
    const { journal, ledger } = this.d;
    const known = new Map<string, boolean>(); // comment → is one of our orders (each looked up once per sync)
    const ourOrder = (comment: string): boolean => {
      let ours = known.get(comment);
      if (ours === undefined) {
        ours = /^ORD_\d{8}_\d+(\.\d+)?$/.test(comment) && journal.getOrder(comment.replace(/\.\d+$/, "")) !== undefined;
        known.set(comment, ours);
      }
      return ours;
    };
    const ourPositions = new Set(deals.filter((x) => x.entry === "in" && ourOrder(x.comment)).map((x) => x.position_id));
    const recorded = new Map<string, number>();
    for (const deal of deals.sort((a, b) => a.time - b.time)) {
      if (deal.entry === "in" || !deal.ticker || ourOrder(deal.comment) || !ourPositions.has(deal.position_id) || ledger.hasDeal(deal.ticket)) continue;
      const applied = ledger.applyFill({
        order_id: null,
        ticker: deal.ticker,
        action: deal.side,
        quantity: deal.quantity,
        price: deal.price,
        fee: deal.fee,
        time: deal.time,
        broker_deal_id: deal.ticket,
      });
      this.externalFills += 1;
      const signed = deal.side === "buy" ? deal.quantity : -deal.quantity;
      recorded.set(deal.ticker, (recorded.get(deal.ticker) ?? 0) + signed);
      this.d.logger.warn("a position was closed at the broker without an order from tradectl; recorded the fill", {
        ticker: deal.ticker,
        deal: deal.ticket,
        side: deal.side,
        quantity: deal.quantity,
        price: deal.price,
        comment: deal.comment,
      });
      this.d.bus.publish(
        makeEnvelope("position.changed", "reconciler", { ticker: deal.ticker, position: applied.position, realized_pnl: applied.realized_pnl, broker_deal_id: deal.ticket, reason: deal.comment || "closed at the broker" }, { time: this.d.clock.now() }),
      );
    }
    return recorded;
  }
}

function describe(d: PositionDifference): string {
  const pending = d.pending_fills ? ` + ${d.pending_fills} being settled` : "";
  return `broker holds ${d.broker_quantity}, journal ${d.journal_quantity}${pending}: ${d.unexplained > 0 ? "+" : ""}${d.unexplained} unexplained; entries blocked until resolved`;
}
