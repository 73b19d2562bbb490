/** Aligned text columns for people: the CLI's tables and the text report share this one layout. */
export function formatTable(rows: Array<Record<string, unknown>>, columns: string[], headers: Record<string, string> = {}, right?: ReadonlySet<string>): string {
  const cells = rows.map((r) => columns.map((c) => fmt(r[c])));
  const titles = columns.map((c) => headers[c] ?? c.toUpperCase());
  const widths = columns.map((_, i) => Math.max(titles[i]!.length, ...cells.map((row) => row[i]!.length)));
  // Numbers right-aligned, so that their digits line up.
  const alignRight = columns.map((c) => (right ? right.has(c) : rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number")));
  const line = (vals: string[]) => vals.map((v, i) => (alignRight[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(titles), ...cells.map(line)].join("\n");
}

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 5 });
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
