/** Printing helpers: `--json` prints the data unchanged; otherwise aligned text. */
import { jstDateTime } from "../domain/jst.js";
import { fmt, formatTable } from "../report/text-table.js";

export { fmt, formatTable };

export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

/** Aligned columns; `headers` renames columns for the header line (e.g. "created" → "CREATED (JST)"). */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[], headers: Record<string, string> = {}): void {
  if (!rows.length) {
    process.stdout.write("(none)\n");
    return;
  }
  process.stdout.write(`${formatTable(rows, columns, headers)}\n`);
}

/** "YYYY-MM-DD HH:MM:SS" in JST: the zone of the trading day that an order id (ORD_YYYYMMDD_NNN) carries. */
export function jstTime(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const ms = typeof v === "number" ? v : Date.parse(v);
  return Number.isNaN(ms) ? String(v) : jstDateTime(ms);
}
