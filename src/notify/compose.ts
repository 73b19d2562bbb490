/**
 * A burst of notifications becomes one message: the most severe first, as many lines as the channel's length limit
 * allows, then one line counting the rest by key. Every row given is covered by the message (none is left behind).
 * Linear in the rows: the count of what is left is kept as lines are taken, not recounted per line.
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
  const left = new Map<string, number>();
  for (const r of ordered) left.set(r.key, (left.get(r.key) ?? 0) + 1);
  const lines = [`tradectl: ${rows.length} notifications`];
  let length = lines[0]!.length;
  let shown = 0;
  for (const r of ordered) {
    const l = line(r);
    left.set(r.key, left.get(r.key)! - 1);
    const rest = ordered.length - shown - 1;
    // Room for this line and, if others would remain, for the line that counts them.
    const reserve = rest > 0 ? footer(left, rest).length + 1 : 0;
    if (length + 1 + l.length + reserve > maxLength) {
      left.set(r.key, left.get(r.key)! + 1);
      break;
    }
    lines.push(l);
    length += 1 + l.length;
    shown++;
  }
  if (shown < ordered.length) lines.push(footer(left, ordered.length - shown));
  return { text: clip(lines.join("\n"), maxLength), shown };
}

function footer(left: Map<string, number>, rest: number): string {
  const parts = [...left].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
  return `… and ${rest} more (${parts.join(", ")}): tradectl events`;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
