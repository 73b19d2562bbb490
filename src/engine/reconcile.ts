/**
 * Reconciliation: what the journal believes vs what the broker shows. Pure; the daemon feeds it
 * after a restart (or when an order's outcome is unknown) before sending anything again.
 *
 * - An open order (submitted/unknown/pending) whose client id appears as a deal comment was filled
 *   at the broker: record the fill. Legs of a split exit carry "<id>.<n>" and count for <id>.
 * - An open order with no deal is confirmed absent (given deals that cover the order's lifetime):
 *   safe to resend (if still valid) or to mark failed.
 * - Per ticker, broker quantity − (journal quantity + fills found now) ≠ 0 is an unexplained
 *   difference: show it in /status and block entries for that ticker until resolved.
 */
import type { BrokerDeal, BrokerPosition, OrderFill } from "./broker.js";
import type { Action, ClientOrderId, OrderStatus } from "../domain/types.js";

export interface JournalOpenOrder {
  order_id: ClientOrderId;
  ticker: string;
  action: Action;
  quantity: number;
  status: Extract<OrderStatus, "pending" | "submitted" | "unknown">;
}

export interface JournalPosition {
  ticker: string;
  /** Signed: long positive. */
  quantity: number;
}

export interface ReconcileInput {
  orders: JournalOpenOrder[];
  journalPositions: JournalPosition[];
  brokerPositions: BrokerPosition[];
  deals: BrokerDeal[];
  /** Only deals with this magic are ours (MT5); omit to accept every deal. */
  magic?: number;
}

export type OrderStatusReport =
  | {
      kind: "filled";
      order_id: ClientOrderId;
      ticker: string;
      fill: OrderFill;
      /** Less than ordered (a partial fill or a partly executed split exit). */
      partial: boolean;
      deal_ids: string[];
    }
  | { kind: "absent"; order_id: ClientOrderId; ticker: string };

export interface PositionDifference {
  ticker: string;
  journal_quantity: number;
  /** Signed quantity the fills found by this reconciliation add to the journal. */
  pending_fills: number;
  broker_quantity: number;
  /** broker − (journal + pending fills); never 0 in this list. */
  unexplained: number;
}

export interface ReconcileReport {
  orders: OrderStatusReport[];
  differences: PositionDifference[];
  /** Tickers whose entries the daemon should block until the difference is resolved. */
  blocked_tickers: string[];
}

const EPSILON = 1e-6;
const round8 = (n: number): number => Math.round(n * 1e8) / 1e8;

/**
 * Legs of one order (a split exit: one leg per position it closes) carry the order id, then "<id>.2", "<id>.3"…:
 * the leg's number in a comment, or null when the comment is not of this order.
 */
export function legNumber(comment: string, orderId: ClientOrderId): number | null {
  if (comment === orderId) return 1;
  const rest = comment.startsWith(`${orderId}.`) ? comment.slice(orderId.length + 1) : "";
  return /^\d+$/.test(rest) ? Number(rest) : null;
}

export function belongsTo(comment: string, orderId: ClientOrderId): boolean {
  return legNumber(comment, orderId) !== null;
}

/** The client id of leg `n` of an order (the first leg is the order id itself). */
export function legId(orderId: ClientOrderId, n: number): string {
  return n === 1 ? orderId : `${orderId}.${n}`;
}

/**
 * Several fills of one order (the legs of a split exit, or its deals) as one: the volume-weighted price, the
 * summed quantity and fee, the ids of the earliest, the time of the latest. Every path that finds an order's
 * fill at the broker records it through here, so the same order is recorded the same way whichever found it.
 */
export function mergeFills(fills: OrderFill[]): OrderFill {
  const quantity = round8(fills.reduce((s, f) => s + f.quantity, 0));
  const first = fills.reduce((a, b) => (b.time < a.time ? b : a));
  return {
    price: fills.reduce((s, f) => s + f.price * f.quantity, 0) / quantity,
    quantity,
    fee: round8(fills.reduce((s, f) => s + f.fee, 0)),
    broker_order_id: first.broker_order_id,
    broker_deal_id: first.broker_deal_id,
    time: Math.max(...fills.map((f) => f.time)),
  };
}

/** An order's deals → its fill (see mergeFills). */
export function fillOfDeals(deals: BrokerDeal[]): OrderFill {
  return mergeFills(deals.map((d) => ({ price: d.price, quantity: d.quantity, fee: d.fee, broker_order_id: d.order, broker_deal_id: d.ticket, time: d.time })));
}

export function reconcile(input: ReconcileInput): ReconcileReport {
  const deals = input.deals.filter((d) => input.magic === undefined || d.magic === input.magic);
  const orders = input.orders.map((o): OrderStatusReport => {
    const mine = deals.filter((d) => belongsTo(d.comment, o.order_id));
    if (mine.length > 0) {
      const fill = fillOfDeals(mine);
      return {
        kind: "filled",
        order_id: o.order_id,
        ticker: o.ticker,
        fill,
        partial: fill.quantity < o.quantity - EPSILON,
        deal_ids: mine.map((d) => d.ticket),
      };
    }
    return { kind: "absent", order_id: o.order_id, ticker: o.ticker };
  });

  const pendingFills = new Map<string, number>();
  for (const report of orders) {
    if (report.kind !== "filled") continue;
    const o = input.orders.find((x) => x.order_id === report.order_id)!;
    const signed = o.action === "buy" ? report.fill.quantity : -report.fill.quantity;
    pendingFills.set(o.ticker, (pendingFills.get(o.ticker) ?? 0) + signed);
  }
  const journal = sumBy(input.journalPositions);
  const broker = sumBy(input.brokerPositions);
  const tickers = [...new Set([...journal.keys(), ...broker.keys(), ...pendingFills.keys()])].sort();
  const differences: PositionDifference[] = [];
  for (const ticker of tickers) {
    const j = journal.get(ticker) ?? 0;
    const p = pendingFills.get(ticker) ?? 0;
    const b = broker.get(ticker) ?? 0;
    const unexplained = round8(b - (j + p));
    if (Math.abs(unexplained) > EPSILON) {
      differences.push({ ticker, journal_quantity: round8(j), pending_fills: round8(p), broker_quantity: round8(b), unexplained });
    }
  }
  return { orders, differences, blocked_tickers: differences.map((d) => d.ticker) };
}

function sumBy(rows: { ticker: string; quantity: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.ticker, (out.get(r.ticker) ?? 0) + r.quantity);
  return out;
}
