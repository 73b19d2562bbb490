/**
 * The report's trades as CSV (RFC 4180), one row per fill, for a spreadsheet or an accountant: the rest of the
 * report is not a table of one shape (`--format json` has all of it).
 */
import { jstDateTime } from "../domain/jst.js";
import type { Report } from "./types.js";

const COLUMNS = ["time_jst", "date", "order_id", "ticker", "action", "quantity", "price", "fee", "realized_pnl", "closing"] as const;

function field(v: string | number | boolean | null): string {
  const s = v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(r: Report): string {
  const rows = r.trades.map((t) => [jstDateTime(Date.parse(t.time)), t.date, t.order_id, t.ticker, t.action, t.quantity, t.price, t.fee, t.realized_pnl, t.closing].map(field).join(","));
  return `${[COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
