/**
 * Admission: the one door every signal goes through, whatever its source (the webhook, a relay channel, the CLI).
 * `judge` decides, reading only: a repeat gets the first answer, then the kill switch, expiry, the risk rules, a
 * reconciliation block and the broker's health, in that order. The engine applies the judgement in a journal
 * transaction; `/webhook/test` shows it without applying it, so the dry run cannot disagree with the real path.
 */
import { describeMarket, jstStamp } from "../domain/market-hours.js";
import { EXIT_ACTIONS } from "../domain/order-vocabulary.js";
import { estimateOrderPrice } from "../domain/order-price.js";
import { evaluateRisk, type RiskEvaluation, type RiskRules } from "../domain/risk.js";
import { midPrice, type Signal } from "../domain/types.js";
import { planOrders, type PlanDeps, type PlannedOrder } from "./plan-orders.js";
import type { KillSwitch } from "./kill-switch.js";
import type { AdmissionRecord, IdempotencyStore, OrderJournal, PairDay, PositionLedger, RefusalReason, SharedKill, StoredOrder } from "./ports.js";
import type { QuoteBook } from "./quote-book.js";
import { readRiskSnapshot } from "./risk-state.js";

export interface AdmissionPolicy {
  /** The risk rules for a ticker (the instrument's own market calendar, else the default one). */
  riskRules(ticker: string): RiskRules;
  /** How far from now an alert's own time may be, either side (`webhook.timestampWindowMs`). */
  timestampWindowMs: number;
}

/** A position that differs from the broker's without explanation: entries of its ticker wait until it is resolved. */
export interface PositionDifference {
  broker_quantity: number;
  journal_quantity: number;
  unexplained: number;
}

export interface AdmissionRequest {
  signal: Signal;
  /** Decide and report, change nothing (POST /webhook/test). */
  dryRun?: boolean;
  /**
   * How long the answer may wait for the broker (ms from `startedAt`): an order settled by then is answered with its
   * outcome, else as queued. 0 or absent: answered as queued at once.
   */
  syncBudgetMs?: number;
  /** performance.now() when the request arrived (processing time and the budget count from it). */
  startedAt?: number;
  /**
   * The daemon's own exits, not refused by the kill switch nor by market hours: the kill switch's flatten, and the
   * protective orders it runs on the price stream (a paper stop or target hit, a breakeven/trailing move).
   */
  purpose?: "flatten" | "protect";
}

export type Judgement =
  | { verdict: "duplicate"; first: AdmissionRecord; risk: RiskEvaluation | null }
  | {
      verdict: "refuse";
      reason: RefusalReason;
      message: string;
      details: Record<string, unknown>;
      /** Whether a repeat gets this refusal too; a condition that may clear (kill switch, broker, block) is judged afresh. */
      remember: boolean;
      risk: RiskEvaluation | null;
    }
  | {
      verdict: "accept";
      /** The first order's quantity (computed from `sizing`, or clamped to the held position for the seed's sell). */
      quantity: number;
      isExit: boolean;
      risk: RiskEvaluation | null;
      /** The orders to journal and send, in order (a reverse: the close, then the open). */
      orders: PlannedOrder[];
    };

/** What admission did with a signal: the typed outcome every source maps to its own answer. */
export type AdmissionOutcome =
  /** Journaled with its order; `record` says whether it settled before the answer (settled) or not (queued). */
  | { kind: "accepted"; record: AdmissionRecord; order: StoredOrder; done: Promise<StoredOrder> }
  /** A repeat: the first signal's record, answered again exactly. */
  | { kind: "duplicate"; record: AdmissionRecord }
  /** Journaled as rejected (kill switch, risk, reconciliation, broker unavailable, expired). */
  | { kind: "refused"; record: AdmissionRecord }
  /** The dry run's judgement; nothing was written. */
  | { kind: "dry_run"; judgement: Judgement };

/** A judgement made before the transaction, with the order and answer the pair's queue already holds when accepted. */
export interface Decided {
  judgement: Judgement;
  /** The orders the pair minted (and queued) for the judgement's plan, in its order, with the answer it stored. */
  accepted?: { orders: StoredOrder[]; record: AdmissionRecord };
}

export interface JudgeDeps {
  journal: OrderJournal;
  ledger: PositionLedger;
  idempotency: IdempotencyStore;
  killSwitch: KillSwitch;
  quotes: QuoteBook;
  policy: () => AdmissionPolicy;
  brokerStatus: () => { connected: boolean; message: string | null };
  reconciliationBlock: (ticker: string) => PositionDifference | null;
  /** What planning an order reads: positions, their stops, pending orders, quotes, the instrument, the account. */
  plan: PlanDeps;
}

/** In a pair: the shared counters and kill switch read with the claim; each rule takes the stricter of them and ours. */
export interface PairView {
  day: PairDay;
  kill: SharedKill | null;
}

/**
 * What admission decides for `signal` at `now`. With `full` (the dry run), every check is evaluated even after one
 * has decided, so the report can show each; the verdict is the same either way.
 */
export function judge(d: JudgeDeps, req: AdmissionRequest, now: number, full = false, pair?: PairView): Judgement {
  const { signal } = req;
  const first = d.idempotency.get(signal.idempotency_key, now);
  if (first && !full) return { verdict: "duplicate", first, risk: null };
  const flatten = req.purpose !== undefined;
  // Closes, cancels and SL/TP moves only reduce risk: no entry rule, no kill switch entry block applies to them.
  const exitOnly = EXIT_ACTIONS.has(signal.action);
  const plan = planOrders(signal, d.plan);
  const entry = plan.ok ? plan.entry : null;
  const risk = flatten || exitOnly || (!plan.ok && signal.action !== "buy" && signal.action !== "sell") ? null : evaluate(d, signal, now, entry, pair?.day);
  if (first) return { verdict: "duplicate", first, risk };

  const kill = pair?.kill?.active ? pair.kill : d.killSwitch.active ? d.killSwitch.get() : null;
  if (kill && !flatten && !exitOnly) {
    const since = kill.changed_at === null ? null : new Date(kill.changed_at).toISOString();
    return { verdict: "refuse", reason: "kill_switch", message: "Kill switch active - trading is stopped", details: { reason: kill.reason, since }, remember: false, risk };
  }
  if (now >= signal.expires_at) {
    const message = `signal expired at ${new Date(signal.expires_at).toISOString()} before it could be admitted`;
    return { verdict: "refuse", reason: "expired", message, details: { expires_at: new Date(signal.expires_at).toISOString() }, remember: true, risk };
  }
  if (!plan.ok) return { verdict: "refuse", reason: plan.reason, message: plan.message, details: plan.details, remember: true, risk };
  const orders = plan.orders;
  if (exitOnly || flatten) {
    const closed = !flatten && signal.action !== "cancel" && signal.action !== "modify" ? marketClosed(d, orders, now) : null;
    if (closed) return { verdict: "refuse", reason: "risk", message: closed.message, details: closed.details, remember: false, risk };
    return { verdict: "accept", quantity: orders[0]!.quantity, isExit: true, risk, orders };
  }
  if (risk === null) return { verdict: "accept", quantity: orders[0]!.quantity, isExit: true, risk, orders };
  if (!risk.ok) {
    // A reconciliation block lifts when a sync finds the positions equal, not by time: a repeat is judged afresh.
    const reason = risk.limit_type === "reconciliation_mismatch" ? "reconciliation" : "risk";
    return { verdict: "refuse", reason, message: risk.message, details: risk.details, remember: reason === "risk", risk };
  }
  const broker = d.brokerStatus();
  if (!risk.is_exit && !broker.connected) {
    return { verdict: "refuse", reason: "broker_unavailable", message: "Broker unavailable - entries are refused", details: { component: "broker", reason: broker.message }, remember: false, risk };
  }
  // The seed's sell: risk clamps it to the held quantity.
  if (signal.action === "sell" || signal.action === "buy") orders[0]!.quantity = risk.quantity;
  return { verdict: "accept", quantity: orders[0]!.quantity, isExit: risk.is_exit, risk, orders };
}

/** A close outside its market's hours: refused (nothing can trade), with when it opens. */
function marketClosed(d: JudgeDeps, orders: PlannedOrder[], now: number): { message: string; details: Record<string, unknown> } | null {
  for (const o of orders) {
    const status = describeMarket(d.policy().riskRules(o.ticker).marketHours, now);
    if (status.open) continue;
    const message = `${o.ticker}: ${status.label}; opens ${jstStamp(status.next_open ?? now)}`;
    return { message, details: { limit_type: "market_hours", current_value: null, max_value: null, reset_at: status.next_open === null ? null : new Date(status.next_open).toISOString(), message } };
  }
  return null;
}

/** The risk rules, then (for an entry that passes them) a block on its ticker from reconciliation. */
function evaluate(d: JudgeDeps, signal: Signal, now: number, entry: PlannedOrder | null, day?: PairDay): RiskEvaluation {
  const snap = readRiskSnapshot(d.journal, d.ledger, d.quotes, now);
  if (day) {
    snap.entriesToday = Math.max(snap.entriesToday, day.entries);
    snap.lastEntryAt = day.lastEntryAt === null ? snap.lastEntryAt : Math.max(snap.lastEntryAt ?? 0, day.lastEntryAt);
    snap.realizedToday = Math.min(snap.realizedToday, day.realized);
  }
  const q = d.quotes.forTicker(signal.ticker);
  // An entry of the vocabulary (a sized buy, the open of a reverse) is judged as the seed's buy of what it will order.
  const action = signal.action === "sell" ? "sell" : "buy";
  const quantity = entry?.quantity ?? signal.quantity;
  const priceEstimate = entry?.limit_price ?? estimateOrderPrice({ action, price: signal.price, entry_price: signal.entry_price, exit_price: signal.exit_price }, q ? midPrice(q) : null);
  const risk = evaluateRisk({
    signal: { action, ticker: signal.ticker, quantity, priceEstimate },
    now,
    config: d.policy().riskRules(signal.ticker),
    state: {
      entriesToday: snap.entriesToday,
      lastEntryAt: snap.lastEntryAt,
      realizedPnlToday: snap.realizedToday,
      exposure: snap.exposure,
      heldQuantity: snap.held(signal.ticker),
    },
  });
  const mismatch = risk.ok && !risk.is_exit ? d.reconciliationBlock(signal.ticker) : null;
  if (!mismatch) return risk;
  const message = `${signal.ticker}: the broker holds ${mismatch.broker_quantity}, the journal ${mismatch.journal_quantity}; entries are blocked until the difference is resolved`;
  const limit = { limit_type: "reconciliation_mismatch" as const, current_value: mismatch.unexplained, max_value: 0, reset_at: null };
  const details = { ...limit, ticker: signal.ticker, broker_quantity: mismatch.broker_quantity, journal_quantity: mismatch.journal_quantity, message };
  return { ok: false, is_exit: false, message, details, checks: risk.checks, ...limit };
}

/** Seed 5.1 keeps a key 5 minutes after the answer; at least that, and for as long as the same alert is acceptable. */
const MIN_KEEP_MS = 5 * 60_000;
/** Beyond the window's edge: an alert received at its very end must still find the key on a repeat. */
const EDGE_MS = 1_000;

/**
 * Until when a repeat of `signal` must get the first answer: as long as the same alert could be accepted at all,
 * which for an alert timed in the future is its own time plus the window, not the time it arrived.
 */
export function idempotencyExpiry(signal: Signal, now: number, windowMs: number): number {
  return Math.max(now + MIN_KEEP_MS, signal.alert_time + windowMs + EDGE_MS, signal.received_at + windowMs + EDGE_MS);
}
