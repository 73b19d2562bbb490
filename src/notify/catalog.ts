/**
 * Which events are worth a human's attention, how much, and under which key a channel asks for them. One entry per
 * event type; the notifier's own notices (a stream down for long, the daily summary, a test) are added by it.
 */
import type { Severity } from "../config/types.js";
import type { EventEnvelope, EventType } from "../engine/envelope.js";
import type { Notice } from "./notice.js";

type Payload = Record<string, unknown>;
type Rule = (p: Payload, e: EventEnvelope) => { severity: Severity; key?: string; reason?: string } | null;

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
const rec = (v: unknown): Payload => (v && typeof v === "object" && !Array.isArray(v) ? (v as Payload) : {});

/** Refusals that need a look (money at risk, a blocked ticker, the broker gone); the rest are routine. */
const SERIOUS_REFUSALS = new Set(["daily_loss", "exposure", "reconciliation_mismatch", "service_unavailable"]);

/** Why an alert was refused, as a channel names it: the risk limit's type, else the error code in lower case. */
export function refusalReason(p: Payload): string {
  return str(rec(p.details).limit_type) ?? (str(p.code) ?? "refused").toLowerCase();
}

/** MARGIN_CALL_ENTER / _EXTEND / _EXIT, from whichever field the feed put the transaction type in. */
function marginCallPhase(p: Payload): "enter" | "extend" | "exit" {
  const t = [p.type, p.transaction_type, p.phase, p.state, rec(p.raw).type].map((v) => (typeof v === "string" ? v.toUpperCase() : "")).join(" ");
  if (t.includes("EXIT")) return "exit";
  if (t.includes("EXTEND")) return "extend";
  return "enter";
}

const RULES: Partial<Record<EventType, Rule>> = {
  "order.filled": () => ({ severity: "info" }),
  "order.rejected": () => ({ severity: "warning" }),
  "order.failed": () => ({ severity: "error" }),
  "order.unknown": () => ({ severity: "critical" }),
  "signal.expired": () => ({ severity: "warning" }),
  "signal.rejected": (p) => {
    const reason = refusalReason(p);
    return { severity: SERIOUS_REFUSALS.has(reason) ? "warning" : "info", reason };
  },
  // A position that moved at the broker without an order of ours: a stop loss, a take profit, a stop-out, a hand.
  "position.changed": (p, e) => (p.source === "external" || e.source === "reconciler" ? { severity: "warning", key: "position.external" } : null),
  "system.killed": () => ({ severity: "critical" }),
  "system.resumed": () => ({ severity: "warning" }),
  "system.started": () => ({ severity: "info" }),
  "system.stopping": () => ({ severity: "warning" }),
  // The broker's health changed: down is an error, back is news.
  "broker.state": (p) => (p.connected === false ? { severity: "error", key: "broker.unhealthy" } : { severity: "info", key: "broker.recovered" }),
  "reconcile.mismatch": () => ({ severity: "error" }),
  "reconcile.cleared": () => ({ severity: "info" }),
  "account.margin_call": (p) => {
    const phase = marginCallPhase(p);
    return { severity: phase === "exit" ? "info" : phase === "extend" ? "warning" : "critical" };
  },
};

/** The event types the notifier listens to (besides `stream.state`, which its stream watch reads). */
export const NOTIFIED_TYPES = Object.keys(RULES) as EventType[];

/** Keys a channel gets when it names none: everything except alert refusals, which are routine (`tradectl events`). */
export const DEFAULT_KEYS = [
  "order.*",
  "signal.expired",
  "position.external",
  "system.*",
  "stream.*",
  "broker.*",
  "reconcile.*",
  "account.*",
  "summary.*",
];

/** The notice of an event, or null when it is not worth one. */
export function noticeOf(e: EventEnvelope): Notice | null {
  const rule = RULES[e.type];
  if (!rule) return null;
  const payload = rec(e.payload);
  const r = rule(payload, e);
  if (!r) return null;
  return {
    key: r.key ?? e.type,
    ...(r.reason ? { reason: r.reason } : {}),
    severity: r.severity,
    time: Date.parse(e.time),
    eventId: e.id,
    correlationId: e.correlation_id,
    payload: { ...payload, ...(e.meta.actor ? { actor: e.meta.actor } : {}) },
  };
}

/** Whether a channel's `events` list asks for this key (and reason): exact, `prefix.*`, `key:reason` or `*`. */
export function wants(patterns: readonly string[], key: string, reason: string | undefined): boolean {
  return patterns.some(
    (p) => p === "*" || p === key || (p.endsWith(".*") && key.startsWith(p.slice(0, -1))) || (reason !== undefined && p === `${key}:${reason}`),
  );
}
