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

  needsQuote(req: OrderRequest): boolean {
    return req.order_type === "market" && req.reference_price === null && this.quoteOf(req.ticker) === undefined;
  }

  async accountInfo(): Promise<AccountInfo> {
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

  async orderCheck(req: OrderRequest): Promise<OrderCheckResult> {
    const price = this.fillPrice(req);
    if (price === null && req.order_type === "limit") {
      return { ok: false, code: "LIMIT_NOT_MARKETABLE", message: `limit ${req.limit_price} for ${req.ticker} is away from the market; the paper broker does not rest limit orders` };
    }
    if (price === null) {
      // Passing: the feeds have not quoted the instrument yet, or it has stopped. The order failed; it was not refused.
      return { ok: false, code: "NO_PRICE", message: `no quote for ${req.ticker} and the alert carried no price to fill at`, temporary: true };
    }
    if (req.action === "buy") {
      const cost = price * req.quantity + this.fee(price, req.quantity);
      const cash = this.cash();
      if (cost > cash) {
        return { ok: false, code: "INSUFFICIENT_CASH", message: `order needs ${cost.toFixed(0)} JPY, cash is ${cash.toFixed(0)} JPY` };
      }
      return { ok: true, code: "OK", message: "ok", margin: cost };
    }
    const held = this.book.position(req.ticker)?.quantity ?? 0;
    if (held < req.quantity) {
      return { ok: false, code: "NO_POSITION", message: `cannot sell ${req.quantity} ${req.ticker}: ${held} held (no short selling)` };
    }
    return { ok: true, code: "OK", message: "ok", margin: 0 };
  }

  async orderSend(req: OrderRequest): Promise<OrderResult> {
    const earlier = await this.findOrder(req.client_order_id);
    if (earlier) return earlier;
    const check = await this.orderCheck(req); // the engine checked already; this send must stand on its own too
    if (!check.ok) return { kind: "rejected", code: check.code, message: check.message, ...(check.temporary ? { temporary: true } : {}) };
    const price = this.fillPrice(req)!;
    const deal = `paper:${req.client_order_id}`;
    return { kind: "filled", fill: { price, quantity: req.quantity, fee: this.fee(price, req.quantity), broker_order_id: deal, broker_deal_id: deal, time: this.clock.now() } };
  }

  async findOrder(clientOrderId: string): Promise<OrderResult | null> {
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

  /**
   * Market: the quote's ask (buy) or bid (sell) with slippage, else the alert's price. Limit: only when marketable,
   * at the better of the quote and the limit (no quote: at the limit); the paper broker does not rest orders.
   */
  private fillPrice(req: OrderRequest): number | null {
    const q = this.quoteOf(req.ticker);
    const slip = this.cfg().slippageBps / 10_000;
    const market = q ? round(req.action === "buy" ? q.ask * (1 + slip) : q.bid * (1 - slip)) : null;
    if (req.order_type === "limit" && req.limit_price !== null) {
      if (market === null) return req.limit_price;
      const marketable = req.action === "buy" ? market <= req.limit_price : market >= req.limit_price;
      return marketable ? market : null;
    }
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
