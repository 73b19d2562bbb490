/** The report as Markdown (a chat message, a wiki page, a mail that renders it). */
import { jstDateTime } from "../domain/jst.js";
import { periodLabel, reportSections, type Table } from "./sections.js";
import type { Report } from "./types.js";

const cell = (v: string) => v.replace(/\|/g, "\\|");

function mdTable(t: Table): string[] {
  const head = t.columns.map((c) => cell(t.headers[c] ?? c));
  const rule = t.columns.map((c) => (t.right.has(c) ? "---:" : "---"));
  return [`| ${head.join(" | ")} |`, `| ${rule.join(" | ")} |`, ...t.rows.map((r) => `| ${t.columns.map((c) => cell(r[c] ?? "")).join(" | ")} |`)];
}

export function renderMarkdown(r: Report): string {
  const out = [`# tradectl report: ${periodLabel(r)}`, "", `Generated ${jstDateTime(Date.parse(r.generated_at))} JST. Amounts in JPY.`];
  for (const s of reportSections(r)) {
    out.push("", `## ${s.title}`, "");
    for (const [k, v] of s.facts) out.push(`- **${k}**: ${cell(v)}`);
    if (s.facts.length && s.table?.rows.length) out.push("");
    if (s.table?.rows.length) out.push(...mdTable(s.table));
    else if (s.table && s.empty) out.push(`_${s.empty}_`);
  }
  return `${out.join("\n")}\n`;
}
