/**
 * Admission in a hot-standby pair. The same judgement as one daemon's (admission.ts), with the pair's shared state
 * around it, in this order:
 * 1. claim the idempotency key for the whole window (a repeat at either daemon gets the first answer), reading the
 *    pair's day counters and kill switch with it;
 * 2. judge, each rule taking the stricter of the pair's counters and this journal's;
 * 3. accepted: count the entry (the daily count and cooldown checked again, atomically, so two alerts at two daemons
 *    cannot both take the last entry) and mint one order id per planned order from the pair's sequence (no two
 *    journals mint one id; a reverse's close and open get theirs in the same step);
 * 4. append the signal and all of its orders to the pair's queue in one entry and store its answer, replicated when
 *    configured (the leader never reads a close without its open);
 * 5. journal it here (the group commit) and answer.
 * The queue has the order before this journal does, so a crash in between loses nothing: the leader executes it and
 * this daemon's mirror brings it back. Redis unreachable: `cluster.onRedisDown` (entries 503, exits on the leader).
 */
import { jstDateKey, nextJstMidnight } from "../domain/jst.js";
import { EXIT_ACTIONS } from "../domain/order-vocabulary.js";
import type { Signal } from "../domain/types.js";
import { idempotencyExpiry, type AdmissionOutcome, type AdmissionRequest, type Decided, type Judgement, type JudgeDeps, type PairView } from "./admission.js";
import type { Clock } from "../domain/clock.js";
import { newOrder, orderBrief } from "./order-records.js";
import type { AdmissionRecord, OrderJournal, PairAdmission, SendPermit, StoredOrder } from "./ports.js";
import { TradectlError } from "../domain/errors.js";

export interface PairDeps {
  admission: PairAdmission;
  permit: SendPermit;
  /** cluster.onRedisDown, read on each refusal. */
  onRedisDown: () => "refuse" | "refuse-all";
  /** An exit admitted by the leader alone while Redis was unreachable (its orders): handed to the pair once it is back. */
  admittedAlone?: (orderIds: string[]) => void;
  /** An order settled here (final, or resting at the broker), or a cancel's target with it: the leader hands it back. */
  settled?: (orderId: string) => void;
}

interface Host {
  preview(req: AdmissionRequest, now: number, view?: PairView): Judgement;
  commit(req: AdmissionRequest, decided?: Decided): Promise<AdmissionOutcome>;
  queuePosition(): number;
}

interface Logger {
  warn(msg: string, meta?: Record<string, unknown>): void;
}

/** A claim held by another admission of the same alert: wait for its answer this long at most, asking this often. */
const BUSY_WAIT_MS = 2000;
const BUSY_POLL_MS = 10;
/** The counters may move between the claim and the reservation; judge again at most this many times. */
const RESERVE_TRIES = 4;
/**
 * Ids the leader mints alone while Redis is unreachable (exits only) start here, so they never meet an id of the
 * pair's shared sequence, which would need this many orders in one day (the webhook allows 1000 a day per address).
 */
export const ALONE_BASE = 900_000;

export class PairAdmitter {
  constructor(
    private readonly d: JudgeDeps & { clock: Clock; logger: Logger; journal: OrderJournal },
    private readonly pair: PairDeps,
    private readonly host: Host,
  ) {}

  async admit(req: AdmissionRequest): Promise<AdmissionOutcome> {
    const { signal } = req;
    const now = this.d.clock.now();
    const expiresAt = idempotencyExpiry(signal, now, this.d.policy().timestampWindowMs);
    let view: PairView;
    try {
      const claim = await this.claim(signal, now, expiresAt);
      if (claim.kind === "answered") return { kind: "duplicate", record: claim.record };
      view = claim.view;
    } catch (err) {
      return this.withoutPair(req, err);
    }

    for (let tries = 0; tries < RESERVE_TRIES; tries++) {
      const j = this.host.preview(req, this.d.clock.now(), view);
      if (j.verdict === "duplicate") {
        // This journal knows the alert though the pair's store did not (it lost keys): the first answer, shared again.
        await this.pair.admission.answer(signal.idempotency_key, j.first, expiresAt).catch(() => undefined);
        return { kind: "duplicate", record: j.first };
      }
      if (j.verdict === "refuse") return this.refuse(req, j, expiresAt);
      const at = this.d.clock.now();
      let reservation;
      try {
        const rules = this.d.policy().riskRules(signal.ticker);
        reservation = await this.pair.admission.reserve({
          isEntry: !j.isExit,
          now: at,
          tradingDate: jstDateKey(at),
          dayStart: nextJstMidnight(at) - 86_400_000,
          maxEntries: rules.maxDailyEntries,
          cooldownMs: rules.cooldownMinutes * 60_000,
          // What the kill switch does not stop (see judge): the daemon's own exits, and closes, cancels and modifies.
          exempt: req.purpose !== undefined || EXIT_ACTIONS.has(signal.action),
          count: j.orders.length,
          entryIndex: entryIndex(j),
        });
      } catch (err) {
        await this.pair.admission.release(signal.idempotency_key).catch(() => undefined);
        return this.unavailable(req, err);
      }
      if (reservation.kind === "changed") {
        view = { day: reservation.day, kill: reservation.kill };
        continue;
      }
      return this.accept(req, j, reservation.orderIds, at, expiresAt);
    }
    await this.pair.admission.release(signal.idempotency_key).catch(() => undefined);
    return this.unavailable(req, new TradectlError("SERVICE_UNAVAILABLE", "the pair's counters kept changing while this alert was judged"));
  }

  /** The claim, waiting out another admission of the same alert (its answer is this one's). */
  private async claim(signal: Signal, now: number, expiresAt: number): Promise<{ kind: "answered"; record: AdmissionRecord } | { kind: "claimed"; view: PairView }> {
    const deadline = performance.now() + BUSY_WAIT_MS;
    for (;;) {
      const c = await this.pair.admission.claim(signal.idempotency_key, signal.id, now, expiresAt);
      if (c.kind === "answered") return c;
      if (c.kind === "claimed") return { kind: "claimed", view: { day: c.day, kill: c.kill } };
      if (performance.now() > deadline) throw new TradectlError("SERVICE_UNAVAILABLE", "the same alert is being admitted by the other daemon and has not been answered yet");
      await new Promise((r) => setTimeout(r, BUSY_POLL_MS));
    }
  }

  private async accept(req: AdmissionRequest, j: Extract<Judgement, { verdict: "accept" }>, orderIds: string[], now: number, expiresAt: number): Promise<AdmissionOutcome> {
    const { signal } = req;
    if (j.quantity !== signal.quantity) signal.quantity = j.quantity;
    const orders = j.orders.map((plan, i) => newOrder(signal, plan, orderIds[i]!, orderIds[i]!.slice(4, 12), now));
    const record = this.queuedRecord(req, orders, now);
    try {
      await this.pair.admission.enqueue({ key: signal.idempotency_key, expiresAt, signal, orders, record });
    } catch (err) {
      // The reply was lost but this daemon's reading of the queue already found the orders there: they are queued.
      if (!this.d.journal.getOrder(orderIds[0]!)) {
        // Not in the pair's queue (its store refused it, or gave no answer in time and its own deadline refuses it
        // later): nothing will execute it. The claim and the counted entry go back; the alert is refused.
        await this.pair.admission.release(signal.idempotency_key, j.isExit ? undefined : orderIds[entryIndex(j)]).catch(() => undefined);
        return this.unavailable(req, err);
      }
    }
    const outcome = await this.host.commit(req, { judgement: j, accepted: { orders, record } });
    if (outcome.kind === "accepted" && outcome.record !== record) {
      // Settled before the answer (the leader's broker answered within the budget): repeats get that answer, unless
      // the pair's store cannot take it now, when this answer stays the queued one the store holds.
      try {
        await this.pair.admission.answer(signal.idempotency_key, outcome.record, expiresAt);
      } catch {
        return { ...outcome, record };
      }
    }
    return outcome;
  }

  private async refuse(req: AdmissionRequest, j: Extract<Judgement, { verdict: "refuse" }>, expiresAt: number): Promise<AdmissionOutcome> {
    const outcome = await this.host.commit(req, { judgement: j });
    const key = req.signal.idempotency_key;
    const keep = outcome.kind === "refused" && j.remember;
    await (keep ? this.pair.admission.answer(key, outcome.record, expiresAt) : this.pair.admission.release(key)).catch(() => undefined);
    return outcome;
  }

  /**
   * Redis unreachable before anything was shared. `refuse`: an exit still goes through on the leader (judged and
   * journaled here alone, executed under its lease, handed to the pair when Redis is back); the rest get 503.
   */
  private async withoutPair(req: AdmissionRequest, err: unknown): Promise<AdmissionOutcome> {
    if (this.pair.onRedisDown() === "refuse" && this.pair.permit.current() !== null) {
      const now = this.d.clock.now();
      const j = this.host.preview(req, now);
      if (j.verdict === "accept" && j.isExit) {
        // Ids from this journal's own sequence, in a range the pair's sequence never reaches (see ALONE_BASE).
        const orders = j.orders.map((plan) => {
          const { orderId, tradingDate } = this.d.journal.nextOrderId(now);
          return newOrder(req.signal, plan, `ORD_${tradingDate}_${ALONE_BASE + Number(orderId.slice(13))}`, tradingDate, now);
        });
        const outcome = await this.host.commit(req, { judgement: j, accepted: { orders, record: this.queuedRecord(req, orders, now) } });
        if (outcome.kind === "accepted") this.pair.admittedAlone?.(orders.map((o) => o.order_id));
        return outcome;
      }
      if (j.verdict !== "accept") return this.host.commit(req, { judgement: j });
    }
    return this.unavailable(req, err);
  }

  private queuedRecord(req: AdmissionRequest, orders: StoredOrder[], now: number): AdmissionRecord {
    return {
      request_id: req.signal.request_id,
      signal_id: req.signal.id,
      decided_at: now,
      processing_ms: req.startedAt === undefined ? 0 : Math.max(0, Math.round(performance.now() - req.startedAt)),
      outcome: { kind: "queued", order: orderBrief(orders[0]!), queue_position: this.host.queuePosition(), ...(orders.length > 1 ? { orders: orders.map(orderBrief) } : {}) },
    };
  }

  private unavailable(req: AdmissionRequest, err: unknown): Promise<AdmissionOutcome> {
    const reason = err instanceof Error ? err.message : String(err);
    const policy = this.pair.onRedisDown();
    const what = policy === "refuse-all" ? "alerts are refused" : this.pair.permit.current() === null ? "this daemon is not the leader, which alone takes exits meanwhile" : "entries are refused";
    const message = `Redis unreachable (${reason}): ${what} (cluster.onRedisDown=${policy})`;
    this.d.logger.warn("alert refused: the pair's shared state is unreachable", { request_id: req.signal.request_id, reason });
    const judgement: Judgement = { verdict: "refuse", reason: "pair_unavailable", message, details: { component: "redis", reason, policy }, remember: false, risk: null };
    return this.host.commit(req, { judgement });
  }
}

/** Which of an accepted signal's orders is its entry (counted against the daily limit): a reverse's open, a buy. */
function entryIndex(j: Extract<Judgement, { verdict: "accept" }>): number {
  const i = j.orders.findIndex((o) => o.kind === "trade" && (o.effect === "open" || (o.effect === null && o.action === "buy")));
  return Math.max(0, i);
}
