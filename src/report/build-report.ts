/**
 * The report's figures from the journal's rows (pure). P&L: the fills are replayed from the first one with the
 * ledger's own position arithmetic, so the positions held at any instant are known; open positions are marked with
 * the latest price known then (a fill's price, the daemon's recorded mark of the day, or its live quote for a period
 * still running). The equity curve is the period's P&L as it went: realised since the start plus the change of the
 * unrealised, one point per fill and per day's end.
 */
import { isTseTradingDay } from "../domain/market-hours.js";
import { applyFill, type HeldPosition } from "../domain/position-math.js";
import type { JournalData } from "./journal-reader.js";
import type { Period } from "./period.js";
import { isoDay } from "./period.js";
import { buildTimelines } from "./timelines.js";
import type { DayRow, EquityPoint, OpenPosition, Report, TickerRow, TradeRow } from "./types.js";

const DAY_MS = 86_400_000;

export interface LiveQuote {
  price: number;
  time: number;
}

export interface BuildOptions {
  now: number;
  /** The running daemon's mid prices by ticker (only for a period that is still running). */
  quotes?: Map<string, LiveQuote>;
  daemonRunning: boolean;
}

interface Price {
  price: number;
  time: number;
  source: "quote" | "mark" | "fill";
}

export function buildReport(period: Period, data: JournalData, o: BuildOptions): Report {
  const until = Math.min(period.end, Math.max(period.start, o.now));
  const positions = new Map<string, HeldPosition>();
  const prices = new Map<string, Price>();
  const unrealized = () => {
    let sum = 0;
    for (const [ticker, p] of positions) {
      const px = prices.get(ticker);
      if (px) sum += p.quantity * (px.price - p.avg_price);
    }
    return sum;
  };

  // Fills and marks in time order (a fill before a mark of the same instant).
  type Step = { time: number; fill?: JournalData["fills"][number]; mark?: JournalData["marks"][number] };
  const steps: Step[] = [...data.fills.map((f): Step => ({ time: f.time, fill: f })), ...data.marks.map((m): Step => ({ time: m.time, mark: m }))].sort(
    (a, b) => a.time - b.time || (a.fill ? 0 : 1) - (b.fill ? 0 : 1),
  );
  let i = 0;
  const advance = (to: number, onFill?: (f: NonNullable<Step["fill"]>, closed: number) => void) => {
    for (; i < steps.length && steps[i]!.time < to; i++) {
      const s = steps[i]!;
      if (s.mark) {
        prices.set(s.mark.ticker, { price: s.mark.price, time: s.mark.time, source: "mark" });
        continue;
      }
      const f = s.fill!;
      const effect = applyFill(positions.get(f.ticker), f);
      if (effect.next.quantity === 0) positions.delete(f.ticker);
      else positions.set(f.ticker, effect.next);
      prices.set(f.ticker, { price: f.price, time: f.time, source: "fill" });
      onFill?.(f, effect.closed);
    }
  };

  advance(period.start);
  const unrealizedStart = unrealized();
  let realized = 0;
  const equity = () => realized + unrealized() - unrealizedStart;
  const curve: EquityPoint[] = [{ time: iso(period.start), equity: 0 }];
  const trades: TradeRow[] = [];
  const tickers = new Map<string, TickerRow>();
  const ticker = (t: string): TickerRow => {
    let row = tickers.get(t);
    if (!row) tickers.set(t, (row = { ticker: t, fills: 0, trades: 0, wins: 0, losses: 0, realized_pnl: 0, fees: 0, unrealized_pnl: 0 }));
    return row;
  };
  const daily: DayRow[] = [];
  let grossWin = 0;
  let grossLoss = 0;

  for (let dayStart = period.start; dayStart < until; dayStart += DAY_MS) {
    const dayEnd = Math.min(dayStart + DAY_MS, until);
    const day: DayRow = { date: isoDay(dayStart), fills: 0, trades: 0, realized_pnl: 0, fees: 0, pnl: 0, equity: 0 };
    const before = equity();
    advance(dayEnd, (f, closed) => {
      realized += f.realized_pnl;
      const closing = closed > 0;
      trades.push({ time: iso(f.time), date: day.date, order_id: f.order_id, ticker: f.ticker, action: f.action, quantity: f.quantity, price: f.price, fee: f.fee, realized_pnl: f.realized_pnl, closing });
      const t = ticker(f.ticker);
      t.fills++;
      t.realized_pnl += f.realized_pnl;
      t.fees += f.fee;
      day.fills++;
      day.realized_pnl += f.realized_pnl;
      day.fees += f.fee;
      if (closing) {
        t.trades++;
        day.trades++;
        if (f.realized_pnl > 0) {
          t.wins++;
          grossWin += f.realized_pnl;
        } else if (f.realized_pnl < 0) {
          t.losses++;
          grossLoss -= f.realized_pnl;
        }
      }
      curve.push({ time: iso(f.time), equity: money(equity()) });
    });
    if (dayEnd === until && o.quotes) {
      for (const [t, q] of o.quotes) if (positions.has(t)) prices.set(t, { ...q, source: "quote" });
    }
    day.equity = money(equity());
    day.pnl = money(equity() - before);
    day.realized_pnl = money(day.realized_pnl);
    day.fees = money(day.fees);
    // Exchange days, and any other day something happened on (FX trades, a fill on a holiday).
    if (isTseTradingDay(dayStart) || day.fills > 0 || day.pnl !== 0) daily.push(day);
    curve.push({ time: iso(dayEnd), equity: day.equity });
  }

  const open: OpenPosition[] = [...positions]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, p]) => {
      const px = prices.get(t) ?? null;
      const u = px ? p.quantity * (px.price - p.avg_price) : 0;
      ticker(t).unrealized_pnl = money(u);
      return { ticker: t, quantity: p.quantity, avg_price: p.avg_price, mark_price: px?.price ?? null, mark_time: px ? iso(px.time) : null, mark_source: px?.source ?? null, unrealized_pnl: money(u) };
    });
  const unrealizedEnd = unrealized();
  const wins = trades.filter((t) => t.closing && t.realized_pnl > 0).length;
  const losses = trades.filter((t) => t.closing && t.realized_pnl < 0).length;
  const closingTrades = trades.filter((t) => t.closing).length;

  const timelines = buildTimelines({ start: period.start, until, before: data.before, during: data.during, daemonRunningNow: o.daemonRunning, lastEventTime: data.last_event_time, nextRunPreviousTime: data.next_run_previous_time });

  return {
    period: { kind: period.kind, from: period.from, to: period.to, start: iso(period.start), end: iso(period.end), observed_until: iso(until), timezone: "Asia/Tokyo" },
    generated_at: iso(o.now),
    currency: "JPY",
    summary: {
      realized_pnl: money(realized),
      fees: money(trades.reduce((s, t) => s + t.fee, 0)),
      unrealized_pnl_start: money(unrealizedStart),
      unrealized_pnl_end: money(unrealizedEnd),
      total_pnl: money(realized + unrealizedEnd - unrealizedStart),
      fills: trades.length,
      trades: closingTrades,
      wins,
      losses,
      win_rate: closingTrades ? round(wins / closingTrades, 4) : null,
      profit_factor: grossLoss > 0 ? round(grossWin / grossLoss, 4) : null,
      max_drawdown: money(maxDrawdown(curve)),
    },
    trades,
    open_positions: open,
    by_ticker: [...tickers.values()].sort((a, b) => a.ticker.localeCompare(b.ticker)).map((t) => ({ ...t, realized_pnl: money(t.realized_pnl), fees: money(t.fees) })),
    daily,
    equity_curve: curve,
    signals: signalCounts(data),
    orders: orderCounts(data),
    ...timelines,
    latency_ms: latency(data),
  };
}

function maxDrawdown(curve: EquityPoint[]): number {
  let peak = 0;
  let worst = 0;
  for (const p of curve) {
    peak = Math.max(peak, p.equity);
    worst = Math.max(worst, peak - p.equity);
  }
  return worst;
}

/**
 * Every alert the webhook took is one of: refused before it became a signal (its passphrase or fields), a repeat
 * answered with its first answer, or a signal (accepted, or refused by a rule). Signals from other sources count too.
 */
function signalCounts(d: JournalData): Report["signals"] {
  const byReason: Record<string, number> = {};
  const count = (k: string) => (byReason[k] = (byReason[k] ?? 0) + 1);
  let duplicates = 0;
  let early = 0;
  for (const a of d.alerts) {
    if (a.signal_id === null) {
      if ((a.status_code ?? 0) >= 400) {
        early++;
        count(a.error_code ?? `HTTP_${a.status_code}`);
      }
    } else if (a.signal_request_id !== null && a.signal_request_id !== a.request_id) duplicates++;
  }
  let accepted = 0;
  let refused = 0;
  let expired = 0;
  for (const s of d.signals) {
    if (s.status === "rejected") {
      refused++;
      count(d.refusals.get(s.id) ?? s.reason ?? "refused");
    } else accepted++;
    if (s.status === "expired") expired++;
  }
  return { received: early + duplicates + d.signals.length, accepted, refused: refused + early, duplicates, expired, refused_by_reason: sortKeys(byReason) };
}

function orderCounts(d: JournalData): Report["orders"] {
  const by: Record<string, number> = {};
  for (const o of d.orders) by[o.status] = (by[o.status] ?? 0) + 1;
  return { total: d.orders.length, by_status: sortKeys(by) };
}

function latency(d: JournalData): Report["latency_ms"] {
  const xs = d.orders
    .filter((o) => o.status === "filled" && o.filled_at !== null && o.signal_received_at !== null)
    .map((o) => Math.max(0, o.filled_at! - o.signal_received_at!))
    .sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const at = (p: number) => (xs.length ? xs[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]! : null);
  return { count: xs.length, p50: at(50), p90: at(90), p99: at(99), max: xs.length ? xs[xs.length - 1]! : null };
}

const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Money to the sen: the journal's float sums carry binary noise past it. */
const money = (x: number) => round(x, 2) + 0;
const iso = (ms: number) => new Date(ms).toISOString();
