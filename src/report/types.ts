/** The report of a period: what `tradectl report --format json` prints, and what every other format renders. */

export interface ReportPeriod {
  kind: "day" | "week" | "month" | "range";
  /** First and last JST calendar day, included (YYYY-MM-DD). */
  from: string;
  to: string;
  /** [start, end) as instants (JST midnights). */
  start: string;
  end: string;
  /** Where the figures stop: the period's end, or now for a period still running. */
  observed_until: string;
  timezone: "Asia/Tokyo";
}

export interface TradeRow {
  time: string;
  /** JST trading day of the fill (YYYY-MM-DD). */
  date: string;
  order_id: string | null;
  ticker: string;
  action: "buy" | "sell";
  quantity: number;
  price: number;
  fee: number;
  /** The fill's realised P&L, its fee deducted (an opening fill realises minus its fee). */
  realized_pnl: number;
  /** True when the fill reduced or closed a position: a trade that counts for the win rate. */
  closing: boolean;
}

export interface OpenPosition {
  ticker: string;
  quantity: number;
  avg_price: number;
  mark_price: number | null;
  mark_time: string | null;
  /** quote: the daemon's live quote; mark: the daemon's recorded price of the day; fill: the last fill's price. */
  mark_source: "quote" | "mark" | "fill" | null;
  unrealized_pnl: number;
}

export interface TickerRow {
  ticker: string;
  fills: number;
  trades: number;
  wins: number;
  losses: number;
  realized_pnl: number;
  fees: number;
  unrealized_pnl: number;
}

export interface DayRow {
  date: string;
  fills: number;
  trades: number;
  realized_pnl: number;
  fees: number;
  /** Change of the P&L over the day: realised plus the change of the unrealised. */
  pnl: number;
  /** P&L since the period's start, at the day's end. */
  equity: number;
}

export interface EquityPoint {
  time: string;
  /** Realised since the period's start plus the change of the unrealised since then. */
  equity: number;
}

export interface StreamRow {
  name: string;
  /** Share of the observed period the stream was live (or idle because its market was closed): 0..1. */
  uptime: number;
  up_ms: number;
  reconnects: number;
  /** Its state when the period's figures stop (or null when the daemon was not running then). */
  last_state: string | null;
}

export interface Incident {
  start: string;
  end: string | null;
  duration_ms: number;
  message: string | null;
}

export interface Report {
  period: ReportPeriod;
  generated_at: string;
  currency: "JPY";
  summary: {
    realized_pnl: number;
    fees: number;
    unrealized_pnl_start: number;
    unrealized_pnl_end: number;
    /** realized_pnl + unrealized_pnl_end − unrealized_pnl_start: the period's whole P&L. */
    total_pnl: number;
    fills: number;
    trades: number;
    wins: number;
    losses: number;
    /** wins / trades, null without trades. */
    win_rate: number | null;
    /** Σ winning trades / |Σ losing trades|, null when no trade lost. */
    profit_factor: number | null;
    /** Largest fall of the equity curve from a previous high (a positive amount). */
    max_drawdown: number;
  };
  trades: TradeRow[];
  open_positions: OpenPosition[];
  by_ticker: TickerRow[];
  daily: DayRow[];
  equity_curve: EquityPoint[];
  signals: {
    /** Alerts the webhook received plus signals from other sources. */
    received: number;
    accepted: number;
    refused: number;
    /** Repeats answered with their first answer (idempotency). */
    duplicates: number;
    /** Accepted, then never sent because they went stale. */
    expired: number;
    /** "AUTH_FAILED", "RISK_LIMIT_EXCEEDED/daily_trade_count", … */
    refused_by_reason: Record<string, number>;
  };
  orders: { total: number; by_status: Record<string, number> };
  daemon: { uptime: number; up_ms: number; starts: number };
  streams: StreamRow[];
  broker_incidents: Incident[];
  /** From a signal's receipt to its order's fill, in ms. */
  latency_ms: { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null };
}
