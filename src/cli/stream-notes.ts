/** What a trader must read about a stream beyond its state: a margin call, a gap not filled, a disconnect that repeats. */

export interface StreamNoteInput {
  name: string;
  last_error?: string | null;
  next_attempt_at?: string | null;
  repeated_disconnect?: { code: number | null; count: number; since: string } | null;
  gap_fill?: {
    state: string;
    after_id: string | null;
    through_id: string | null;
    held: number;
    pages: number;
    next_attempt_at: string | null;
    last_error: string | null;
  } | null;
  margin_call?: { account_id: string; since: string; transaction_id: string; extensions: number } | null;
}

export interface StreamNote {
  /** alert: money is at stake now (a margin call, positions not updated); warn: the stream is degraded. */
  level: "alert" | "warn";
  text: string;
}

export function marginCallText(m: NonNullable<StreamNoteInput["margin_call"]>): string {
  const extended = m.extensions > 0 ? `, extended ${m.extensions} time${m.extensions === 1 ? "" : "s"}` : "";
  return `MARGIN CALL on account ${m.account_id} since ${m.since} (transaction ${m.transaction_id}${extended})`;
}

export function streamNotes(s: StreamNoteInput): StreamNote[] {
  const notes: StreamNote[] = [];
  if (s.margin_call) notes.push({ level: "alert", text: `${s.name}: ${marginCallText(s.margin_call)}` });
  const gap = s.gap_fill;
  if (gap?.state === "failing") {
    notes.push({
      level: "alert",
      text:
        `${s.name}: transactions after ${gap.after_id ?? "?"} (through ${gap.through_id ?? "?"}) could not be fetched: ${gap.last_error ?? "unknown error"}; ` +
        `positions are not updated past them, ${gap.held} later transaction${gap.held === 1 ? " waits" : "s wait"}${gap.next_attempt_at ? `; next try ${gap.next_attempt_at}` : ""}`,
    });
  } else if (gap) {
    notes.push({ level: "warn", text: `${s.name}: filling a gap in transactions after ${gap.after_id ?? "?"} (through ${gap.through_id ?? "?"}), ${gap.pages} page${gap.pages === 1 ? "" : "s"} so far` });
  }
  const r = s.repeated_disconnect;
  if (r && r.count >= 2) {
    notes.push({
      level: "warn",
      text: `${s.name}: ended by the server ${r.count} times in a row since ${r.since} (${s.last_error ?? `disconnect ${r.code ?? "?"}`})${s.next_attempt_at ? `; next attempt ${s.next_attempt_at}` : ""}`,
    });
  }
  return notes;
}
