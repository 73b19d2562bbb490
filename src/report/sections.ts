/**
 * The report laid out once for people, as titled sections of facts and tables with display strings (yen to the
 * yen, times in JST); the text, Markdown and HTML renderers only typeset these.
 */
import { jstDateTime } from "../domain/jst.js";
import type { Report } from "./types.js";

export interface Table {
  columns: string[];
  headers: Record<string, string>;
  rows: Array<Record<string, string>>;
  /** Columns aligned right (figures). */
  right: ReadonlySet<string>;
}

export interface Section {
  title: string;
  facts: Array<[string, string]>;
  table?: Table;
  /** Shown instead of an empty table. */
  empty?: string;
}

/** Yen to the yen, with separators; a minus sign for a loss. */
export function yen(x: number): string {
  const r = Math.round(x) + 0;
  return r.toLocaleString("en-US");
}

const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
const jst = (iso: string | null) => (iso ? jstDateTime(Date.parse(iso)) : "-");
const num = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 5 });
const ms = (x: number | null) => (x === null ? "-" : `${x.toLocaleString("en-US")} ms`);
const duration = (x: number) => {
  const s = Math.round(x / 1000);
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
};

function table(columns: Array<[key: string, header: string, right?: boolean]>, rows: Array<Record<string, string>>): Table {
  return {
    columns: columns.map(([k]) => k),
    headers: Object.fromEntries(columns.map(([k, h]) => [k, h])),
    rows,
    right: new Set(columns.filter(([, , r]) => r).map(([k]) => k)),
  };
}

export function periodLabel(r: Report): string {
  const p = r.period;
  const span = p.from === p.to ? p.from : `${p.from} to ${p.to}`;
  return `${p.kind === "range" ? "" : `${p.kind} `}${span} (JST)`;
}

export function reportSections(r: Report): Section[] {
  const s = r.summary;
  const running = r.period.observed_until !== r.period.end;
  const out: Section[] = [];
  out.push({
    title: "P&L (JPY)",
    facts: [
      ["realised", yen(s.realized_pnl)],
      ["fees (in realised)", yen(s.fees)],
      ["unrealised at the end", `${yen(s.unrealized_pnl_end)} (at the start ${yen(s.unrealized_pnl_start)})`],
      ["total", yen(s.total_pnl)],
      ["trades", `${s.trades} closing, ${s.wins} won, ${s.losses} lost (${s.fills} fills)`],
      ["win rate", pct(s.win_rate)],
      ["profit factor", s.profit_factor === null ? (s.wins ? "no losing trade" : "-") : s.profit_factor.toFixed(2)],
      ["max drawdown", yen(s.max_drawdown)],
      ...(running ? ([["figures until", `${jst(r.period.observed_until)} JST (the period is still running)`]] as Array<[string, string]>) : []),
    ],
  });
  out.push({
    title: "Trades",
    facts: [],
    empty: "no fills in this period",
    table: table(
      [["time", "TIME (JST)"], ["order_id", "ORDER"], ["ticker", "TICKER"], ["action", "SIDE"], ["quantity", "QTY", true], ["price", "PRICE", true], ["fee", "FEE", true], ["realized_pnl", "REALISED", true], ["closing", "CLOSES"]],
      r.trades.map((t) => ({ time: jst(t.time), order_id: t.order_id ?? "-", ticker: t.ticker, action: t.action, quantity: num(t.quantity), price: num(t.price), fee: yen(t.fee), realized_pnl: yen(t.realized_pnl), closing: t.closing ? "yes" : "" })),
    ),
  });
  out.push({
    title: "Open positions at the end",
    facts: [],
    empty: "none",
    table: table(
      [["ticker", "TICKER"], ["quantity", "QTY", true], ["avg_price", "AVG PRICE", true], ["mark_price", "MARK", true], ["mark", "MARKED WITH"], ["unrealized_pnl", "UNREALISED", true]],
      r.open_positions.map((p) => ({
        ticker: p.ticker,
        quantity: num(p.quantity),
        avg_price: num(p.avg_price),
        mark_price: p.mark_price === null ? "-" : num(p.mark_price),
        mark: p.mark_source ? `${p.mark_source} ${jst(p.mark_time)}` : "no price known",
        unrealized_pnl: yen(p.unrealized_pnl),
      })),
    ),
  });
  out.push({
    title: "By ticker",
    facts: [],
    empty: "no activity",
    table: table(
      [["ticker", "TICKER"], ["fills", "FILLS", true], ["trades", "TRADES", true], ["wins", "WON", true], ["losses", "LOST", true], ["realized_pnl", "REALISED", true], ["fees", "FEES", true], ["unrealized_pnl", "UNREALISED", true]],
      r.by_ticker.map((t) => ({ ticker: t.ticker, fills: num(t.fills), trades: num(t.trades), wins: num(t.wins), losses: num(t.losses), realized_pnl: yen(t.realized_pnl), fees: yen(t.fees), unrealized_pnl: yen(t.unrealized_pnl) })),
    ),
  });
  out.push({
    title: "Daily",
    facts: [],
    empty: "no day of this period has begun",
    table: table(
      [["date", "DAY (JST)"], ["fills", "FILLS", true], ["trades", "TRADES", true], ["realized_pnl", "REALISED", true], ["fees", "FEES", true], ["pnl", "P&L", true], ["equity", "CUMULATIVE", true]],
      r.daily.map((d) => ({ date: d.date, fills: num(d.fills), trades: num(d.trades), realized_pnl: yen(d.realized_pnl), fees: yen(d.fees), pnl: yen(d.pnl), equity: yen(d.equity) })),
    ),
  });
  const g = r.signals;
  out.push({
    title: "Signals",
    facts: [
      ["received", String(g.received)],
      ["accepted", `${g.accepted}${g.expired ? ` (${g.expired} expired before they could be sent)` : ""}`],
      ["refused", String(g.refused)],
      ["repeats answered once", String(g.duplicates)],
    ],
    ...(Object.keys(g.refused_by_reason).length
      ? { table: table([["reason", "REFUSED BECAUSE"], ["count", "COUNT", true]], Object.entries(g.refused_by_reason).map(([reason, count]) => ({ reason, count: String(count) }))) }
      : {}),
  });
  out.push({
    title: "Orders",
    facts: [
      ["total", String(r.orders.total)],
      ...Object.entries(r.orders.by_status).map(([k, v]): [string, string] => [k, String(v)]),
    ],
  });
  out.push({
    title: "Signal to fill",
    facts: [["latency", r.latency_ms.count ? `p50 ${ms(r.latency_ms.p50)}, p90 ${ms(r.latency_ms.p90)}, p99 ${ms(r.latency_ms.p99)}, max ${ms(r.latency_ms.max)} (${r.latency_ms.count} fills)` : "no filled orders"]],
  });
  out.push({
    title: "Daemon and streams",
    facts: [["daemon up", `${pct(r.daemon.uptime)} of the period (${duration(r.daemon.up_ms)}), ${r.daemon.starts} start${r.daemon.starts === 1 ? "" : "s"}`]],
    empty: "no stream recorded",
    table: table(
      [["name", "STREAM"], ["uptime", "LIVE", true], ["reconnects", "RECONNECTS", true], ["last_state", "STATE AT THE END"]],
      r.streams.map((st) => ({ name: st.name, uptime: pct(st.uptime), reconnects: String(st.reconnects), last_state: st.last_state ?? "-" })),
    ),
  });
  out.push({
    title: "Broker incidents",
    facts: [],
    empty: "none",
    table: table(
      [["start", "FROM (JST)"], ["end", "TO (JST)"], ["duration", "FOR", true], ["message", "WHY"]],
      r.broker_incidents.map((i) => ({ start: jst(i.start), end: i.end ? jst(i.end) : "going on", duration: duration(i.duration_ms), message: i.message ?? "-" })),
    ),
  });
  return out;
}
