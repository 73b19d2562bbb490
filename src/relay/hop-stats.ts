/** p50/p99 of each hop of a receiver's recent deliveries (nearest rank), from the stamps each delivery kept. */
import type { DeliveryRow } from "./relay-store.js";
import { HOPS, type Hop, type HopStats } from "./relay-types.js";

export function hopSpans(d: DeliveryRow): Record<Hop, number | null> {
  const span = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    alert_to_received: span(d.alert_time, d.received_at),
    received_to_sent: span(d.received_at, d.sent_at),
    sent_to_receiver: span(d.sent_at, d.receiver_received_at),
    receiver_to_answer: span(d.receiver_received_at, d.answered_at),
    answer_to_ack: span(d.answered_at, d.acked_at),
    received_to_answer: span(d.received_at, d.answered_at ?? d.acked_at),
    answer_to_fill: span(d.answered_at, d.filled_at),
  };
}

export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

export function hopStats(rows: DeliveryRow[]): Record<Hop, HopStats> {
  const values = Object.fromEntries(HOPS.map((h) => [h, [] as number[]])) as Record<Hop, number[]>;
  for (const r of rows) {
    const s = hopSpans(r);
    for (const h of HOPS) if (s[h] !== null) values[h].push(s[h]!);
  }
  return Object.fromEntries(
    HOPS.map((h) => {
      const v = values[h].sort((a, b) => a - b);
      return [h, { count: v.length, p50_ms: round(percentile(v, 50)), p99_ms: round(percentile(v, 99)) }];
    }),
  ) as Record<Hop, HopStats>;
}
