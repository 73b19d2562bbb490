/**
 * The MT5 Broker: orders go to the bridge beside the terminal.
 *
 * A send is: order_check → order_send, inside p-retry (3 attempts, 1 s, ×2, 5 s cap) that retries
 * only what the server refused without dealing (requote, price changed/off, too many requests,
 * locked) or what never reached the bridge. An unknown outcome (timeout, lost reply, 10011/10012/
 * 10031) is reconciled first — deals/orders/positions whose comment is the client order id and whose
 * magic is ours — and only a confirmed absence lets the next attempt send again. The bridge keeps its
 * own idempotency table too, so the same client order id never trades twice.
 */
import pRetry from "p-retry";
import type { InstrumentConfig, TradectlConfig } from "../../config/types.js";
import { systemClock, type Clock } from "../../domain/clock.js";
import { brokerCode, brokerError, isTemporary, TradectlError } from "../../domain/errors.js";
import type { ClientOrderId } from "../../domain/types.js";
import { fillOfDeals, legId, legNumber, mergeFills } from "../../engine/reconcile.js";
import type {
  AccountInfo,
  Broker,
  BrokerDeal,
  BrokerHealth,
  BrokerPosition,
  OrderCheckResult,
  OrderFill,
  OrderRequest,
  OrderResult,
  Rate,
} from "../../engine/broker.js";
import type { InstrumentSpec } from "../../domain/instrument-spec.js";
import type {
  BridgeAccount,
  BridgeCheckResult,
  BridgeHistoryOrder,
  BridgeSymbol,
  BridgeDeal,
  BridgeHealth,
  BridgeOrder,
  BridgeOrderRequest,
  BridgePosition,
  BridgeRate,
  BridgeSendResult,
} from "./bridge-types.js";
import { BridgeClient, BridgeError } from "./client.js";
import { describeRetcode, isCheckPassed, type RetcodeInfo } from "./retcodes.js";
import {
  DEFAULT_CONTRACT_SIZE,
  instrumentFor,
  instrumentForSymbol,
  sharesToVolume,
  volumeToShares,
  type Instrument,
} from "./volume.js";

export interface RetryPolicy {
  retries: number;
  minTimeout: number;
  factor: number;
  maxTimeout: number;
}

/** Seed 002 §5.2: 3 attempts, 1 s initial delay, ×2, 5 s cap. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 2, minTimeout: 1000, factor: 2, maxTimeout: 5000 };

export interface Mt5BrokerDeps {
  clock?: Clock;
  /** Backoff of sends (tests make it small). */
  retry?: Partial<RetryPolicy>;
  /** Backoff of the look-ups that reconcile an unknown outcome. */
  reconcileRetry?: Partial<RetryPolicy>;
  /** Maximum price deviation for market orders, in points (default 20). */
  deviationPoints?: number;
  /** How far back findOrder searches deals (default 7 days). */
  lookbackMs?: number;
  /** Replaces the HTTP client (its URL/token/timeout then come from it). */
  client?: BridgeClient;
}

export type Mt5Config = TradectlConfig["broker"]["mt5"];

/** ticker → MT5 symbol and contract size; a function is read on every use (live config reload). */
export type Instruments = Record<string, InstrumentConfig> | (() => Record<string, InstrumentConfig>);

const DAY_MS = 86_400_000;
/** A health check's own limit: the daemon's /health answers within the seed's 5 s whatever the order timeout. */
export const HEALTH_TIMEOUT_MS = 3000;
const ENTRY: Record<number, BrokerDeal["entry"]> = { 0: "in", 1: "out", 2: "inout", 3: "out_by" };

/** Reconciliation could not reach a verdict: the order may exist; nothing may be sent. */
const outcomeUnknown = (message: string) => new TradectlError("BROKER_OUTCOME_UNKNOWN", message, { details: { broker_code: "MT5_OUTCOME_UNKNOWN" } });
const isOutcomeUnknown = (err: unknown): err is TradectlError => err instanceof TradectlError && err.code === "BROKER_OUTCOME_UNKNOWN";

interface Leg {
  clientOrderId: string;
  body: BridgeOrderRequest;
}

/** What the terminal holds of an order (or of one leg): nothing, a pending order, or deals (of legs up to `lastLeg`). */
type Found = { kind: "none" } | { kind: "pending"; message: string; ticket: number } | { kind: "dealt"; fill: OrderFill; lastLeg: number };

/** How often the symbols' grids and lots are read again (from the background health check). */
const SPEC_REFRESH_MS = 60_000;

const EPSILON = 1e-6;

export class Mt5Broker implements Broker {
  readonly kind = "mt5";
  readonly #client: BridgeClient;
  readonly #config: Mt5Config;
  /** Read on every use, so `instruments` changed by a config reload (SIGHUP) apply at once. */
  readonly #instruments: () => Record<string, InstrumentConfig>;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  readonly #reconcileRetry: RetryPolicy;
  readonly #deviation: number;
  readonly #lookbackMs: number;
  /**
   * Legs whose order_check passed in orderCheck, by client id and body: the send that follows (the engine checks,
   * then sends) needs no second check round trip to the terminal. A leg built differently is checked again.
   */
  readonly #checked = new Set<string>();
  /** symbol_info of each configured instrument, by ticker (read by order planning, which cannot wait on the bridge). */
  readonly #specs = new Map<string, InstrumentSpec>();
  #specsAt = -Infinity;
  #account: AccountInfo | null = null;

  constructor(config: Mt5Config, instruments: Instruments, client: BridgeClient, deps: Mt5BrokerDeps) {
    this.#config = config;
    this.#instruments = typeof instruments === "function" ? instruments : () => instruments;
    this.#client = client;
    this.#clock = deps.clock ?? systemClock;
    this.#retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.#reconcileRetry = { ...DEFAULT_RETRY, ...deps.reconcileRetry };
    this.#deviation = deps.deviationPoints ?? 20;
    this.#lookbackMs = deps.lookbackMs ?? 7 * DAY_MS;
  }

  async accountInfo(): Promise<AccountInfo> {
    const a = await this.#client.call<BridgeAccount>("GET", "account");
    this.#account = { currency: a.currency, balance: a.balance, equity: a.equity, margin_free: a.margin_free };
    return this.#account;
  }

  accountNow(): AccountInfo | null {
    return this.#account;
  }

  instrumentSpec(ticker: string): InstrumentSpec | null {
    return this.#specs.get(ticker) ?? null;
  }

  /** Reads symbol_info of every configured instrument: its grid, stops/freeze levels and lots. */
  async refreshSpecs(): Promise<void> {
    const now = this.#clock.now();
    this.#specsAt = now;
    await Promise.all(
      Object.entries(this.#instruments()).map(async ([ticker, cfg]) => {
        const s = await this.#client.call<BridgeSymbol>("GET", "symbol", { query: { symbol: cfg.symbol } });
        const fx = s.digits === 3 || s.digits === 5;
        this.#specs.set(ticker, {
          ticker,
          grid: { kind: "mt5", tickSize: s.trade_tick_size, digits: s.digits, point: s.point, stopsLevel: s.trade_stops_level, freezeLevel: s.trade_freeze_level ?? 0 },
          lot: { contractSize: cfg.contractSize ?? s.trade_contract_size, lotStep: s.volume_step, minLot: s.volume_min },
          pipSize: cfg.pipSize ?? (fx ? s.point * 10 : s.point),
        });
      }),
    );
  }

  /**
   * A pending order's fate at the broker: dealt (its comment on a deal), still resting (null), or gone from the
   * book without a deal (history: cancelled or expired). Reconciliation asks this of every working order.
   */
  async findResting(clientOrderId: ClientOrderId): Promise<OrderResult | { kind: "expired" | "cancelled"; message: string } | null> {
    const found = await this.#find(clientOrderId, (c) => c === clientOrderId);
    if (found.kind === "dealt") return { kind: "filled", fill: found.fill };
    if (found.kind === "pending") return null;
    const now = this.#clock.now();
    const history = await this.#client.call<BridgeHistoryOrder[]>("GET", "history/orders", { query: { from: Math.floor((now - this.#lookbackMs) / 1000), to: Math.ceil((now + 2 * DAY_MS) / 1000) } });
    const h = history.find((o) => o.comment === clientOrderId && o.magic === this.#config.magic);
    if (h?.state === 6) return { kind: "expired", message: `expired at the broker (#${h.ticket})` };
    if (h?.state === 2) return { kind: "cancelled", message: `cancelled at the broker (#${h.ticket})` };
    return null;
  }

  async positions(): Promise<BrokerPosition[]> {
    const rows = await this.#client.call<BridgePosition[]>("GET", "positions");
    return rows
      .filter((p) => p.magic === this.#config.magic)
      .map((p) => {
        const inst = this.#bySymbol(p.symbol);
        const shares = volumeToShares(p.volume, inst.contractSize);
        return {
          ticker: inst.ticker,
          symbol: p.symbol,
          quantity: p.type === 0 ? shares : -shares,
          avg_price: p.price_open,
          current_price: p.price_current,
          ticket: String(p.ticket),
        };
      });
  }

  /**
   * order_check of the first leg. A passing refusal (no connection, no quotes, bridge unreachable) is
   * retried like a send; given up, it comes back `temporary` so the engine marks the order failed.
   */
  async orderCheck(req: OrderRequest): Promise<OrderCheckResult> {
    let attempts = 0;
    const attempt = async (): Promise<OrderCheckResult> => {
      attempts += 1;
      const first = (await this.#legs(req, req.quantity, 1))[0];
      if (!first) return { ok: false, code: "MT5_NO_POSITION", message: this.#noPositionMessage(req) };
      const { check, info } = await this.#checkDetailed(first.body);
      // Stops already where asked (a modify repeated after a restart): nothing to change, nothing refused.
      if (!check.ok && first.body.action === "SLTP" && info.retcode === 10025) return { ok: true, code: "OK", message: "stops already set" };
      if (!check.ok && (info.class === "temporary" || info.class === "unknown")) throw brokerError("unavailable", check.code, check.message);
      if (check.ok) {
        if (this.#checked.size >= 1000) this.#checked.clear(); // checks never followed by a send (a late kill switch)
        this.#checked.add(checkedKey(first));
      }
      return check;
    };
    try {
      return await pRetry(attempt, { ...this.#retry, shouldRetry: ({ error }) => isTemporary(error) });
    } catch (err) {
      if (err instanceof TradectlError && err.kind === "rejected") return { ok: false, code: brokerCode(err), message: err.message };
      if (isTemporary(err)) {
        return { ok: false, code: brokerCode(err), message: `order_check: ${err.message}; gave up after ${attempts} attempts`, temporary: true };
      }
      throw err;
    }
  }

  /**
   * Sends an order, as legs for an exit (one per position it closes). An exit is looked up first (a retry after
   * a restart): the legs dealt already count, and only the rest is sent, as legs numbered after them, so no leg id
   * is ever used for a second request.
   */
  async orderSend(req: OrderRequest): Promise<OrderResult> {
    let before: Extract<Found, { kind: "dealt" }> | null = null;
    if (req.is_exit && req.kind !== "cancel" && req.kind !== "modify") {
      let found: Found;
      try {
        found = await this.#reconcile(req.client_order_id, belongsToOrder(req.client_order_id));
      } catch (err) {
        if (isOutcomeUnknown(err)) return { kind: "unknown", message: err.message };
        throw err;
      }
      if (found.kind === "pending") return { kind: "unknown", message: found.message };
      if (found.kind === "dealt") {
        if (found.fill.quantity >= req.quantity - EPSILON) return { kind: "filled", fill: found.fill };
        before = found;
      }
    }
    const remaining = round8(req.quantity - (before?.fill.quantity ?? 0));
    const dealt = before ? [before.fill] : [];
    let legs: Leg[];
    try {
      legs = await pRetry(() => this.#legs(req, remaining, (before?.lastLeg ?? 0) + 1), { ...this.#retry, shouldRetry: ({ error }) => isTemporary(error) });
    } catch (err) {
      if (err instanceof TradectlError && err.kind !== "internal") {
        const refused: OrderResult = { kind: "rejected", code: brokerCode(err), message: `nothing sent: ${err.message}`, ...(err.kind === "temporary" ? { temporary: true } : {}) };
        return combine(req.quantity, dealt, [refused]);
      }
      throw err;
    }
    if (legs.length === 0) return combine(req.quantity, dealt, [{ kind: "rejected", code: "MT5_NO_POSITION", message: this.#noPositionMessage(req) }]);
    const results: OrderResult[] = [];
    for (const leg of legs) {
      const result = await this.#sendLeg(leg);
      results.push(result);
      if (result.kind !== "filled" && result.kind !== "done") break;
    }
    // A pending order placed, a cancel or a modify done (every leg): no deal to add up.
    const last = results.at(-1)!;
    if (last.kind === "placed" || (last.kind === "done" && results.every((r) => r.kind === "done"))) return last;
    return combine(req.quantity, dealt, results);
  }

  async findOrder(clientOrderId: ClientOrderId, quantity?: number): Promise<OrderResult | null> {
    const found = await this.#find(clientOrderId, belongsToOrder(clientOrderId));
    switch (found.kind) {
      case "none":
        return null;
      case "pending":
        // Resting at the broker (a limit/stop order): working; reconciliation follows it to its fill or its end.
        return { kind: "placed", broker_order_id: String(found.ticket), message: found.message };
      case "dealt":
        if (quantity === undefined || found.fill.quantity >= quantity - EPSILON) return { kind: "filled", fill: found.fill };
        return {
          kind: "partial",
          fill: found.fill,
          remaining: round8(quantity - found.fill.quantity),
          code: "MT5_PARTIALLY_DEALT",
          message: `${found.fill.quantity} of ${quantity} dealt at the broker (legs up to ${legId(clientOrderId, found.lastLeg)}); ${round8(quantity - found.fill.quantity)} not`,
        };
    }
  }

  async rates(symbol: string, timeframe: string, start: number, count: number): Promise<Rate[]> {
    const mt5Symbol = this.#instruments()[symbol]?.symbol ?? symbol;
    const rows = await this.#client.call<BridgeRate[]>("GET", "rates", {
      query: { symbol: mt5Symbol, timeframe, start, count },
    });
    return rows.map((r) => ({ ...r, time: r.time * 1000 }));
  }

  async health(): Promise<BrokerHealth> {
    try {
      const res = await this.#client.request<BridgeHealth>("GET", "health", { timeoutMs: Math.min(HEALTH_TIMEOUT_MS, this.#config.timeoutMs) });
      const h = res.body;
      if (res.status === 200 && h.healthy) {
        const account = h.account ? { account: { currency: h.account.currency, balance: h.account.balance, equity: h.account.equity, margin_free: h.account.margin_free } } : {};
        if (account.account) this.#account = account.account;
        // In the background: one bridge call per instrument, each allowed the order timeout, must not make a health
        // poll (which has its own limit) read the broker as down.
        if (this.#clock.now() - this.#specsAt >= SPEC_REFRESH_MS) void this.refreshSpecs().catch(() => (this.#specsAt = -Infinity));
        return h.trade_allowed === false
          ? { kind: this.kind, connected: true, message: "AutoTrading is disabled in the terminal", ...account }
          : { kind: this.kind, connected: true, ...account };
      }
      const why = h?.error?.message ?? (h && h.connected === false ? "the MT5 terminal has no connection to the trade server" : `HTTP ${res.status}`);
      return { kind: this.kind, connected: false, message: `MT5 bridge unhealthy: ${why}` };
    } catch (err) {
      return { kind: this.kind, connected: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async deals(fromMs: number, toMs: number): Promise<BrokerDeal[]> {
    const rows = await this.#client.call<BridgeDeal[]>("GET", "deals", {
      query: { from: Math.floor(fromMs / 1000), to: Math.ceil(toMs / 1000) },
    });
    return rows.filter((d) => d.type === 0 || d.type === 1).map((d) => this.#deal(d));
  }

  // --- sending --------------------------------------------------------------------------------------

  async #sendLeg(leg: Leg): Promise<OrderResult> {
    let reconcileFirst = false;
    let checked = this.#checked.delete(checkedKey(leg));
    let attempts = 0;
    const attempt = async (): Promise<OrderResult> => {
      attempts += 1;
      if (reconcileFirst) {
        const found = await this.#legFound(leg);
        if (found) return found;
        reconcileFirst = false;
      }
      if (!checked) {
        const { check, info } = await this.#checkDetailed(leg.body);
        if (!check.ok) {
          // refused by the check: nothing was sent; a passing price/connection problem may clear
          if (info.class === "temporary" || info.class === "unknown") throw brokerError("unavailable", check.code, check.message);
          return { kind: "rejected", code: check.code, message: `order_check: ${check.message}` };
        }
        checked = true;
      }
      let reply: BridgeSendResult;
      try {
        reply = await this.#client.call<BridgeSendResult>("POST", "order/send", { body: leg.body });
      } catch (err) {
        if (!(err instanceof BridgeError) || err.kind === "internal") throw err;
        if (err.kind !== "temporary") return { kind: "rejected", code: brokerCode(err), message: err.message };
        if (!err.unknownOutcome) throw err; // nothing reached the terminal: retry
        reconcileFirst = true;
        return this.#afterUnknown(leg, err.message);
      }
      const info = describeRetcode(reply.retcode);
      const action = leg.body.action;
      if (action === "PENDING" && (info.class === "placed" || info.class === "filled")) {
        return { kind: "placed", broker_order_id: reply.order ? String(reply.order) : null, message: `${leg.body.type} ${leg.body.price} placed (#${reply.order})` };
      }
      if (action === "SLTP" || action === "REMOVE") {
        if (info.class === "filled") return { kind: "done", message: action === "SLTP" ? `stops set: sl ${leg.body.sl}, tp ${leg.body.tp}` : `order #${leg.body.order} removed` };
        if (action === "SLTP" && reply.retcode === 10025) return { kind: "done", message: `stops already sl ${leg.body.sl}, tp ${leg.body.tp}` };
      }
      switch (info.class) {
        case "filled":
          return { kind: "filled", fill: this.#fillFromReply(leg, reply) };
        case "temporary":
          throw brokerError("unavailable", info.code, `${info.message} (retcode ${reply.retcode})`);
        case "final":
          return { kind: "rejected", code: info.code, message: `${info.message} (retcode ${reply.retcode})` };
        case "placed":
        case "unknown":
          reconcileFirst = true;
          return this.#afterUnknown(leg, `${info.message} (retcode ${reply.retcode})`);
      }
    };
    try {
      return await pRetry(attempt, {
        ...this.#retry,
        shouldRetry: ({ error }) => isTemporary(error),
      });
    } catch (err) {
      if (isOutcomeUnknown(err)) return { kind: "unknown", message: err.message };
      if (isTemporary(err)) {
        return { kind: "rejected", code: brokerCode(err), message: `${err.message}; gave up after ${attempts} attempts`, temporary: true };
      }
      throw err;
    }
  }

  /** The outcome of a send is unknown: find it, else (absence confirmed) let p-retry send again. */
  async #afterUnknown(leg: Leg, why: string): Promise<OrderResult> {
    const found = await this.#legFound(leg);
    if (found) return found;
    throw brokerError("unavailable", "MT5_NOT_EXECUTED", `${why}; no deal carries comment ${leg.clientOrderId}`);
  }

  /** What the terminal holds of this one leg (its own comment only), or null. */
  async #legFound(leg: Leg): Promise<OrderResult | null> {
    const found = await this.#reconcile(leg.clientOrderId, (comment) => comment === leg.clientOrderId);
    if (found.kind === "none") return null;
    return found.kind === "pending" ? { kind: "unknown", message: found.message } : { kind: "filled", fill: found.fill };
  }

  /** #find with its own backoff; throws BROKER_OUTCOME_UNKNOWN when the bridge cannot say. */
  async #reconcile(clientOrderId: string, matches: (comment: string) => boolean): Promise<Found> {
    try {
      return await pRetry(() => this.#find(clientOrderId, matches), {
        ...this.#reconcileRetry,
        shouldRetry: ({ error }) => isTemporary(error),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw outcomeUnknown(`order ${clientOrderId} may exist at the broker; reconciliation failed: ${why}`);
    }
  }

  /** Our deals whose comment `matches` (every leg of an order, or one leg), else a pending order, else positions. */
  async #find(clientOrderId: string, matches: (comment: string) => boolean): Promise<Found> {
    const now = this.#clock.now();
    const mine = (comment: string, magic: number): boolean => magic === this.#config.magic && matches(comment);
    const lastLeg = (comments: string[]): number => Math.max(...comments.map((c) => legNumber(c, clientOrderId) ?? 1));
    const matched = (await this.deals(now - this.#lookbackMs, now + 2 * DAY_MS)).filter((d) => mine(d.comment, d.magic));
    if (matched.length > 0) return { kind: "dealt", fill: fillOfDeals(matched), lastLeg: lastLeg(matched.map((d) => d.comment)) };
    const orders = await this.#client.call<BridgeOrder[]>("GET", "orders");
    const pending = orders.find((o) => mine(o.comment, o.magic));
    if (pending) return { kind: "pending", message: `order ${clientOrderId} is pending at the broker (#${pending.ticket})`, ticket: pending.ticket };
    const positions = await this.#client.call<BridgePosition[]>("GET", "positions");
    const open = positions.filter((p) => mine(p.comment, p.magic));
    if (open.length > 0) {
      const fills = open.map((p) => ({ volume: p.volume, price: p.price_open, inst: this.#bySymbol(p.symbol) }));
      const quantity = fills.reduce((s, f) => s + volumeToShares(f.volume, f.inst.contractSize), 0);
      const price = fills.reduce((s, f) => s + f.price * volumeToShares(f.volume, f.inst.contractSize), 0) / quantity;
      const first = open[0]!;
      const fill = { price, quantity, fee: 0, broker_order_id: String(first.identifier), broker_deal_id: null, time: first.time * 1000 };
      return { kind: "dealt", fill, lastLeg: lastLeg(open.map((p) => p.comment)) };
    }
    return { kind: "none" };
  }

  async #checkDetailed(body: BridgeOrderRequest): Promise<{ check: OrderCheckResult; info: RetcodeInfo }> {
    const res = await this.#client.call<BridgeCheckResult>("POST", "order/check", { body });
    const info = describeRetcode(res.retcode);
    if (res.ok || isCheckPassed(res.retcode)) {
      return { check: { ok: true, code: "OK", message: res.comment || "check passed", margin: res.margin }, info };
    }
    return { check: { ok: false, code: info.code, message: `${info.message} (retcode ${res.retcode}: ${res.comment})` }, info };
  }

  /**
   * `quantity` of the order as legs. Entry: one leg. Exit: close our positions on the symbol, oldest first (hedging
   * account), one leg each, numbered from `firstLeg` (legs before it were dealt before a restart).
   */
  async #legs(req: OrderRequest, quantity: number, firstLeg: number): Promise<Leg[]> {
    const inst = instrumentFor(this.#instruments(), req.ticker);
    const magic = this.#config.magic;
    if (req.kind === "cancel") {
      const ticket = Number(req.target_broker_order_id);
      if (!ticket) throw brokerError("refused", "MT5_NO_ORDER", `pending order ${req.target_client_order_id} has no ticket at the broker`);
      return [{ clientOrderId: req.client_order_id, body: { client_order_id: req.client_order_id, action: "REMOVE", symbol: inst.symbol, order: ticket, magic } }];
    }
    if (req.kind === "modify") {
      // Every position of ours on the symbol gets the new stops (0: none), one TRADE_ACTION_SLTP each.
      const positions = (await this.#client.call<BridgePosition[]>("GET", "positions", { query: { symbol: inst.symbol } })).filter((p) => p.magic === magic);
      return positions.map((p, i) => {
        const id = legId(req.client_order_id, firstLeg + i);
        return { clientOrderId: id, body: { client_order_id: id, action: "SLTP" as const, symbol: inst.symbol, position: p.ticket, sl: req.stop_loss ?? 0, tp: req.take_profit ?? 0, magic } };
      });
    }
    const volume = sharesToVolume(quantity, inst.contractSize);
    if (!req.is_exit && (req.order_type === "limit" || req.order_type === "stop") && req.limit_price !== null) {
      const type = `${req.action === "buy" ? "BUY" : "SELL"}_${req.order_type === "limit" ? "LIMIT" : "STOP"}` as const;
      const expiry = req.order_expires_at == null ? { type_time: "GTC" as const } : { type_time: "SPECIFIED" as const, expiration: Math.ceil(req.order_expires_at / 1000) };
      const body: BridgeOrderRequest = { client_order_id: req.client_order_id, action: "PENDING", symbol: inst.symbol, type, volume, price: req.limit_price, magic, ...expiry };
      if (req.stop_loss != null) body.sl = req.stop_loss;
      if (req.take_profit != null) body.tp = req.take_profit;
      return [{ clientOrderId: req.client_order_id, body }];
    }
    const base = {
      action: "DEAL" as const,
      symbol: inst.symbol,
      type: req.action === "buy" ? ("BUY" as const) : ("SELL" as const),
      magic: this.#config.magic,
      deviation: this.#deviation,
    };
    if (!req.is_exit) {
      return [
        {
          clientOrderId: req.client_order_id,
          body: {
            ...base,
            client_order_id: req.client_order_id,
            volume,
            ...(req.stop_loss != null ? { sl: req.stop_loss } : {}),
            ...(req.take_profit != null ? { tp: req.take_profit } : {}),
          },
        },
      ];
    }
    const closingType = req.action === "sell" ? 0 : 1; // a sell closes buys
    const open = (await this.#client.call<BridgePosition[]>("GET", "positions", { query: { symbol: inst.symbol } }))
      .filter((p) => p.magic === this.#config.magic && p.type === closingType)
      .sort((a, b) => a.time - b.time || a.ticket - b.ticket);
    const legs: Leg[] = [];
    let remaining = volume;
    for (const p of open) {
      if (remaining <= 1e-9) break;
      const take = Math.min(remaining, p.volume);
      const id = legId(req.client_order_id, firstLeg + legs.length);
      legs.push({ clientOrderId: id, body: { ...base, client_order_id: id, volume: round8(take), position: p.ticket } });
      remaining = round8(remaining - take);
    }
    return legs;
  }

  #fillFromReply(leg: Leg, reply: BridgeSendResult): OrderFill {
    const inst = this.#bySymbol(leg.body.symbol);
    return {
      price: reply.price,
      quantity: volumeToShares(reply.volume || leg.body.volume || 0, inst.contractSize),
      fee: 0,
      broker_order_id: reply.order ? String(reply.order) : null,
      broker_deal_id: reply.deal ? String(reply.deal) : null,
      time: this.#clock.now(),
    };
  }

  #deal(d: BridgeDeal): BrokerDeal {
    const inst = instrumentForSymbol(this.#instruments(), d.symbol);
    return {
      ticket: String(d.ticket),
      order: String(d.order),
      position_id: String(d.position_id),
      ticker: inst?.ticker ?? null,
      symbol: d.symbol,
      side: d.type === 0 ? "buy" : "sell",
      entry: ENTRY[d.entry] ?? "in",
      quantity: volumeToShares(d.volume, inst?.contractSize ?? DEFAULT_CONTRACT_SIZE),
      price: d.price,
      fee: -((d.commission ?? 0) + (d.fee ?? 0)),
      profit: d.profit,
      time: d.time_msc || d.time * 1000,
      comment: d.comment,
      magic: d.magic,
    };
  }

  #bySymbol(symbol: string): Instrument {
    return instrumentForSymbol(this.#instruments(), symbol) ?? { ticker: symbol, symbol, contractSize: DEFAULT_CONTRACT_SIZE };
  }

  #noPositionMessage(req: OrderRequest): string {
    const symbol = this.#instruments()[req.ticker]?.symbol ?? req.ticker;
    return `no open ${req.action === "sell" ? "buy" : "sell"} position on ${symbol} with magic ${this.#config.magic} to close`;
  }
}

const round8 = (n: number): number => Math.round(n * 1e8) / 1e8;

/** A matcher of the comments of every leg of an order. */
const belongsToOrder = (orderId: string) => (comment: string): boolean => legNumber(comment, orderId) !== null;

/**
 * The legs of one order (and fills of legs dealt before) → one result: any unknown is unknown; fills that add up to
 * what was ordered are filled; fewer are partial, with what was not dealt and why; no fill at all is the refusal.
 */
function combine(ordered: number, before: OrderFill[], results: OrderResult[]): OrderResult {
  const unknown = results.find((r) => r.kind === "unknown");
  if (unknown) return unknown;
  const fills = [...before, ...results.flatMap((r) => (r.kind === "filled" || r.kind === "partial" ? [r.fill] : []))];
  const refusal = results.find((r): r is Extract<OrderResult, { kind: "rejected" }> => r.kind === "rejected");
  if (fills.length === 0) return refusal ?? { kind: "rejected", code: "MT5_NO_POSITION", message: "nothing to send" };
  const fill = fills.length === 1 ? fills[0]! : mergeFills(fills);
  const remaining = round8(ordered - fill.quantity);
  if (remaining <= EPSILON) return { kind: "filled", fill };
  const code = refusal?.code ?? "MT5_DONE_PARTIAL";
  const why = refusal?.message ?? "the trade server dealt less than requested";
  return { kind: "partial", fill, remaining, code, message: `${fill.quantity} of ${ordered} dealt; the remaining ${remaining} was not: ${why}` };
}

/** Builds the MT5 broker; `token` is MT5_BRIDGE_TOKEN (never logged). */
export function createMt5Broker(
  config: Mt5Config,
  instruments: Instruments,
  token: string,
  deps: Mt5BrokerDeps = {},
): Mt5Broker {
  if (!deps.client && !token) throw new TradectlError("SECRET_MISSING", "MT5_BRIDGE_TOKEN is not set");
  const client = deps.client ?? new BridgeClient({ url: config.url, token, timeoutMs: config.timeoutMs });
  return new Mt5Broker(config, instruments, client, deps);
}

const checkedKey = (leg: Leg): string => `${leg.clientOrderId}\n${JSON.stringify(leg.body)}`;
