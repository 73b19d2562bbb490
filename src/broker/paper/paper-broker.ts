/**
 * The paper broker (the default): fills market orders at the latest quote (ask for buys, bid for sells, plus
 * slippage), else at the alert's reference price. Its book is the journal itself: positions are the ledger's,
 * cash is the initial cash plus the flow of every recorded fill. So a fill and the broker's state change in the
 * engine's one settle transaction, a restart keeps everything, and "did this order execute?" is "is its fill
 * recorded?": an order cut off by a crash before its fill was journaled never happened and may be sent again.
 */
import type {
  AccountInfo,
  Broker,
  BrokerHealth,
  BrokerPosition,
  OrderCheckResult,
  OrderRequest,
  OrderResult,
  Rate,
} from "../../engine/broker.js";
import type { Clock } from "../../domain/clock.js";
import { midPrice, type Quote } from "../../domain/types.js";

export interface PaperConfig {
  initialCash: number;
  slippageBps: number;
  feeRate: number;
  feeMin: number;
}

/** The part of the journal's ledger the paper broker keeps its book in. */
export interface PaperBook {
  position(ticker: string): { quantity: number; avg_price: number } | undefined;
  positions(): Array<{ ticker: string; quantity: number; avg_price: number }>;
  cashFlow(): number;
  fillOf(orderId: string): { price: number; quantity: number; fee: number; time: number; broker_deal_id: string | null } | undefined;
}

export class PaperBroker implements Broker {
  readonly kind = "paper";
  /** Nothing leaves the process: the engine need not journal "submitted" before a send. */
  readonly external = false;

  constructor(
    private readonly cfg: () => PaperConfig,
    private readonly book: PaperBook,
    private readonly quoteOf: (ticker: string) => Quote | undefined,
    private readonly clock: Clock,
  ) {}

  async accountInfo(): Promise<AccountInfo> {
    return this.accountNow();
  }

  accountNow(): AccountInfo {
    const cash = this.cash();
    const value = this.book.positions().reduce((sum, p) => sum + p.quantity * (this.markPrice(p.ticker) ?? p.avg_price), 0);
    return { currency: "JPY", balance: cash, equity: cash + value, margin_free: cash };
  }

  async positions(): Promise<BrokerPosition[]> {
    return this.book.positions().map((p) => ({
      ticker: p.ticker,
      symbol: p.ticker,
      quantity: p.quantity,
      avg_price: p.avg_price,
      current_price: this.markPrice(p.ticker),
    }));
  }

  needsQuote(req: OrderRequest): boolean {
    return req.kind === "trade" && req.order_type === "market" && req.reference_price === null && this.quoteOf(req.ticker) === undefined;
  }

  async orderCheck(req: OrderRequest): Promise<OrderCheckResult> {
    return this.check(req);
  }

  async orderSend(req: OrderRequest): Promise<OrderResult> {
    return this.send(req);
  }

  /**
   * Settles at once when there is a quote to price against; without one the order waits in the engine's queue.
   * Called at admission, for an order journaled in the same transaction: it cannot have been filled before.
   */
  settleNow(req: OrderRequest): OrderResult | null {
    if (req.kind === "cancel" || req.kind === "modify") return this.manage(req);
    return this.quoteOf(req.ticker) ? this.fill(req) : null;
  }

  private send(req: OrderRequest): OrderResult {
    if (req.kind === "cancel" || req.kind === "modify") return this.manage(req);
    return this.found(req.client_order_id) ?? this.fill(req);
  }

  /**
   * A cancel or an SL/TP change: the paper broker's resting orders and stops are the journal's, which the engine
   * updates with the result in the same transaction, so here there is nothing left to refuse.
   */
  private manage(req: OrderRequest): OrderResult {
    if (req.kind === "cancel") return { kind: "done", message: `pending order ${req.target_client_order_id} removed` };
    return { kind: "done", message: `stops set: SL ${req.stop_loss ?? "none"}, TP ${req.take_profit ?? "none"}` };
  }

  /**
   * Whether a resting limit/stop order is triggered by this quote, and at what price: a limit when the price it
   * would deal at (the quote with slippage) is at or better than its limit, there; a stop when the quote reaches
   * it (a buy's ask, a sell's bid), at the quote with slippage.
   */
  restingFill(req: OrderRequest, q: Quote): OrderResult | null {
    const price = this.restingPrice(req, q);
    if (price === null) return null;
    const check = this.check({ ...req, order_type: "market", limit_price: null }, price);
    if (!check.ok) return { kind: "rejected", code: check.code, message: `${req.order_type} ${req.limit_price} reached, but: ${check.message}` };
    const deal = `paper:${req.client_order_id}`;
    return { kind: "filled", fill: { price, quantity: req.quantity, fee: this.fee(price, req.quantity), broker_order_id: deal, broker_deal_id: deal, time: q.time } };
  }

  private restingPrice(req: OrderRequest, q: Quote): number | null {
    const slip = this.cfg().slippageBps / 10_000;
    const buy = req.action === "buy";
    const market = round(buy ? q.ask * (1 + slip) : q.bid * (1 - slip));
    const limit = req.limit_price;
    if (limit === null) return null;
    if (req.order_type === "limit") return (buy ? market <= limit : market >= limit) ? market : null;
    if (req.order_type === "stop") return (buy ? q.ask >= limit : q.bid <= limit) ? market : null;
    return null;
  }

  private fill(req: OrderRequest): OrderResult {
    if (req.order_type === "limit" || req.order_type === "stop") {
      // Marketable now: it deals at once, as an exchange would; else it rests until the quote reaches it.
      const q = this.quoteOf(req.ticker);
      const now = q ? this.restingFill(req, q) : null;
      if (now) return now;
      const expiry = req.order_expires_at === null ? "good till cancelled" : `until ${new Date(req.order_expires_at).toISOString()}`;
      return { kind: "placed", broker_order_id: `paper:${req.client_order_id}`, message: `${req.action} ${req.order_type} ${req.limit_price} resting, ${expiry}` };
    }
    const check = this.check(req); // the engine checked already; this send must stand on its own too
    if (!check.ok) return { kind: "rejected", code: check.code, message: check.message, ...(check.temporary ? { temporary: true } : {}) };
    const price = this.fillPrice(req)!;
    const deal = `paper:${req.client_order_id}`;
    return { kind: "filled", fill: { price, quantity: req.quantity, fee: this.fee(price, req.quantity), broker_order_id: deal, broker_deal_id: deal, time: this.clock.now() } };
  }

  private check(req: OrderRequest, at?: number): OrderCheckResult {
    if (req.kind === "cancel" || req.kind === "modify") return { ok: true, code: "OK", message: "ok", margin: 0 };
    if ((req.order_type === "limit" || req.order_type === "stop") && at === undefined) return { ok: true, code: "OK", message: "ok (rests until its price is reached)", margin: 0 };
    const price = at ?? this.fillPrice(req);
    if (price === null) {
      // Passing: the feeds have not quoted the instrument yet, or it has stopped. The order failed; it was not refused.
      return { ok: false, code: "NO_PRICE", message: `no quote for ${req.ticker} and the alert carried no price to fill at`, temporary: true };
    }
    const held = this.book.position(req.ticker)?.quantity ?? 0;
    if (req.effect === "close") {
      const side = req.action === "sell" ? held : -held;
      if (side < req.quantity) return { ok: false, code: "NO_POSITION", message: `cannot close ${req.quantity} ${req.ticker}: ${held} held` };
      return { ok: true, code: "OK", message: "ok", margin: 0 };
    }
    // An opening sell (a short, when risk.allowShort lets a reverse open one) needs the same cash as a buy.
    if (req.action === "buy" || req.effect === "open") {
      const cost = price * req.quantity + this.fee(price, req.quantity);
      const cash = this.cash();
      if (cost > cash) {
        return { ok: false, code: "INSUFFICIENT_CASH", message: `order needs ${cost.toFixed(0)} JPY, cash is ${cash.toFixed(0)} JPY` };
      }
      return { ok: true, code: "OK", message: "ok", margin: cost };
    }
    if (held < req.quantity) {
      return { ok: false, code: "NO_POSITION", message: `cannot sell ${req.quantity} ${req.ticker}: ${held} held (no short selling)` };
    }
    return { ok: true, code: "OK", message: "ok", margin: 0 };
  }

  async findOrder(clientOrderId: string): Promise<OrderResult | null> {
    return this.found(clientOrderId);
  }

  private found(clientOrderId: string): OrderResult | null {
    const f = this.book.fillOf(clientOrderId);
    if (!f) return null;
    return { kind: "filled", fill: { price: f.price, quantity: f.quantity, fee: f.fee, broker_order_id: f.broker_deal_id, broker_deal_id: f.broker_deal_id, time: f.time } };
  }

  async rates(): Promise<Rate[]> {
    return [];
  }

  async health(): Promise<BrokerHealth> {
    return { kind: this.kind, connected: true };
  }

  private cash(): number {
    return this.cfg().initialCash + this.book.cashFlow();
  }

  /** Market: the quote's ask (buy) or bid (sell) with slippage, else the alert's price. */
  private fillPrice(req: OrderRequest): number | null {
    const q = this.quoteOf(req.ticker);
    const slip = this.cfg().slippageBps / 10_000;
    const market = q ? round(req.action === "buy" ? q.ask * (1 + slip) : q.bid * (1 - slip)) : null;
    return market ?? req.reference_price;
  }

  private markPrice(ticker: string): number | null {
    const q = this.quoteOf(ticker);
    return q ? midPrice(q) : null;
  }

  private fee(price: number, quantity: number): number {
    const c = this.cfg();
    return Math.max(c.feeMin, round(price * quantity * c.feeRate));
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
