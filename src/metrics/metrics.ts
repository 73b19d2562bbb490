/**
 * Prometheus metrics (prom-client) in a registry of the daemon's own. Counters and histograms are fed by the event
 * bus, the webhook route's hooks, the broker wrapper and the journal's commits; gauges (streams, broker, kill switch,
 * WAL, notification channels) are read when Prometheus scrapes, so they cost nothing between scrapes. Every update
 * on the accept path is a pre-resolved child's inc/observe: no label hashing, no allocation.
 */
import { statSync } from "node:fs";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EventEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { StreamStatus } from "../engine/feed.js";
import type { NotifyChannelKind } from "../config/types.js";
import { STREAM_STATES } from "./stream-states.js";

export interface MetricsSources {
  streams(): StreamStatus[];
  brokerConnected(): boolean;
  killSwitchActive(): boolean;
  /** The journal's write-ahead log file (its size is the WAL not yet checkpointed, or more). */
  walFile: string;
  notifications(): Array<{ name: string; kind: string; state: string; pending: number }>;
  now(): number;
}

const ORDER_FINAL: Partial<Record<EventEnvelope["type"], string>> = {
  "order.filled": "filled",
  "order.rejected": "rejected",
  "order.failed": "failed",
  "order.unknown": "unknown",
  "signal.expired": "expired",
};

/** Signals accepted but not yet final that are remembered for signal-to-fill (a restart's orders are not timed). */
const MAX_TIMED = 10_000;

export class Metrics {
  readonly registry = new Registry();
  private sources: MetricsSources | null = null;
  private readonly offs: Array<() => void> = [];

  readonly alerts = new Counter({ name: "tradectl_alerts_total", help: "Alerts answered on POST /webhook, by outcome (accepted, refused) and reason (settled, queued, or the refusal's limit type / error code)", labelNames: ["outcome", "reason"], registers: [this.registry] });
  readonly acceptLatency = new Histogram({
    name: "tradectl_accept_latency_seconds",
    help: "Time from an alert's arrival to the end of its accepted (200/202) answer",
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly signalToFill = new Histogram({
    name: "tradectl_signal_to_fill_seconds",
    help: "Time from a signal's receipt to its order's fill",
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly orders = new Counter({ name: "tradectl_orders_total", help: "Orders that reached a final status (filled, rejected, failed, expired) or an unknown outcome", labelNames: ["status"], registers: [this.registry] });
  readonly brokerCalls = new Histogram({
    name: "tradectl_broker_call_seconds",
    help: "Broker calls by method (order_check, order_send, positions, …), errors included",
    labelNames: ["call"],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly brokerErrors = new Counter({ name: "tradectl_broker_errors_total", help: "Broker calls that failed or were refused, by method and error code", labelNames: ["call", "code"], registers: [this.registry] });
  readonly journalCommits = new Histogram({
    name: "tradectl_journal_commit_seconds",
    help: "Journal commits: durable (fsync, signals and orders), relaxed (no fsync), batch (event log)",
    labelNames: ["kind"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly notifications = new Counter({ name: "tradectl_notifications_total", help: "Notifications by channel and outcome: sent, failed (refused for good), expired (undelivered for notify.maxAgeHours)", labelNames: ["channel", "kind", "outcome"], registers: [this.registry] });
  readonly notificationAttempts = new Counter({ name: "tradectl_notification_attempt_failures_total", help: "Failed delivery attempts by channel and failure (temporary, rate-limited, message, channel)", labelNames: ["channel", "kind", "failure"], registers: [this.registry] });
  /** Fed by relayDelivery() once the relay publishes its deliveries; no samples before that. */
  readonly relayDeliveries = new Counter({ name: "tradectl_relay_deliveries_total", help: "Relay deliveries to receivers by outcome (delivered, failed)", labelNames: ["outcome"], registers: [this.registry] });
  readonly relayLatency = new Histogram({ name: "tradectl_relay_delivery_seconds", help: "Relay delivery time: the sender's receipt of the signal to the receiver's answer", buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });

  private readonly accepted = { settled: this.alerts.labels("accepted", "settled"), queued: this.alerts.labels("accepted", "queued") };
  private readonly commitKinds = { durable: this.journalCommits.labels("durable"), relaxed: this.journalCommits.labels("relaxed"), batch: this.journalCommits.labels("batch") };
  private readonly receivedAt = new Map<string, number>();
  private readonly fillTimers = new Map<string, number>();
  private lastReconnects = new Map<string, number>();

  constructor(bus: EventBus) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.gauges();
    const on = (type: EventEnvelope["type"], fn: (e: EventEnvelope) => void) => this.offs.push(bus.on(type, fn));
    // Timed on the monotonic clock as the events pass (a signal is received and admitted in the same turn).
    on("signal.received", (e) => {
      if (e.correlation_id !== null) remember(this.receivedAt, e.correlation_id, performance.now());
    });
    on("signal.rejected", (e) => e.correlation_id !== null && this.receivedAt.delete(e.correlation_id));
    on("signal.accepted", (e) => {
      const orderId = (e.payload as { order_id?: unknown }).order_id;
      if (typeof orderId !== "string") return;
      const at = (e.correlation_id !== null && this.receivedAt.get(e.correlation_id)) || performance.now();
      if (e.correlation_id !== null) this.receivedAt.delete(e.correlation_id);
      remember(this.fillTimers, orderId, at);
    });
    for (const [type, status] of Object.entries(ORDER_FINAL)) {
      const child = this.orders.labels(status);
      on(type as EventEnvelope["type"], (e) => {
        child.inc();
        const orderId = (e.payload as { order_id?: unknown }).order_id;
        if (typeof orderId !== "string") return;
        const start = this.fillTimers.get(orderId);
        if (start === undefined) return;
        this.fillTimers.delete(orderId);
        if (status === "filled") this.signalToFill.observe((performance.now() - start) / 1000);
      });
    }
    on("relay.delivered", (e) => this.relayDelivery("delivered", latencyOf(e)));
    on("relay.failed", (e) => this.relayDelivery("failed", latencyOf(e)));
  }

  /** What the scrape-time gauges read; set once the daemon has built those parts. */
  setSources(s: MetricsSources): void {
    this.sources = s;
  }

  /**
   * The relay's hook: one delivery to a receiver and, when known, how long it took (seconds). The relay's
   * `relay.delivered` / `relay.failed` events call it; a relay may call it directly instead.
   */
  relayDelivery(outcome: "delivered" | "failed", seconds: number | null): void {
    this.relayDeliveries.labels(outcome).inc();
    if (seconds !== null) this.relayLatency.observe(seconds);
  }

  /** One answer of POST /webhook (from the route's hooks). */
  webhookAnswer(status: number, elapsedMs: number, reason: string | undefined): void {
    if (status === 200 || status === 202) {
      (status === 200 ? this.accepted.settled : this.accepted.queued).inc();
      this.acceptLatency.observe(elapsedMs / 1000);
      return;
    }
    this.alerts.labels("refused", reason ?? `http_${status}`).inc();
  }

  journalCommit(ms: number, kind: "durable" | "relaxed" | "batch"): void {
    this.commitKinds[kind].observe(ms / 1000);
  }

  notificationSent(channel: string, kind: NotifyChannelKind, rows: number): void {
    this.notifications.labels(channel, kind, "sent").inc(rows);
  }

  notificationEnded(channel: string, kind: NotifyChannelKind, rows: number, outcome: "failed" | "expired"): void {
    this.notifications.labels(channel, kind, outcome).inc(rows);
  }

  notificationAttemptFailed(channel: string, kind: NotifyChannelKind, failure: string): void {
    this.notificationAttempts.labels(channel, kind, failure).inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.registry.clear();
  }

  /** Gauges read at scrape time. */
  private gauges(): void {
    const self = this;
    const registers = [this.registry];
    new Gauge({
      name: "tradectl_broker_up",
      help: "1 while the broker answers its health check",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.brokerConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: "tradectl_kill_switch_active",
      help: "1 while the kill switch stops trading",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.killSwitchActive() ? 1 : 0);
      },
    });
    new Gauge({
      name: "tradectl_journal_wal_bytes",
      help: "Size of the journal's write-ahead log file",
      registers,
      collect() {
        if (!self.sources) return;
        try {
          this.set(statSync(self.sources.walFile).size);
        } catch {
          this.set(0);
        }
      },
    });
    new Gauge({
      name: "tradectl_stream_state",
      help: "1 for each stream's current state (connecting, live, market-closed, stale, backoff, failed, stopped)",
      labelNames: ["stream", "state"],
      registers,
      collect() {
        this.reset();
        for (const s of self.sources?.streams() ?? []) for (const st of STREAM_STATES) this.labels(s.name, st).set(s.state === st ? 1 : 0);
      },
    });
    new Gauge({
      name: "tradectl_stream_up",
      help: "1 while a stream is live (or its market is closed), 0 while it is down",
      labelNames: ["stream"],
      registers,
      collect() {
        this.reset();
        for (const s of self.sources?.streams() ?? []) this.labels(s.name).set(s.state === "live" || s.state === "market-closed" ? 1 : 0);
      },
    });
    new Gauge({
      name: "tradectl_stream_last_message_age_seconds",
      help: "Seconds since each stream's last message (absent before its first)",
      labelNames: ["stream"],
      registers,
      collect() {
        this.reset();
        const now = self.sources?.now() ?? Date.now();
        for (const s of self.sources?.streams() ?? []) if (s.last_message_at) this.labels(s.name).set(Math.max(0, now - Date.parse(s.last_message_at)) / 1000);
      },
    });
    new Counter({
      name: "tradectl_stream_reconnects_total",
      help: "Reconnects of each stream since the daemon started",
      labelNames: ["stream"],
      registers,
      collect() {
        for (const s of self.sources?.streams() ?? []) {
          const before = self.lastReconnects.get(s.name) ?? 0;
          if (s.reconnects > before) this.labels(s.name).inc(s.reconnects - before);
          else if (before === 0) this.labels(s.name).inc(0);
          self.lastReconnects.set(s.name, Math.max(before, s.reconnects));
        }
      },
    });
    new Gauge({
      name: "tradectl_notification_pending",
      help: "Notifications waiting in the outbox, by channel",
      labelNames: ["channel"],
      registers,
      collect() {
        this.reset();
        for (const c of self.sources?.notifications() ?? []) this.labels(c.name).set(c.pending);
      },
    });
    new Gauge({
      name: "tradectl_notification_channel_up",
      help: "1 while a notification channel delivers (ok), 0 while it retries, is rate-limited, open or disabled",
      labelNames: ["channel", "kind", "state"],
      registers,
      collect() {
        this.reset();
        for (const c of self.sources?.notifications() ?? []) this.labels(c.name, c.kind, c.state).set(c.state === "ok" ? 1 : 0);
      },
    });
  }
}

function remember(map: Map<string, number>, key: string, value: number): void {
  if (map.size >= MAX_TIMED) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** A delivery's time, the sender's receipt of the signal to the receiver's answer (its hops, in ms), in seconds. */
function latencyOf(e: EventEnvelope): number | null {
  const ms = (e.payload as { hops?: { received_to_answer?: unknown } }).hops?.received_to_answer;
  return typeof ms === "number" ? ms / 1000 : null;
}
