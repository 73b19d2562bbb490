/**
 * A burst of notifications becomes one message: the most severe first, as many lines as the channel's length limit
 * allows, then one line counting the rest by key. Every row given is covered by the message (none is left behind).
 */
import { SEVERITIES } from "./severity.js";
import type { OutboxRow } from "./notice.js";

export interface Composed {
  text: string;
  /** Rows written out in full; the others are counted in the last line. */
  shown: number;
}

export function compose(rows: OutboxRow[], maxLength: number, line: (r: OutboxRow) => string): Composed {
  if (rows.length === 1) return { text: clip(line(rows[0]!), maxLength), shown: 1 };
  const ordered = [...rows].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.id - b.id);
  const head = `tradectl: ${rows.length} notifications`;
  const lines = [head];
  let length = head.length;
  let shown = 0;
  for (const r of ordered) {
    const l = line(r);
    const rest = ordered.length - shown - 1;
    // Room for this line and, if others would remain, for the line that counts them.
    const reserve = rest > 0 ? footer(ordered.slice(shown + 1)).length + 1 : 0;
    if (length + 1 + l.length + reserve > maxLength) break;
    lines.push(l);
    length += 1 + l.length;
    shown++;
  }
  if (shown < ordered.length) lines.push(footer(ordered.slice(shown)));
  return { text: clip(lines.join("\n"), maxLength), shown };
}

function footer(rest: OutboxRow[]): string {
  const byKey = new Map<string, number>();
  for (const r of rest) byKey.set(r.key, (byKey.get(r.key) ?? 0) + 1);
  const parts = [...byKey].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
  return `… and ${rest.length} more (${parts.join(", ")}): tradectl events`;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
