/**
 * What a broker's account event does to the journal. Fills (v1 ORDER_FILLED, STOP_LOSS_FILLED,
 * TAKE_PROFIT_FILLED, TRAILING_STOP_FILLED, MARGIN_CLOSEOUT; v20 ORDER_FILL, whose `reason` says
 * whether a stop, a take-profit or a margin closeout filled) move positions through the ledger; a
 * fill that carries one of our client order ids (v20 `clientOrderID`, `clientExtensions.id`, or an
 * `ORD_YYYYMMDD_NNN` at the start of the comment) also updates that order, any other is recorded
 * as an external fill. ORDER_CANCEL and `*_ORDER_REJECT` end one of our orders that is still open.
 * Margin calls (MARGIN_CALL_ENTER, v20 MARGIN_CALL_EXTEND, MARGIN_CALL_EXIT) become `account.margin_call`
 * events, and the account's margin-call state is kept in the state store (shown in status).
 *
 * Exactly once: the ledger ignores a repeated deal id (`oanda:<account>:<transaction id>`), and the
 * caller stores the stream's cursor in the same journal transaction as the effect.
 */
import type { Clock } from "../domain/clock.js";
import { FINAL_ORDER_STATUSES, type Action, type Position } from "../domain/types.js";
import { isRecord, toNumber, toStringOrNull } from "../domain/values.js";
import { makeEnvelope } from "./envelope.js";
import type { EngineLogger } from "./engine.js";
import type { EventBus } from "./event-bus.js";
import type { BrokerTransaction, MarginCallView } from "./feed.js";
import type { OrderJournal, PositionLedger, StateStore, StoredOrder } from "./ports.js";

export type TransactionEffectsLogger = Pick<EngineLogger, "info" | "warn">;

export interface TransactionEffectsDeps {
  journal: OrderJournal;
  ledger: PositionLedger;
  bus: EventBus;
  clock: Clock;
  logger: TransactionEffectsLogger;
  /** Our ticker for a broker instrument name (the reverse of `instruments.<ticker>.symbol`). */
  tickerOf: (instrument: string) => string;
  /** Where each account's margin-call state is kept, so it outlives a restart (none: not kept). */
  state?: StateStore;
}

export type MarginCallState = "entered" | "extended" | "exited";

export type TransactionOutcome =
  | { kind: "fill"; ticker: string; order_id: string | null; duplicate: boolean; position: Position | null }
  | { kind: "order-ended"; order_id: string }
  | { kind: "margin-call"; state: MarginCallState; margin_call: MarginCallView | null }
  | { kind: "ignored"; reason: string };

/** Transaction types that fill (open, reduce or close) a position. */
const FILL_TYPES: ReadonlySet<string> = new Set([
  "ORDER_FILL", // v20; reason STOP_LOSS_ORDER, TAKE_PROFIT_ORDER, TRAILING_STOP_LOSS_ORDER, MARKET_ORDER_MARGIN_CLOSEOUT, …
  "ORDER_FILLED",
  "STOP_LOSS_FILLED",
  "TAKE_PROFIT_FILLED",
  "TRAILING_STOP_FILLED",
  "MARGIN_CLOSEOUT",
]);

const MARGIN_CALLS: Readonly<Record<string, MarginCallState>> = {
  MARGIN_CALL_ENTER: "entered",
  MARGIN_CALL_EXTEND: "extended",
  MARGIN_CALL_EXIT: "exited",
};

const CLIENT_ID = /^ORD_\d{8}_\d{3,}$/;
const CLIENT_ID_IN_COMMENT = /^\s*(ORD_\d{8}_\d{3,})\b/;

/** The deal id a broker transaction is recorded under (unique per account and transaction). */
function dealIdOf(tx: BrokerTransaction, fallbackAccount: string): string {
  return `oanda:${tx.account_id || fallbackAccount}:${tx.id}`;
}

export class TransactionEffects {
  constructor(private readonly d: TransactionEffectsDeps) {}

  /** Applies one transaction; `account` names the account when the transaction does not. Idempotent. */
  apply(tx: BrokerTransaction, account: string): TransactionOutcome {
    if (FILL_TYPES.has(tx.type)) return this.fill(tx, account);
    const marginCall = MARGIN_CALLS[tx.type];
    if (marginCall) return this.marginCall(tx, account, marginCall);
    if (tx.type === "ORDER_CANCEL" || tx.type.endsWith("_ORDER_REJECT")) return this.endOrder(tx);
    return { kind: "ignored", reason: `${tx.type} does not change orders or positions` };
  }

  private fill(tx: BrokerTransaction, account: string): TransactionOutcome {
    const raw = record(tx.raw);
    const price = tx.price ?? toNumber(raw.fullVWAP) ?? toNumber(record(raw.fullPrice).closeoutBid);
    if (!tx.instrument || !tx.side || !tx.units || price === null || price <= 0) {
      this.d.logger.warn("broker fill without instrument, side, units or price; not applied", { transaction_id: tx.id, type: tx.type });
      return { kind: "ignored", reason: "incomplete fill" };
    }
    const order = this.ourOrder(tx);
    if (order && order.status === "filled" && order.filled_quantity >= order.quantity) {
      // Our own fill, already applied from the broker's reply: applying it again would count it twice.
      return { kind: "ignored", reason: `order ${order.order_id} is already filled` };
    }
    const ticker = order?.ticker ?? this.d.tickerOf(tx.instrument);
    const action: Action = tx.side;
    const time = tx.time || this.d.clock.now();
    const fee = Math.abs(toNumber(raw.commission) ?? 0);
    const now = this.d.clock.now();
    const applied = this.d.journal.tx(() => {
      const a = this.d.ledger.applyFill({
        order_id: order?.order_id ?? null,
        ticker,
        action,
        quantity: tx.units!,
        price,
        fee,
        time,
        broker_deal_id: dealIdOf(tx, account),
      });
      if (order && !a.duplicate) {
        const filledQty = order.filled_quantity + tx.units!;
        const vwap = ((order.fill_price ?? 0) * order.filled_quantity + price * tx.units!) / filledQty;
        const done = filledQty >= order.quantity;
        this.d.journal.updateOrder(
          order.order_id,
          {
            status: done ? "filled" : order.status === "pending" ? "submitted" : order.status,
            fill_price: vwap,
            filled_quantity: filledQty,
            fee: order.fee + fee,
            broker_order_id: str(raw.orderID) ?? str(raw.orderId) ?? order.broker_order_id,
            filled_at: time,
            error_code: null,
            error_message: null,
          },
          now,
        );
        if (done) this.d.journal.setSignalStatus(order.signal_id, "done", null);
      }
      return a;
    });
    if (applied.duplicate) return { kind: "fill", ticker, order_id: order?.order_id ?? null, duplicate: true, position: applied.position };
    const reason = str(raw.reason);
    this.d.logger.info(order ? "broker fill applied to order" : "external broker fill recorded", {
      transaction_id: tx.id,
      type: tx.type,
      ...(reason ? { reason } : {}),
      ticker,
      action,
      quantity: tx.units,
      price,
      ...(order ? { order_id: order.order_id } : {}),
    });
    const correlation = order?.request_id ?? `tx:${tx.id}`;
    if (order) {
      this.emit("order.filled", { order_id: order.order_id, ticker, action, quantity: tx.units, price, fee, transaction_id: tx.id }, correlation);
    }
    this.emit(
      "position.changed",
      { ticker, position: applied.position, realized_pnl: applied.realized_pnl, source: order ? "order" : "external", transaction_id: tx.id, transaction_type: tx.type, ...(reason ? { reason } : {}) },
      correlation,
    );
    return { kind: "fill", ticker, order_id: order?.order_id ?? null, duplicate: false, position: applied.position };
  }

  private endOrder(tx: BrokerTransaction): TransactionOutcome {
    const order = this.ourOrder(tx);
    if (!order) return { kind: "ignored", reason: "not one of our orders" };
    if (FINAL_ORDER_STATUSES.has(order.status) || order.filled_quantity > 0) return { kind: "ignored", reason: `order ${order.order_id} is ${order.status}` };
    const reason = str(record(tx.raw).reason) ?? str(record(tx.raw).rejectReason) ?? tx.type;
    const code = tx.type === "ORDER_CANCEL" ? "BROKER_CANCELLED" : "BROKER_REJECTED";
    const message = `${tx.type === "ORDER_CANCEL" ? "cancelled" : "rejected"} by the broker (${reason}), transaction ${tx.id}`;
    this.d.journal.tx(() => {
      this.d.journal.updateOrder(order.order_id, { status: "rejected", error_code: code, error_message: message }, this.d.clock.now());
      this.d.journal.setSignalStatus(order.signal_id, "done", message);
    });
    this.d.logger.warn("order ended by the broker", { order_id: order.order_id, transaction_id: tx.id, code, reason });
    this.emit("order.rejected", { order_id: order.order_id, ticker: order.ticker, code, message }, order.request_id);
    return { kind: "order-ended", order_id: order.order_id };
  }

  /** The account's margin call now, or null when it is not in one (as far as its transactions say). */
  marginCallOf(account: string): MarginCallView | null {
    return this.d.state?.get<MarginCallView>(marginCallKey(account)) ?? null;
  }

  private marginCall(tx: BrokerTransaction, account: string, state: MarginCallState): TransactionOutcome {
    const raw = record(tx.raw);
    const before = this.marginCallOf(account);
    const now = this.d.clock.now();
    const time = new Date(tx.time || now).toISOString();
    const extensionNumber = toNumber(raw.extensionNumber);
    const balance = toNumber(raw.accountBalance);
    // An extension without a known entry (the entry came before this journal) still opens the margin call.
    const open = state === "entered" ? null : before;
    const view: MarginCallView | null =
      state === "exited"
        ? null
        : {
            account_id: tx.account_id || account,
            since: open?.since ?? time,
            transaction_id: open?.transaction_id ?? tx.id,
            extensions: state === "extended" ? (extensionNumber ?? (open?.extensions ?? 0) + 1) : (open?.extensions ?? 0),
            last_transaction_id: tx.id,
          };
    this.d.journal.tx(() => {
      if (view) this.d.state?.set(marginCallKey(account), view, now);
      else this.d.state?.delete(marginCallKey(account));
    });
    const since = view?.since ?? before?.since;
    const payload = {
      account_id: tx.account_id || account,
      state,
      transaction_id: tx.id,
      time,
      ...(since ? { since } : {}),
      ...(state === "extended" && view ? { extension_number: view.extensions } : {}),
      ...(balance !== null ? { account_balance: balance } : {}),
    };
    if (state === "exited") this.d.logger.info("margin call ended", payload);
    else this.d.logger.warn(state === "entered" ? "MARGIN CALL: the account entered a margin call" : "MARGIN CALL: the account's margin call was extended", payload);
    this.emit("account.margin_call", payload, `tx:${tx.id}`);
    return { kind: "margin-call", state, margin_call: view };
  }

  /** One of our orders named by the transaction, if any. */
  private ourOrder(tx: BrokerTransaction): StoredOrder | undefined {
    for (const id of clientIdsOf(tx.raw)) {
      const o = this.d.journal.getOrder(id);
      if (o) return o;
    }
    return undefined;
  }

  private emit(type: "order.filled" | "order.rejected" | "position.changed" | "account.margin_call", payload: Record<string, unknown>, correlationId: string): void {
    this.d.bus.publish(makeEnvelope(type, "broker-events", payload, { time: this.d.clock.now(), correlation_id: correlationId }));
  }
}

/** Client order ids a transaction may carry: v20 clientOrderID and clientExtensions.id, or a comment starting with one. */
function clientIdsOf(rawTx: unknown): string[] {
  const raw = record(rawTx);
  const ext = record(raw.clientExtensions);
  const tradeExt = record(record(raw.tradeOpened).clientExtensions);
  const out: string[] = [];
  for (const v of [raw.clientOrderID, ext.id, tradeExt.id, raw.clientOrderId]) {
    const s = str(v);
    if (s && CLIENT_ID.test(s)) out.push(s);
  }
  for (const v of [ext.comment, raw.comment, tradeExt.comment]) {
    const m = typeof v === "string" ? CLIENT_ID_IN_COMMENT.exec(v) : null;
    if (m) out.push(m[1]!);
  }
  return [...new Set(out)];
}

const marginCallKey = (account: string): string => `account.${account}.marginCall`;
const record = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string | null => toStringOrNull(v) || null; // "" is no id either
