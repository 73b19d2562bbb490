/**
 * The report as one self-contained HTML file: inline CSS, the equity curve and the daily P&L as inline SVG, no
 * script and nothing fetched, so it reads the same attached to a mail or opened from disk. Where a mail client
 * drops SVG, the tables below the charts still carry every figure.
 */
import { jstDateTime } from "../domain/jst.js";
import { periodLabel, reportSections, type Section } from "./sections.js";
import { dailyBars, equityChart, esc } from "./svg-charts.js";
import type { Report } from "./types.js";

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:760px;margin:24px auto;padding:0 12px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:left}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px;font-size:14px}
dt{color:#57606a}dd{margin:0}.empty{color:#57606a;font-style:italic}figure{margin:12px 0}figcaption{font-size:13px;color:#57606a}`;

function section(s: Section): string {
  const out = [`<h2>${esc(s.title)}</h2>`];
  if (s.facts.length) out.push(`<dl>${s.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`);
  const t = s.table;
  if (t?.rows.length) {
    const cls = (c: string) => (t.right.has(c) ? ' class="r"' : "");
    out.push(
      `<table><thead><tr>${t.columns.map((c) => `<th${cls(c)}>${esc(t.headers[c] ?? c)}</th>`).join("")}</tr></thead><tbody>`,
      ...t.rows.map((r) => `<tr>${t.columns.map((c) => `<td${cls(c)}>${esc(r[c] ?? "")}</td>`).join("")}</tr>`),
      "</tbody></table>",
    );
  } else if (t && s.empty) out.push(`<p class="empty">${esc(s.empty)}</p>`);
  return out.join("\n");
}

export function renderHtml(r: Report): string {
  const title = `tradectl report: ${periodLabel(r)}`;
  const points = r.equity_curve.map((p) => ({ time: Date.parse(p.time), equity: p.equity }));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>Generated ${esc(jstDateTime(Date.parse(r.generated_at)))} JST. Amounts in JPY.</p>
<figure>
${equityChart(points)}
<figcaption>Equity curve: realised P&amp;L since the start of the period plus the change of the open positions' value.</figcaption>
</figure>
<figure>
${dailyBars(r.daily)}
<figcaption>P&amp;L of each day.</figcaption>
</figure>
${reportSections(r).map(section).join("\n")}
</body>
</html>
`;
}
