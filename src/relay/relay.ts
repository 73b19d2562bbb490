/**
 * The relay as the daemon plugs it in: one store, one outbound client, the sender and the receiver sides, the
 * outbox's queues, the webhook's accepted signals published on from-webhook channels, and the start and stop.
 */
import type { TradectlConfig } from "../config/types.js";
import type { Clock } from "../domain/clock.js";
import type { Signal } from "../domain/types.js";
import type { Engine } from "../engine/engine.js";
import type { EventBus } from "../engine/event-bus.js";
import type { Database } from "../store/database.js";
import { Outbox } from "./outbox.js";
import { RelayHttp } from "./relay-http.js";
import { RelayReceiver } from "./relay-receiver.js";
import { RelaySender, type RelayLogger } from "./relay-sender.js";
import { RelayStore } from "./relay-store.js";

export interface RelayDeps {
  db: Database;
  engine: Engine;
  bus: EventBus;
  clock: Clock;
  logger: RelayLogger;
  config: () => TradectlConfig;
  smtpPassword: () => string | undefined;
}

/** How far back a start looks for webhook signals not yet published (older ones have expired in any real setup). */
const CATCH_UP_MS = 86_400_000;

export class Relay {
  readonly store: RelayStore;
  readonly sender: RelaySender;
  readonly receiver: RelayReceiver;
  private readonly http = new RelayHttp();
  private readonly outbox: Outbox;
  private listenUrl = "";
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly d: RelayDeps) {
    this.store = new RelayStore(d.db);
    const relayConfig = () => d.config().relay;
    const publicUrl = () => (relayConfig().publicUrl || this.listenUrl).replace(/\/+$/, "");
    this.outbox = new Outbox({ store: this.store, http: this.http, clock: d.clock, config: relayConfig, logger: d.logger, onEnd: (end) => this.sender.onDeliveryEnd(end) });
    this.sender = new RelaySender({ store: this.store, outbox: this.outbox, http: this.http, bus: d.bus, clock: d.clock, logger: d.logger, config: relayConfig, publicUrl, smtpPassword: d.smtpPassword });
    this.receiver = new RelayReceiver({ store: this.store, http: this.http, engine: d.engine, bus: d.bus, clock: d.clock, logger: d.logger, config: d.config, publicUrl });
  }

  /** Once the public port listens: deliveries left pending go out again, and missed webhook signals are published. */
  start(listenUrl: string): void {
    this.listenUrl = listenUrl;
    this.sender.resumeOutbox();
    this.catchUpWebhook();
    this.unsubscribe = this.d.bus.on("signal.accepted", (e) => {
      const id = (e.payload as { signal_id?: unknown }).signal_id;
      // After the webhook's answer, not before it: a publication costs a commit of its own.
      if (typeof id === "string" && this.store.fromWebhookChannels().length) setImmediate(() => this.publishWebhookSignal(id));
    });
    const purge = setInterval(() => this.receiver.purge(), 60_000);
    purge.unref();
    this.timers.push(purge);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    await this.outbox.stop();
    this.http.close();
  }

  private publishWebhookSignal(signalId: string): void {
    const signal = this.store.signal(signalId);
    if (!signal || signal.source !== "webhook") return;
    for (const c of this.store.fromWebhookChannels()) {
      if (signal.received_at < c.created_at || this.store.publicationBySignal(signal.id, c.id)) continue;
      try {
        this.sender.publish(c, signal, signal.received_at);
      } catch (err) {
        this.d.logger.error("relay: a webhook signal could not be published", { signal_id: signal.id, channel: c.name, error: (err as Error).message });
      }
    }
  }

  /** Webhook signals accepted but not yet published (the daemon stopped in between) and not yet expired. */
  private catchUpWebhook(): void {
    const now = this.d.clock.now();
    for (const c of this.store.fromWebhookChannels()) {
      for (const id of this.store.unpublishedWebhookSignals(c.id, Math.max(c.created_at, now - CATCH_UP_MS))) {
        const s: Signal | undefined = this.store.signal(id);
        if (s && s.expires_at > now) this.publishWebhookSignal(id);
      }
    }
  }
}
