/**
 * The one control facade: status, positions, orders, quotes, kill switch. The public HTTP routes and the
 * socket routes both call it, so the CLI and the API can never disagree.
 */
import type { Clock } from "../domain/clock.js";
import { TradectlError } from "../domain/errors.js";
import { nextJstMidnight } from "../domain/jst.js";
import type { Quote } from "../domain/types.js";
import type { Broker, BrokerState, Rate } from "./broker.js";
import { makeEnvelope } from "./envelope.js";
import type { EventBus } from "./event-bus.js";
import type { StreamStatus } from "./feed.js";
import type { KillSwitch, KillSwitchState } from "./kill-switch.js";
import type { OrderJournal, OrderQuery, PositionLedger, StoredOrder } from "./ports.js";
import type { QuoteBook } from "./quote-book.js";
import { markPositions, readRiskSnapshot, round2, type MarkedPosition, type RiskSnapshot } from "./risk-state.js";

export interface RiskLimits {
  maxDailyEntries: number;
  cooldownMinutes: number;
  maxDailyLoss: number;
  maxExposure: number;
}

export interface ControlDeps {
  journal: OrderJournal;
  ledger: PositionLedger;
  broker: Broker;
  quotes: QuoteBook;
  killSwitch: KillSwitch;
  bus: EventBus;
  clock: Clock;
  risk: () => RiskLimits;
  marketOpen: (now: number) => boolean;
  streams: () => StreamStatus[];
  /** The broker's last known health and account, without a round trip to it (a hung bridge never holds status up). */
  brokerState: () => Promise<BrokerState>;
  /** Closes every position through the pipeline (kill --flatten). */
  flatten: (reason: string) => Promise<string[]>;
  /** `tradectl close` / `tradectl cancel`: a signal of source `cli` through admission, answered as the webhook would. */
  submit?: (req: { action: "close_all" | "cancel"; ticker: string; orderId?: string }) => Promise<{ statusCode: number; body: Record<string, unknown> }>;
  /** Each position's stop loss and take profit. */
  stopsOf?: (ticker: string) => { stop_loss: number | null; take_profit: number | null } | undefined;
  /** Tickers blocked for new entries by an unexplained difference with the broker. */
  blockedTickers?: () => Record<string, string>;
  /** The last reconciliation with the broker (MT5), shown in /status when there is one. */
  reconciliation?: () => object;
  /** The hot-standby pair (role, leader, lease, queue, Redis), shown in /status when there is one. */
  cluster?: () => object;
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

export type PositionView = MarkedPosition;
export type { RiskSnapshot };

export class Control {
  constructor(private readonly d: ControlDeps) {}

  ping(): { pong: true; time: string } {
    return { pong: true, time: new Date(this.d.clock.now()).toISOString() };
  }

  positions(): PositionView[] {
    return markPositions(this.d.ledger, this.d.quotes).map((p) => {
      const s = this.d.stopsOf?.(p.ticker);
      return s ? { ...p, stop_loss: s.stop_loss, take_profit: s.take_profit } : p;
    });
  }

  /** `tradectl close` / `tradectl cancel` (socket only). */
  async submit(req: { action: "close_all" | "cancel"; ticker: string; orderId?: string }): Promise<{ statusCode: number; body: Record<string, unknown> }> {
    if (!this.d.submit) throw new TradectlError("SERVICE_UNAVAILABLE", "closes and cancels from the CLI are not available in this daemon");
    return this.d.submit(req);
  }

  /** What the risk rules need, read from the journal (so it survives restarts). */
  riskSnapshot(): RiskSnapshot {
    return readRiskSnapshot(this.d.journal, this.d.ledger, this.d.quotes, this.d.clock.now());
  }

  async status(): Promise<Record<string, unknown>> {
    const now = this.d.clock.now();
    const kill = this.d.killSwitch.get();
    const positions = this.positions();
    const r = this.riskSnapshot();
    const limits = this.d.risk();
    const unrealized = round2(positions.reduce((s, p) => s + p.unrealized_pnl, 0));
    const broker = await this.d.brokerState().catch((err: Error): BrokerState => ({ kind: this.d.broker.kind, connected: false, message: err.message, checked_at: null }));
    const marketOpen = this.d.marketOpen(now);
    const cooldownLeftMs = r.lastEntryAt === null ? 0 : r.lastEntryAt + limits.cooldownMinutes * 60_000 - now;
    return {
      system_enabled: !kill.active,
      trading_active: !kill.active && marketOpen && broker.connected,
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
      broker: {
        kind: broker.kind,
        connected: broker.connected,
        ...(broker.message ? { message: broker.message } : {}),
        ...(broker.account ? { account: broker.account } : {}),
        checked_at: broker.checked_at,
      },
      ...(this.d.reconciliation ? { reconciliation: this.d.reconciliation() } : {}),
      ...(this.d.cluster ? { cluster: this.d.cluster() } : {}),
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
    const shared = await this.share(state);
    this.d.bus.publish(makeEnvelope("system.killed", "control", { reason: opts.reason, flatten: opts.flatten, positions_at_stop: positionsAtStop }, { time: now, meta: { actor: opts.actor } }));
    const flattenOrders = opts.flatten ? await this.d.flatten(opts.reason) : [];
    return {
      system_enabled: false,
      stopped_at: new Date(state.changed_at ?? now).toISOString(),
      reason: opts.reason,
      positions_at_stop: positionsAtStop,
      ...(opts.flatten ? { flatten_orders: flattenOrders } : {}),
      ...shared,
    };
  }

  /** In a pair: the change reaches the other daemon before the answer, or the answer says it could not yet. */
  private async share(state: KillSwitchState): Promise<Record<string, unknown>> {
    if (!this.d.killSwitch.share) return {};
    try {
      await this.d.killSwitch.share(state);
      return { pair: "both daemons" };
    } catch (err) {
      return { pair: `this daemon only until Redis is back (${(err as Error).message})` };
    }
  }

  async resume(opts: { actor: string; reason?: string }): Promise<Record<string, unknown>> {
    const now = this.d.clock.now();
    const was = this.d.killSwitch.get();
    const state = this.d.killSwitch.set(false, opts.reason ?? null, opts.actor, now);
    this.d.bus.publish(makeEnvelope("system.resumed", "control", { reason: opts.reason ?? null, was_active: was.active }, { time: now, meta: { actor: opts.actor } }));
    return { system_enabled: true, resumed_at: new Date(now).toISOString(), was_active: was.active, ...(await this.share(state)) };
  }
}

const TIME_FIELDS = ["created_at", "updated_at", "submitted_at", "filled_at", "expires_at", "order_expires_at"] as const;

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
