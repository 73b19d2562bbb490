/** The unified event envelope: every event on the bus, in the journal and on `GET /events`. */
import { timeOrderedId } from "../domain/ids.js";

export type EventType =
  | "feed.tick"
  | "feed.transaction"
  | "signal.received"
  | "signal.rejected"
  | "signal.accepted"
  | "signal.expired"
  | "order.submitted"
  | "order.filled"
  | "order.partially_filled"
  | "order.rejected"
  | "order.failed"
  | "order.unknown"
  | "order.working"
  | "order.cancelled"
  | "order.expired"
  | "position.changed"
  | "position.stops_changed"
  | "system.killed"
  | "system.resumed"
  | "system.started"
  | "system.stopping"
  | "stream.state"
  | "broker.state"
  | "account.margin_call"
  | "reconcile.mismatch"
  | "reconcile.cleared"
  | "cluster.leader_changed"
  | "relay.published"
  | "relay.delivered"
  | "relay.failed"
  | "relay.paused"
  | "relay.resumed";

export interface EventMeta {
  confidence?: number;
  expires_at?: string;
  dedupe_key?: string;
  actor?: string;
}

export interface EventEnvelope<P = unknown> {
  v: 1;
  id: string;
  type: EventType;
  time: string;
  source: string;
  correlation_id: string | null;
  payload: P;
  meta: EventMeta;
}

export function makeEnvelope<P>(
  type: EventType,
  source: string,
  payload: P,
  opts: { time?: number; correlation_id?: string | null; meta?: EventMeta } = {},
): EventEnvelope<P> {
  return {
    v: 1,
    id: timeOrderedId("evt_"),
    type,
    time: new Date(opts.time ?? Date.now()).toISOString(),
    source,
    correlation_id: opts.correlation_id ?? null,
    payload,
    meta: opts.meta ?? {},
  };
}
