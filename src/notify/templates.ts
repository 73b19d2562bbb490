/**
 * One short template per notification key: ticker, side, quantity, price, P&L and order id where they apply.
 * A notification sent well after its event says when the event happened.
 */
import type { OutboxRow } from "./notice.js";

type P = Record<string, unknown>;
type Template = (p: P) => string;

/** One formatter for every number (toLocaleString builds a new one per call). */
const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 5 });
const num = (v: unknown): string => (typeof v === "number" && Number.isFinite(v) ? NUMBER.format(v) : typeof v === "string" && v ? v : "?");
const signed = (v: unknown): string => (typeof v === "number" && v > 0 ? `+${num(v)}` : num(v));
const text = (v: unknown, fallback = "?"): string => (typeof v === "string" && v ? v : typeof v === "number" ? String(v) : fallback);
const side = (v: unknown): string => text(v).toUpperCase();
const rec = (v: unknown): P => (v && typeof v === "object" && !Array.isArray(v) ? (v as P) : {});
const opt = (label: string, v: unknown, fmt: (v: unknown) => string = num): string => (v === undefined || v === null || v === "" ? "" : ` · ${label} ${fmt(v)}`);

/** "2 min 10 s", "45 s", "3 h 5 min". */
export function duration(ms: unknown): string {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

function marginPhase(p: P): string {
  const t = [p.type, p.transaction_type, p.phase, p.state].map((v) => (typeof v === "string" ? v.toUpperCase() : "")).join(" ");
  return t.includes("EXIT") ? "exit" : t.includes("EXTEND") ? "extend" : "enter";
}

const TEMPLATES: Record<string, Template> = {
  "order.filled": (p) =>
    `✅ ${side(p.action)} ${num(p.quantity)} ${text(p.ticker)} @ ${num(p.price)} filled · ${text(p.order_id)}` +
    (typeof p.realized_pnl === "number" && p.realized_pnl !== 0 ? ` · P&L ${signed(p.realized_pnl)}` : "") +
    (typeof p.fee === "number" && p.fee > 0 ? ` · fee ${num(p.fee)}` : ""),
  "order.rejected": (p) => `⚠️ Order ${text(p.order_id)} ${text(p.ticker, "")} rejected: ${text(p.code)} ${text(p.message, "")}`.trimEnd(),
  "order.failed": (p) => `❗ Order ${text(p.order_id)} ${text(p.ticker, "")} failed: ${text(p.code)} ${text(p.message, "")}`.trimEnd(),
  "order.unknown": (p) => `🚨 Order ${text(p.order_id)} outcome UNKNOWN (${text(p.message)}): nothing is sent again until the broker is checked`,
  "signal.expired": (p) => `⚠️ Order ${text(p.order_id)} ${text(p.ticker, "")} expired before it could be sent`,
  "signal.rejected": (p) => {
    const d = rec(p.details);
    const what = p.action ? ` ${side(p.action)} ${num(p.quantity ?? d.quantity)} ${text(p.ticker)}` : "";
    return `🚫 Alert refused${what}: ${text(d.limit_type ?? p.code)} — ${text(p.reason ?? p.message)}`;
  },
  "position.external": (p) => {
    const pos = rec(p.position);
    const reason = text(p.reason ?? p.transaction_type, "closed at the broker");
    return (
      `⚠️ ${text(p.ticker)} changed at the broker without an order from tradectl (${reason}): now ${num(pos.quantity ?? 0)}` +
      (typeof p.realized_pnl === "number" && p.realized_pnl !== 0 ? ` · P&L ${signed(p.realized_pnl)}` : "")
    );
  },
  "system.killed": (p) => {
    const held = Array.isArray(p.positions_at_stop) ? p.positions_at_stop.length : 0;
    return `🛑 KILL SWITCH ON: ${text(p.reason, "no reason given")}${opt("by", p.actor, text)}${p.flatten ? ` · closing ${held} position${held === 1 ? "" : "s"}` : held ? ` · ${held} position${held === 1 ? "" : "s"} kept` : ""}`;
  },
  "system.resumed": (p) => `▶️ Kill switch off: trading resumed${opt("by", p.actor, text)}${opt("reason", p.reason, text)}`,
  "system.started": (p) => `🟢 tradectl started${opt("broker", p.broker, text)}${opt("orders resumed", p.resumed_orders)}${opt("version", p.version, text)}`,
  "system.stopping": (p) => `🔴 tradectl stopping${opt("reason", p.reason, text)}${opt("orders in flight", p.in_flight)}`,
  "stream.stale": (p) => `📉 Stream ${text(p.name)} down for ${duration(p.down_ms)} (${text(p.state)}, ${num(p.reconnects ?? 0)} reconnects)${opt("last error", p.last_error, text)}`,
  "stream.recovered": (p) => `📈 Stream ${text(p.name)} live again after ${duration(p.down_ms)}`,
  "broker.unhealthy": (p) => `❗ Broker ${text(p.kind)} unhealthy: ${text(p.message, "not connected")} · new entries are refused`,
  "broker.recovered": (p) => `✅ Broker ${text(p.kind)} healthy again${typeof p.down_ms === "number" ? ` after ${duration(p.down_ms)}` : ""}`,
  "reconcile.mismatch": (p) => `❗ ${text(p.ticker)} differs from the broker: ${text(p.message)}`,
  "reconcile.cleared": (p) => `✅ ${text(p.ticker)} agrees with the broker again: entries allowed`,
  "account.margin_call": (p) => {
    const phase = marginPhase(p);
    const account = text(p.account_id ?? p.accountID, "");
    const head = phase === "exit" ? "✅ Margin call over" : phase === "extend" ? "⚠️ Margin call extended" : "🚨 MARGIN CALL";
    return `${head}${account ? ` on account ${account}` : ""}${opt("transaction", p.id ?? p.transaction_id, text)}`;
  },
  "summary.daily": (p) => {
    const o = rec(p.orders);
    const positions = Array.isArray(p.positions) ? (p.positions as P[]) : [];
    const lines = [
      `📊 ${text(p.date)}: P&L realized ${signed(p.realized_pnl)}, unrealized ${signed(p.unrealized_pnl)}, total ${signed(p.total_pnl)}`,
      `entries ${num(p.entries)} · exits ${num(p.exits)} · filled ${num(o.filled ?? 0)} · rejected ${num(o.rejected ?? 0)} · failed ${num(o.failed ?? 0)} · expired ${num(o.expired ?? 0)} · unknown ${num(o.unknown ?? 0)}`,
      positions.length
        ? `positions: ${positions.map((x) => `${text(x.ticker)} ${num(x.quantity)} @ ${num(x.entry_price)} (${signed(x.unrealized_pnl)})`).join(", ")}`
        : "no open positions",
    ];
    if (p.kill_switch_active) lines.push(`kill switch ON: ${text(p.kill_switch_reason, "no reason given")}`);
    if (Array.isArray(p.streams_down) && p.streams_down.length) lines.push(`streams down: ${p.streams_down.join(", ")}`);
    return lines.join("\n");
  },
  "notify.test": (p) => `🔔 tradectl test message for channel ${text(p.channel)}: notifications work`,
};

/** Whether a key has a template (every key the catalog and the notifier produce must). */
export function hasTemplate(key: string): boolean {
  return key in TEMPLATES;
}

/** The message line(s) of one notification; `late` says when it happened if it goes out a minute or more after. */
export function render(row: Pick<OutboxRow, "key" | "payload" | "created_at">, now: number, formatTime: (ms: number) => string): string {
  const t = TEMPLATES[row.key];
  const body = t ? t(row.payload) : `${row.key}: ${JSON.stringify(row.payload).slice(0, 200)}`;
  return now - row.created_at >= 60_000 ? `${body} (at ${formatTime(row.created_at)})` : body;
}
