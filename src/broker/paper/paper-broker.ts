/**
 * The paper broker (the default): fills market orders at the latest quote (ask for buys, bid for sells, plus slippage),
 * else at the alert's reference price; keeps cash, positions and P&L in the journal so a restart keeps them.
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
import type { StateStore } from "../../engine/stores.js";
import type { Clock } from "../../domain/clock.js";
import { midPrice, type Quote } from "../../domain/types.js";

export interface PaperConfig {
  initialCash: number;
  slippageBps: number;
  feeRate: number;
  feeMin: number;
}

interface PaperAccount {
  cash: number;
  realized_pnl: number;
  fees: number;
  positions: Record<string, { quantity: number; avg_price: number }>;
  next_deal: number;
}

const STATE_KEY = "paper.account";

export class PaperBroker implements Broker {
  readonly kind = "paper";
  private account: PaperAccount;

  constructor(
    private readonly cfg: PaperConfig,
    private readonly state: StateStore,
    private readonly quoteOf: (ticker: string) => Quote | undefined,
    private readonly clock: Clock,
    /** Runs the order record and the account update in one journal transaction. */
    private readonly atomically: <T>(fn: () => T) => T = (fn) => fn(),
  ) {
    this.account = state.get<PaperAccount>(STATE_KEY) ?? {
      cash: cfg.initialCash,
      realized_pnl: 0,
      fees: 0,
      positions: {},
      next_deal: 1,
    };
  }

  async accountInfo(): Promise<AccountInfo> {
    const value = Object.entries(this.account.positions).reduce((sum, [t, p]) => sum + p.quantity * (this.markPrice(t) ?? p.avg_price), 0);
    return { currency: "JPY", balance: this.account.cash, equity: this.account.cash + value, margin_free: this.account.cash };
  }

  async positions(): Promise<BrokerPosition[]> {
    return Object.entries(this.account.positions).map(([ticker, p]) => ({
      ticker,
      symbol: ticker,
      quantity: p.quantity,
      avg_price: p.avg_price,
      current_price: this.markPrice(ticker),
    }));
  }

  async orderCheck(req: OrderRequest): Promise<OrderCheckResult> {
    const price = this.fillPrice(req);
    if (price === null) {
      return { ok: false, code: "NO_PRICE", message: `no quote for ${req.ticker} and the alert carried no price to fill at` };
    }
    if (req.action === "buy") {
      const cost = price * req.quantity + this.fee(price, req.quantity);
      if (cost > this.account.cash) {
        return { ok: false, code: "INSUFFICIENT_CASH", message: `order needs ${cost.toFixed(0)} JPY, cash is ${this.account.cash.toFixed(0)} JPY` };
      }
      return { ok: true, code: "OK", message: "ok", margin: cost };
    }
    const held = this.account.positions[req.ticker]?.quantity ?? 0;
    if (held < req.quantity) {
      return { ok: false, code: "NO_POSITION", message: `cannot sell ${req.quantity} ${req.ticker}: ${held} held (no short selling)` };
    }
    return { ok: true, code: "OK", message: "ok", margin: 0 };
  }

  async orderSend(req: OrderRequest): Promise<OrderResult> {
    const earlier = await this.findOrder(req.client_order_id);
    if (earlier) return earlier;
    const check = await this.orderCheck(req);
    const result: OrderResult = check.ok ? this.fill(req, this.fillPrice(req)!) : { kind: "rejected", code: check.code, message: check.message };
    // One key per order, so a resend after a crash returns the first outcome without rewriting a growing map.
    this.atomically(() => {
      this.state.set(`paper.order.${req.client_order_id}`, result, this.clock.now());
      this.save();
    });
    return result;
  }

  async findOrder(clientOrderId: string): Promise<OrderResult | null> {
    return this.state.get<OrderResult>(`paper.order.${clientOrderId}`) ?? null;
  }

  async rates(): Promise<Rate[]> {
    return [];
  }

  async health(): Promise<BrokerHealth> {
    return { kind: this.kind, connected: true };
  }

  private fill(req: OrderRequest, price: number): OrderResult {
    const fee = this.fee(price, req.quantity);
    const pos = this.account.positions[req.ticker] ?? { quantity: 0, avg_price: 0 };
    if (req.action === "buy") {
      const qty = pos.quantity + req.quantity;
      this.account.positions[req.ticker] = { quantity: qty, avg_price: (pos.quantity * pos.avg_price + req.quantity * price) / qty };
      this.account.cash -= price * req.quantity + fee;
    } else {
      this.account.realized_pnl += req.quantity * (price - pos.avg_price) - fee;
      this.account.cash += price * req.quantity - fee;
      const qty = pos.quantity - req.quantity;
      if (qty === 0) delete this.account.positions[req.ticker];
      else this.account.positions[req.ticker] = { quantity: qty, avg_price: pos.avg_price };
    }
    this.account.fees += fee;
    const deal = `paper-${this.account.next_deal++}`;
    return {
      kind: "filled",
      fill: { price, quantity: req.quantity, fee, broker_order_id: deal, broker_deal_id: deal, time: this.clock.now() },
    };
  }

  private fillPrice(req: OrderRequest): number | null {
    if (req.order_type === "limit" && req.limit_price !== null) return req.limit_price;
    const q = this.quoteOf(req.ticker);
    const slip = this.cfg.slippageBps / 10_000;
    if (q) return round(req.action === "buy" ? q.ask * (1 + slip) : q.bid * (1 - slip));
    return req.reference_price;
  }

  private markPrice(ticker: string): number | null {
    const q = this.quoteOf(ticker);
    return q ? midPrice(q) : null;
  }

  private fee(price: number, quantity: number): number {
    return Math.max(this.cfg.feeMin, round(price * quantity * this.cfg.feeRate));
  }

  private save(): void {
    this.state.set(STATE_KEY, this.account, this.clock.now());
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
