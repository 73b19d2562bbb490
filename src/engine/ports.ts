/**
 * The ports the engine needs, declared here and implemented by the adapters (`store/` for SQLite, a Redis pair
 * later), so the engine imports no adapter and an adapter imports only these declarations. The daemon wires them.
 */
import type { Action, Order, OrderStatus, Position, Signal } from "../domain/types.js";

export type SignalStatus = "accepted" | "rejected" | "expired" | "done";

export type StoredOrder = Order & { reference_price: number | null; trading_date: string };

export interface OrderQuery {
  /** Created at or after (Unix ms). */
  from?: number;
  /** Created before (Unix ms, exclusive). */
  to?: number;
  ticker?: string;
  status?: OrderStatus;
  limit?: number;
  offset?: number;
}

export interface OpenOrderBrief {
  ticker: string;
  action: Action;
  quantity: number;
  limit_price: number | null;
  reference_price: number | null;
}

/** Signals and orders, written durably (synchronous=FULL) unless a transaction says otherwise. */
export interface OrderJournal {
  /** Runs `fn` in one transaction; nested calls join the outer one. `durable: false` skips the wait for the disk. */
  tx<T>(fn: () => T, opts?: { durable?: boolean }): T;
  /** Inside tx(): a part that, if it throws, undoes only its own writes. */
  savepoint<T>(fn: () => T): T;
  insertSignal(s: Signal, status: SignalStatus, reason?: string | null, orderId?: string | null): void;
  setSignalStatus(id: string, status: SignalStatus, reason: string | null, orderId?: string | null): void;
  getSignal(id: string): Signal | undefined;
  /** The next `ORD_YYYYMMDD_NNN` for the JST trading date of `now`. */
  nextOrderId(now: number): { orderId: string; tradingDate: string };
  insertOrder(o: StoredOrder): void;
  updateOrder(orderId: string, patch: Partial<Omit<StoredOrder, "order_id">>, now: number): void;
  getOrder(orderId: string): StoredOrder | undefined;
  listOrders(q?: OrderQuery): { orders: StoredOrder[]; total: number };
  /** Orders not yet final, in brief: what risk must count beside the filled positions. */
  openOrderSummary(): OpenOrderBrief[];
  /** Pending (limit/stop) orders resting at the broker, oldest first; of one ticker, or all. */
  workingOrders(ticker?: string): StoredOrder[];
  /** Orders not in a final state, oldest first: what a restart must resume or reconcile. */
  openOrders(): StoredOrder[];
  /** The JST trading day's counters: entries and exits that count, and the realised P&L. */
  dayCounters(now: number): { entries: number; exits: number; realized_pnl: number };
  lastEntryAt(): number | null;
}

export interface FillInput {
  order_id: string | null;
  ticker: string;
  action: Action;
  quantity: number;
  price: number;
  fee: number;
  time: number;
  broker_deal_id: string | null;
}

export interface AppliedFill {
  duplicate: boolean;
  realized_pnl: number;
  position: Position | null;
}

export interface RecordedFill {
  price: number;
  quantity: number;
  fee: number;
  time: number;
  broker_deal_id: string | null;
}

/** Fills and the positions they build; a fill and its position change commit together. */
export interface PositionLedger {
  /** Records a fill once (a repeated broker deal id is ignored) and updates the position. */
  applyFill(f: FillInput): AppliedFill;
  position(ticker: string): Position | undefined;
  positions(): Position[];
  /** The fill recorded for an order, if any. */
  fillOf(orderId: string): RecordedFill | undefined;
  /** Net cash of every fill ever: sells minus buys minus fees. */
  cashFlow(): number;
  hasDeal(dealId: string): boolean;
}

/** An order as an admission answer shows it. */
export interface OrderBrief {
  order_id: string;
  ticker: string;
  action: Action;
  quantity: number;
  status: OrderStatus;
  fill_price: number | null;
  filled_quantity: number;
  error_code: string | null;
  error_message: string | null;
  kind?: string;
  order_type?: string;
  limit_price?: number | null;
  stop_loss?: number | null;
  take_profit?: number | null;
  order_expires_at?: number | null;
  sent?: Record<string, unknown> | null;
}

/** Why admission refused a valid signal. `order`: what the alert asks cannot be done as asked (sizing, units, a stop that would loosen). */
export type RefusalReason = "kill_switch" | "risk" | "reconciliation" | "broker_unavailable" | "expired" | "order" | "pair_unavailable";

/** What a signal's admission decided, as its source answered it. */
export type RecordedOutcome =
  /** Accepted and queued: the answer went out before the broker settled it (HTTP 202). */
  | { kind: "queued"; order: OrderBrief; queue_position: number; orders?: OrderBrief[] }
  /** Accepted and settled (filled, or refused by the broker, failed, expired) before the answer went out. */
  | { kind: "settled"; order: OrderBrief; orders?: OrderBrief[] }
  | { kind: "refused"; reason: RefusalReason; message: string; details: Record<string, unknown> }
  /** An answer stored by a version before typed outcomes, replayed as it was stored. */
  | { kind: "answered"; status_code: number; body: Record<string, unknown> };

/**
 * What a repeat of a signal gets: the first one's outcome, with the request it answered and when. A source renders
 * it the same way every time, so a repeat's answer is exactly the first.
 */
export interface AdmissionRecord {
  request_id: string;
  signal_id: string | null;
  /** Unix ms when the answer was decided. */
  decided_at: number;
  /** From the request's arrival to the decision. */
  processing_ms: number;
  outcome: RecordedOutcome;
}

/** Idempotency keys (seed 5.1): a repeat within the window, even after a restart, gets the first answer. */
export interface IdempotencyStore {
  /** The record for `key`, if it was stored and has not expired at `now`. */
  get(key: string, now: number): AdmissionRecord | undefined;
  /** Records (or replaces) the record for `key`, kept until `expiresAt`; durable with the transaction it runs in. */
  put(key: string, record: AdmissionRecord, now: number, expiresAt: number): void;
  /** Keeps every record at least until `expiresAt` (a window made longer by a reload). */
  extendAll(byMs: number, now: number): void;
  purgeExpired(now: number): number;
}

/** A position's stop loss and take profit as the broker holds them (paper: here), with its breakeven/trailing. */
export interface PositionStops {
  ticker: string;
  stop_loss: number | null;
  take_profit: number | null;
  protection: import("../domain/order-vocabulary.js").Protection | null;
  updated_at: number;
}

/** Where position stops are kept (the journal), so paper stops and daemon-run trailing survive a restart. */
export interface StopBook {
  get(ticker: string): PositionStops | undefined;
  all(): PositionStops[];
  set(s: PositionStops): void;
  delete(ticker: string): void;
}

export interface StateStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown, now: number): void;
  delete(key: string): void;
}

/** The pair's day counters as Redis keeps them: entries (with the last one's time, any day) and the realised P&L. */
export interface PairDay {
  entries: number;
  lastEntryAt: number | null;
  realized: number;
}

/** The kill switch as the pair shares it (the same shape the state store keeps). */
export interface SharedKill {
  active: boolean;
  reason: string | null;
  actor: string | null;
  changed_at: number | null;
}

export type PairClaim =
  /** A repeat: the first answer, given by either daemon. */
  | { kind: "answered"; record: AdmissionRecord }
  /** The same alert is being admitted right now (by the other daemon, or a request beside this one). */
  | { kind: "busy" }
  /** The key is this admission's; with the pair's counters and kill switch, read with the claim. */
  | { kind: "claimed"; day: PairDay; kill: SharedKill | null };

export type PairReservation =
  /** The entry counted (or the exit noted) and one order id minted per planned order, unique across the pair. */
  | { kind: "reserved"; orderIds: string[] }
  /** The counters or the kill switch moved since the claim: judge again with these. */
  | { kind: "changed"; day: PairDay; kill: SharedKill | null };

/** What a pair's admission reserves once the judgement accepts. */
export interface ReserveRequest {
  isEntry: boolean;
  now: number;
  /** JST date of `now` (YYYYMMDD): the order id's and the entry count's day. */
  tradingDate: string;
  /** Unix ms when that JST day began. */
  dayStart: number;
  maxEntries: number;
  cooldownMs: number;
  /**
   * Not refused by the kill switch (as judged): its own flatten, the daemon's protective exits (a stop hit, a trailing
   * move), and closes, cancels and modifies, which only reduce risk.
   */
  exempt?: boolean;
  /** How many order ids to mint (a signal's planned orders: a reverse is two), consecutive, in one step. */
  count: number;
  /** Which of them is the entry that counts against the daily limit (0-based; a reverse's open is the second). */
  entryIndex: number;
}

/** An accepted signal as the pair's queue carries it to the leader: all of its orders in one entry, in order. */
export interface QueuedSignal {
  key: string;
  expiresAt: number;
  signal: Signal;
  orders: StoredOrder[];
  record: AdmissionRecord;
}

/**
 * The shared admission state and the accepted-signal queue of a hot-standby pair (Redis). Every call rejects when
 * the pair's store cannot be reached in time; the engine then applies `cluster.onRedisDown`.
 */
export interface PairAdmission {
  /** Claims the idempotency key for the whole window (SET NX PX), or returns the first answer. */
  claim(key: string, signalId: string, now: number, expiresAt: number): Promise<PairClaim>;
  /** Counts an entry (daily count and cooldown checked again, atomically) and mints the order id. */
  reserve(r: ReserveRequest): Promise<PairReservation>;
  /**
   * Appends the accepted signal with every one of its orders to the queue and stores its answer, in one atomic step
   * (the leader never reads a reverse's close without its open); replicated (WAIT) when configured.
   */
  enqueue(q: QueuedSignal): Promise<void>;
  /** Stores an answer for repeats at either daemon (a refusal kept, or the settled answer replacing the queued one). */
  answer(key: string, record: AdmissionRecord, expiresAt: number): Promise<void>;
  /** Gives up a claim whose refusal is judged afresh on a repeat, and an entry counted for an order never made. */
  release(key: string, entryOrderId?: string): Promise<void>;
}

/** Who may send orders: in a pair, only the daemon holding the leader's lease, confirmed right before each send. */
export interface SendPermit {
  /** The fencing token of the lease this daemon holds by its own clock, or null: it is not the leader now. */
  current(): number | null;
  /** Whether `token` is still the pair's lease, asked of the lease's keeper right before a send (fencing). */
  confirm(token: number): Promise<boolean>;
}
