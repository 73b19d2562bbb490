/**
 * The one control facade: status, positions, orders, quotes, kill switch. The public HTTP routes and the
 * socket routes both call it, so the CLI and the API can never disagree.
 */
import type { Clock } from "../domain/clock.js";
import { nextJstMidnight } from "../domain/jst.js";
import { midPrice, type Quote } from "../domain/types.js";
import type { Ledger } from "../store/ledger.js";
import type { Journal, OrderQuery, StoredOrder } from "../store/journal.js";
import type { Broker, Rate } from "./broker.js";
import { makeEnvelope } from "./envelope.js";
import type { EventBus } from "./event-bus.js";
import type { StreamStatus } from "./feed.js";
import type { KillSwitch, KillSwitchState } from "./kill-switch.js";
import type { QuoteBook } from "./quote-book.js";

export interface RiskLimits {
  maxDailyEntries: number;
  cooldownMinutes: number;
  maxDailyLoss: number;
  maxExposure: number;
}

export interface ControlDeps {
  journal: Journal;
  ledger: Ledger;
  broker: Broker;
  quotes: QuoteBook;
  killSwitch: KillSwitch;
  bus: EventBus;
  clock: Clock;
  risk: () => RiskLimits;
  marketOpen: (now: number) => boolean;
  streams: () => StreamStatus[];
  /** Closes every position through the pipeline (kill --flatten). */
  flatten: (reason: string) => Promise<string[]>;
  /** Tickers blocked for new entries by an unexplained difference with the broker. */
  blockedTickers?: () => Record<string, string>;
  /** The last reconciliation with the broker (MT5), shown in /status when there is one. */
  reconciliation?: () => object;
  /** Each notification channel's state and last error (no secret in them), shown in /status. */
  notifications?: () => object[];
}

export interface RatesView {
  symbol: string;
  timeframe: string;
  start: number;
  broker: string;
  rates: Rate[];
}

export interface PositionView {
  ticker: string;
  quantity: number;
  entry_price: number;
  current_price: number | null;
  unrealized_pnl: number;
  market_value: number;
}

export interface RiskSnapshot {
  entriesToday: number;
  exitsToday: number;
  lastEntryAt: number | null;
  realizedToday: number;
  exposure: number;
  held: (ticker: string) => number;
}

export class Control {
  constructor(private readonly d: ControlDeps) {}

  ping(): { pong: true; time: string } {
    return { pong: true, time: new Date(this.d.clock.now()).toISOString() };
  }

  positions(): PositionView[] {
    return this.d.ledger.positions().map((p) => {
      const q = this.d.quotes.forTicker(p.ticker);
      const current = q ? midPrice(q) : null;
      const mark = current ?? p.avg_price;
      return {
        ticker: p.ticker,
        quantity: p.quantity,
        entry_price: p.avg_price,
        current_price: current,
        unrealized_pnl: round2((mark - p.avg_price) * p.quantity),
        market_value: round2(mark * p.quantity),
      };
    });
  }

  /** What the risk rules need, read from the journal (so it survives restarts). */
  riskSnapshot(): RiskSnapshot {
    const day = this.d.journal.dayCounters(this.d.clock.now());
    const positions = this.positions();
    // Orders accepted but not filled yet count too: an entry still at the broker adds exposure, and the exit that
    // follows it must find something to sell (it queues behind the entry on the same ticker).
    const open = this.d.journal.openOrderSummary();
    const openEntryValue = open
      .filter((o) => o.action === "buy")
      .reduce((sum, o) => {
        const q = this.d.quotes.forTicker(o.ticker);
        return sum + o.quantity * (o.limit_price ?? (q ? midPrice(q) : null) ?? o.reference_price ?? 0);
      }, 0);
    const pendingShares = (ticker: string) =>
      open.filter((o) => o.ticker === ticker).reduce((sum, o) => sum + (o.action === "buy" ? o.quantity : -o.quantity), 0);
    return {
      entriesToday: day.entries,
      exitsToday: day.exits,
      lastEntryAt: this.d.journal.lastEntryAt(),
      realizedToday: day.realized_pnl,
      exposure: positions.reduce((s, p) => s + p.market_value, 0) + openEntryValue,
      held: (t) => Math.max(0, (positions.find((p) => p.ticker === t)?.quantity ?? 0) + pendingShares(t)),
    };
  }

  async status(): Promise<Record<string, unknown>> {
    const now = this.d.clock.now();
    const kill = this.d.killSwitch.get();
    const positions = this.positions();
    const r = this.riskSnapshot();
    const limits = this.d.risk();
    const unrealized = round2(positions.reduce((s, p) => s + p.unrealized_pnl, 0));
    const health = await this.d.broker.health().catch((err: Error) => ({ kind: this.d.broker.kind, connected: false, message: err.message }));
    const account = health.connected ? await this.d.broker.accountInfo().catch(() => null) : null;
    const marketOpen = this.d.marketOpen(now);
    const cooldownLeftMs = r.lastEntryAt === null ? 0 : r.lastEntryAt + limits.cooldownMinutes * 60_000 - now;
    return {
      system_enabled: !kill.active,
      trading_active: !kill.active && marketOpen && health.connected,
      market_open: marketOpen,
      daily_stats: {
        entries: r.entriesToday,
        exits: r.exitsToday,
        realized_pnl: round2(r.realizedToday),
        unrealized_pnl: unrealized,
        total_pnl: round2(r.realizedToday + unrealized),
      },
      current_positions: positions.map(({ ticker, quantity, entry_price, current_price, unrealized_pnl }) => ({
        ticker,
        quantity,
        entry_price,
        current_price,
        unrealized_pnl,
      })),
      risk_status: {
        daily_entries: `${r.entriesToday}/${limits.maxDailyEntries}`,
        cooldown: cooldownLeftMs > 0 ? `${Math.ceil(cooldownLeftMs / 60_000)} minutes left` : "ready",
        daily_loss: round2(Math.min(0, r.realizedToday)),
        total_exposure: round2(r.exposure),
        daily_reset_at: new Date(nextJstMidnight(now)).toISOString(),
        blocked_tickers: this.d.blockedTickers?.() ?? {},
      },
      kill_switch: killView(kill),
      streams: this.d.streams(),
      broker: { kind: health.kind, connected: health.connected, ...(health.message ? { message: health.message } : {}), ...(account ? { account } : {}) },
      ...(this.d.reconciliation ? { reconciliation: this.d.reconciliation() } : {}),
      ...(this.d.notifications ? { notifications: this.d.notifications() } : {}),
      timestamp: new Date(now).toISOString(),
    };
  }

  orders(q: OrderQuery): { orders: OrderView[]; total: number; limit: number; offset: number } {
    const limit = Math.min(q.limit ?? 50, 500);
    const offset = q.offset ?? 0;
    const page = this.d.journal.listOrders({ ...q, limit, offset });
    return { orders: page.orders.map(orderView), total: page.total, limit, offset };
  }

  order(orderId: string): OrderView | undefined {
    const o = this.d.journal.getOrder(orderId);
    return o && orderView(o);
  }

  quotes(): Quote[] {
    return this.d.quotes.all();
  }

  /** Price bars from the broker, oldest first; `start` bars back from the current one (MT5 copy_rates_from_pos). */
  async rates(symbol: string, timeframe: string, start: number, count: number): Promise<RatesView> {
    const rates = await this.d.broker.rates(symbol, timeframe, start, count);
    return { symbol, timeframe, start, broker: this.d.broker.kind, rates };
  }

  killSwitchState(): KillSwitchState {
    return this.d.killSwitch.get();
  }

  async activateKillSwitch(opts: { reason: string; actor: string; flatten: boolean }): Promise<Record<string, unknown>> {
    const now = this.d.clock.now();
    const positionsAtStop = this.positions().map(({ ticker, quantity, entry_price }) => ({ ticker, quantity, entry_price }));
    const state = this.d.killSwitch.set(true, opts.reason, opts.actor, now);
    this.d.bus.publish(makeEnvelope("system.killed", "control", { reason: opts.reason, flatten: opts.flatten, positions_at_stop: positionsAtStop }, { time: now, meta: { actor: opts.actor } }));
    const flattenOrders = opts.flatten ? await this.d.flatten(opts.reason) : [];
    return {
      system_enabled: false,
      stopped_at: new Date(state.changed_at ?? now).toISOString(),
      reason: opts.reason,
      positions_at_stop: positionsAtStop,
      ...(opts.flatten ? { flatten_orders: flattenOrders } : {}),
    };
  }

  resume(opts: { actor: string; reason?: string }): Record<string, unknown> {
    const now = this.d.clock.now();
    const was = this.d.killSwitch.get();
    this.d.killSwitch.set(false, opts.reason ?? null, opts.actor, now);
    this.d.bus.publish(makeEnvelope("system.resumed", "control", { reason: opts.reason ?? null, was_active: was.active }, { time: now, meta: { actor: opts.actor } }));
    return { system_enabled: true, resumed_at: new Date(now).toISOString(), was_active: was.active };
  }
}

const TIME_FIELDS = ["created_at", "updated_at", "submitted_at", "filled_at", "expires_at"] as const;

/** An order as the API shows it: times as ISO-8601 strings, like every other time in the API. */
export type OrderView = Omit<StoredOrder, (typeof TIME_FIELDS)[number]> & Record<(typeof TIME_FIELDS)[number], string | null>;

export function orderView(o: StoredOrder): OrderView {
  const out: Record<string, unknown> = { ...o };
  for (const k of TIME_FIELDS) out[k] = o[k] === null ? null : new Date(o[k]).toISOString();
  return out as OrderView;
}

function killView(k: KillSwitchState): Record<string, unknown> {
  return { active: k.active, reason: k.reason, actor: k.actor, changed_at: k.changed_at === null ? null : new Date(k.changed_at).toISOString() };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
