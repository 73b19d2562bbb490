/** A notification before it is addressed to channels: what happened (its key), how much it matters, and its facts. */
import type { Severity } from "../config/types.js";

export interface Notice {
  /** What happened: an event type (`order.filled`) or a notifier's own (`stream.stale`, `summary.daily`). */
  key: string;
  /** For alert refusals: why (`cooldown`, `validation_error`, …); channels may ask for one reason only. */
  reason?: string;
  severity: Severity;
  /** Unix ms of the event. */
  time: number;
  eventId: string | null;
  /** Ties a fill to the position change that follows it (the request id). */
  correlationId?: string | null;
  payload: Record<string, unknown>;
}

/** A notice as the outbox keeps it for one channel. */
export interface OutboxRow {
  id: number;
  channel: string;
  key: string;
  severity: Severity;
  created_at: number;
  payload: Record<string, unknown>;
}
