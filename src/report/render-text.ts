/** The report as plain text: what a terminal and a cron mail show. */
import { jstDateTime } from "../domain/jst.js";
import { periodLabel, reportSections } from "./sections.js";
import { formatTable } from "./text-table.js";
import type { Report } from "./types.js";

export function renderText(r: Report): string {
  const out = [`tradectl report, ${periodLabel(r)}, generated ${jstDateTime(Date.parse(r.generated_at))} JST`];
  for (const s of reportSections(r)) {
    out.push("", s.title.toUpperCase());
    const width = Math.max(0, ...s.facts.map(([k]) => k.length));
    for (const [k, v] of s.facts) out.push(`  ${k.padEnd(width)}  ${v}`);
    if (s.table?.rows.length) out.push(...formatTable(s.table.rows, s.table.columns, s.table.headers, s.table.right).split("\n").map((l) => `  ${l}`));
    else if (s.table && s.empty) out.push(`  (${s.empty})`);
  }
  return `${out.join("\n")}\n`;
}
