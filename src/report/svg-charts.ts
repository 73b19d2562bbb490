/**
 * The HTML report's two charts as inline SVG (no script, no fonts or images to fetch, so a mail client that shows
 * SVG shows them as sent): the equity curve, and the P&L of each day as bars above or below zero.
 */
import { jstDateTime } from "../domain/jst.js";
import { yen } from "./sections.js";

const W = 720;
const H = 240;
const M = { left: 78, right: 12, top: 14, bottom: 34 };
const GREEN = "#1a7f37";
const RED = "#cf222e";
const INK = "#57606a";

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Scale {
  y(v: number): number;
  ticks: number[];
}

function yScale(values: number[]): Scale {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const plot = H - M.top - M.bottom;
  return { y: (v) => M.top + ((hi - v) / (hi - lo)) * plot, ticks: [...new Set([hi, 0, lo])] };
}

function frame(id: string, title: string, body: string[], s: Scale): string {
  const axis = s.ticks.map((t) => {
    const y = s.y(t).toFixed(1);
    return `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${t === 0 ? INK : "#d0d7de"}" stroke-width="1"${t === 0 ? "" : ' stroke-dasharray="3 3"'}/><text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" fill="${INK}">${esc(yen(t))}</text>`;
  });
  return [
    `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-family="system-ui, sans-serif">`,
    `<title>${esc(title)}</title>`,
    ...axis,
    ...body,
    "</svg>",
  ].join("\n");
}

/** The period's P&L over time (yen), one point per fill and per day's end. */
export function equityChart(points: Array<{ time: number; equity: number }>): string {
  const s = yScale(points.map((p) => p.equity));
  const t0 = points[0]?.time ?? 0;
  const t1 = points[points.length - 1]?.time ?? t0 + 1;
  const x = (t: number) => M.left + ((t - t0) / Math.max(1, t1 - t0)) * (W - M.left - M.right);
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.time).toFixed(1)} ${s.y(p.equity).toFixed(1)}`).join(" ");
  const last = points[points.length - 1]?.equity ?? 0;
  const label = (t: number, anchor: string) => `<text x="${x(t).toFixed(1)}" y="${H - 12}" text-anchor="${anchor}" font-size="11" fill="${INK}">${esc(jstDateTime(t).slice(0, 16))}</text>`;
  return frame("equity-curve", "Equity curve: P&L since the start of the period (JPY)", [`<path d="${path}" fill="none" stroke="${last >= 0 ? GREEN : RED}" stroke-width="2"/>`, label(t0, "start"), label(t1, "end")], s);
}

/** One bar per day: above zero green, below red. */
export function dailyBars(days: Array<{ date: string; pnl: number }>): string {
  const s = yScale(days.map((d) => d.pnl));
  const slot = (W - M.left - M.right) / Math.max(1, days.length);
  const every = Math.ceil(days.length / 12); // at most a dozen day labels
  const bars = days.map((d, i) => {
    const x = M.left + i * slot + slot * 0.15;
    const top = s.y(Math.max(0, d.pnl));
    const height = Math.max(d.pnl === 0 ? 0 : 1, Math.abs(s.y(d.pnl) - s.y(0)));
    const bar = `<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}" fill="${d.pnl >= 0 ? GREEN : RED}"><title>${esc(`${d.date}: ${yen(d.pnl)}`)}</title></rect>`;
    const label = i % every === 0 ? `<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="${INK}">${esc(d.date.slice(5))}</text>` : "";
    return bar + label;
  });
  return frame("daily-pnl", "P&L of each day (JPY)", bars, s);
}
