/**
 * Notifications, from the event bus to the trader's channels. On the bus (that is, on the accept path) the notifier
 * only files a notice in memory; on the next turn of the event loop it addresses the notices to the channels that
 * want them (key and severity), queues them in the journal's outbox in the event log's batch, and wakes each
 * channel's sender. Sending, rate limits, retries and the breaker live in ChannelSender, off the accept path.
 * Its own notices: a stream down for long and back (StreamWatch), the daily summary, a test message.
 */
import type { NotifyChannelConfig, NotifyConfig, Severity } from "../config/types.js";
import { TradectlError } from "../domain/errors.js";
import type { EventEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { StreamStatus } from "../engine/feed.js";
import type { StateStore } from "../engine/ports.js";
import { systemTimers, type FeedTimers } from "../feeds/timers.js";
import type { Logger } from "../log/logger.js";
import type { Redactor } from "../log/redact.js";
import { buildTransport, minIntervalMs } from "./build-transport.js";
import { DEFAULT_KEYS, NOTIFIED_TYPES, noticeOf, wants } from "./catalog.js";
import { ChannelSender, type ChannelStatus, type SenderEvents } from "./channel-sender.js";
import { DailySummary, zonedClock } from "./daily-summary.js";
import type { Notice } from "./notice.js";
import type { NewOutboxRow, Outbox } from "./outbox.js";
import { RateGate, WindowLimit } from "./rate-gate.js";
import { atLeast } from "./severity.js";
import { StreamWatch } from "./stream-watch.js";
import { render } from "./templates.js";

export interface NotifierDeps {
  bus: EventBus;
  outbox: Outbox;
  config: NotifyConfig;
  env: NodeJS.ProcessEnv;
  logger: Pick<Logger, "info" | "warn" | "error">;
  redactor: Redactor;
  state: StateStore;
  /** The facts of the day's summary (`date` is the summary's local date). */
  summary: (date: string) => Promise<Record<string, unknown>>;
  timers?: FeedTimers;
  events?: SenderEvents;
}

export interface TestResult {
  channel: string;
  kind: string;
  ok: boolean;
  error?: string;
}

interface Channel {
  config: NotifyChannelConfig;
  patterns: readonly string[];
  minSeverity: Severity;
  sender: ChannelSender | null;
  /** Why the channel cannot send (its secret is missing), when it cannot. */
  disabled: string | null;
}

/** Telegram: at most 30 messages a second for one bot, over all its chats. */
const TELEGRAM_PER_BOT = { max: 30, windowMs: 1000 };
const SUMMARY_KEY = "notify.dailySummary.lastDate";
/** Sent and ended notifications are kept this long, then purged. */
const KEEP_MS = 30 * 86_400_000;

export class Notifier {
  private readonly timers: FeedTimers;
  private readonly channels: Channel[] = [];
  private buffer: Notice[] = [];
  private flushScheduled = false;
  private readonly offs: Array<() => void> = [];
  private readonly streams: StreamWatch;
  private summary: DailySummary | null = null;
  private readonly formatTime: (ms: number) => string;
  private purgeTimer: unknown = null;

  constructor(private readonly d: NotifierDeps) {
    this.timers = d.timers ?? systemTimers;
    const f = new Intl.DateTimeFormat("sv-SE", {
      timeZone: d.config.dailySummary.timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
    });
    this.formatTime = (ms) => f.format(ms);
    this.streams = new StreamWatch(this.timers, () => d.config.streamStaleSeconds * 1000, (key, payload, time) =>
      this.file({ key, severity: key === "stream.stale" ? "warning" : "info", time, eventId: null, payload }),
    );
  }

  /** Builds the channels, listens to the bus, and sends what the last run left in the outbox. */
  start(): void {
    const names = this.d.config.channels.map((c) => c.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new TradectlError("CONFIG_INVALID", `notify.channels: two channels are named ${twice} (each keeps its own place in the outbox by name)`);
    const shared = new Map<string, WindowLimit>();
    for (const c of this.d.config.channels) {
      const channel: Channel = { config: c, patterns: c.events ?? DEFAULT_KEYS, minSeverity: c.minSeverity ?? "info", sender: null, disabled: null };
      this.channels.push(channel);
      if (c.enabled === false) {
        channel.disabled = "enabled: false in the config";
        continue;
      }
      const built = buildTransport(c, this.d.env, () => this.timers.now());
      if (!built.ok) {
        channel.disabled = built.error;
        this.d.logger.warn("notification channel disabled", { channel: c.name, kind: c.kind, reason: built.error });
        continue;
      }
      this.d.redactor.addSecretValues(built.secret);
      let limit: WindowLimit | null = null;
      if (built.sharedKey) {
        limit = shared.get(built.sharedKey) ?? new WindowLimit(TELEGRAM_PER_BOT.max, TELEGRAM_PER_BOT.windowMs);
        shared.set(built.sharedKey, limit);
      }
      channel.sender = new ChannelSender({
        name: c.name,
        transport: built.transport,
        outbox: this.d.outbox,
        gate: new RateGate(minIntervalMs(c), limit),
        timers: this.timers,
        batchDelayMs: () => this.d.config.batchDelayMs,
        maxAgeMs: () => this.d.config.maxAgeHours * 3_600_000,
        line: (r, now) => render(r, now, this.formatTime),
        redact: (s) => this.d.redactor.redactString(s),
        warn: (m, meta) => this.d.logger.warn(m, meta),
        info: (m, meta) => this.d.logger.info(m, meta),
        events: this.senderEvents,
      });
    }
    if (!this.channels.length) return;
    for (const type of NOTIFIED_TYPES) this.offs.push(this.d.bus.on(type, this.onEvent));
    this.offs.push(this.d.bus.on("stream.state", this.onStreamState));
    // Counted once here, then kept as rows are queued and done (status and every scrape read it).
    this.pending = this.d.outbox.pendingCounts(this.channels.flatMap((c) => (c.sender ? [c.config.name] : [])));
    for (const c of this.channels) if (c.sender && this.pending.get(c.config.name)) c.sender.wake({ now: true });
    this.d.outbox.purge(this.timers.now() - KEEP_MS);
    this.schedulePurge();
    const at = this.d.config.dailySummary.at;
    if (at) {
      this.summary = new DailySummary({
        timers: this.timers,
        at,
        clock: zonedClock(this.d.config.dailySummary.timeZone),
        lastSent: () => this.d.state.get<string>(SUMMARY_KEY),
        send: (date) => this.sendSummary(date),
        onError: (err) => this.d.logger.error("daily summary could not be built", { error: err instanceof Error ? err.message : String(err) }),
      });
      this.summary.start();
    }
  }

  /**
   * Stops listening, queues what is still in memory, gives the senders up to `flushMs` to deliver what waits (the
   * "stopping" notice among it), then stops them. Whatever is left goes out at the next start.
   */
  async stop(flushMs = 1500): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.streams.stop();
    this.summary?.stop();
    if (this.purgeTimer !== null) this.timers.clearTimeout(this.purgeTimer);
    this.flush();
    const senders = this.channels.flatMap((c) => (c.sender ? [c.sender] : []));
    for (const s of senders) if (s.busy) s.wake({ now: true });
    const all = Promise.all(senders.map((s) => s.idle()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, flushMs)))]);
    clearTimeout(timer);
    for (const s of senders) s.stop();
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, 500)))]);
    clearTimeout(timer);
  }

  status(): ChannelStatus[] {
    return this.channels.map((c) =>
      c.sender
        ? c.sender.status(this.pending.get(c.config.name) ?? 0)
        : {
            name: c.config.name,
            kind: c.config.kind,
            state: "disabled",
            pending: 0,
            sent: 0,
            failed: 0,
            last_sent_at: null,
            last_error: c.disabled,
            last_error_at: null,
            next_attempt_at: null,
          },
    );
  }

  /** Sends a test message to one channel, or to every channel, now; each result says whether the service took it. */
  async test(name?: string): Promise<TestResult[]> {
    const chosen = name ? this.channels.filter((c) => c.config.name === name) : this.channels;
    if (name && !chosen.length) throw new TradectlError("NOT_FOUND", `no notification channel named ${name} (see notify.channels)`, { details: { field: "channel", value: name } });
    return Promise.all(
      chosen.map(async (c): Promise<TestResult> => {
        const base = { channel: c.config.name, kind: c.config.kind };
        if (!c.sender) return { ...base, ok: false, error: c.disabled ?? "disabled" };
        const text = render({ key: "notify.test", payload: { channel: c.config.name }, created_at: this.timers.now() }, this.timers.now(), this.formatTime);
        const r = await c.sender.test(text);
        if (!r.ok) this.d.logger.warn("test notification failed", { channel: c.config.name, error: r.error });
        return r.ok ? { ...base, ok: true } : { ...base, ok: false, error: r.error };
      }),
    );
  }

  private readonly onEvent = (e: EventEnvelope): void => {
    if (e.type === "position.changed") this.mergeIntoFill(e);
    const n = noticeOf(e);
    if (!n) return;
    if (n.key === "broker.unhealthy") this.brokerDownSince = n.time;
    if (n.key === "broker.recovered" && this.brokerDownSince !== null) {
      n.payload = { ...n.payload, down_ms: n.time - this.brokerDownSince };
      this.brokerDownSince = null;
    }
    this.file(n);
  };

  /** When the broker last went down, so its recovery can say for how long. */
  private brokerDownSince: number | null = null;

  private readonly onStreamState = (e: EventEnvelope): void => {
    this.streams.observe(e.payload as StreamStatus);
  };

  /** A fill is told with its P&L: the position change that follows it (same request) is merged into its notice. */
  private mergeIntoFill(e: EventEnvelope): void {
    const p = e.payload as { ticker?: unknown; realized_pnl?: unknown; position?: { quantity?: unknown } | null };
    for (let i = this.buffer.length - 1; i >= 0; i--) {
      const n = this.buffer[i]!;
      if (n.key === "order.filled" && n.correlationId === e.correlation_id && n.payload.ticker === p.ticker) {
        n.payload = { ...n.payload, realized_pnl: p.realized_pnl, position_quantity: p.position?.quantity ?? 0 };
        return;
      }
    }
  }

  private file(n: Notice): void {
    this.buffer.push(n);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Addresses the filed notices to their channels and queues them in the outbox (off the accept path). */
  private flush(): void {
    this.flushScheduled = false;
    const notices = this.buffer;
    this.buffer = [];
    const rows: NewOutboxRow[] = [];
    const woken = new Set<ChannelSender>();
    for (const n of notices) {
      const channels: string[] = [];
      for (const c of this.channels) {
        if (!c.sender || !atLeast(n.severity, c.minSeverity) || !wants(c.patterns, n.key, n.reason)) continue;
        channels.push(c.config.name);
        woken.add(c.sender);
      }
      if (channels.length) rows.push({ channels, key: n.key, severity: n.severity, eventId: n.eventId, createdAt: n.time, payload: JSON.stringify(this.d.redactor.redact(n.payload)) });
    }
    this.countQueued(rows);
    if (!rows.length) return;
    try {
      this.d.outbox.enqueue(rows);
    } catch (err) {
      this.d.logger.error("notifications could not be queued", { notifications: rows.length, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    for (const s of woken) s.wake();
  }

  private async sendSummary(date: string): Promise<void> {
    const facts = await this.d.summary(date);
    const n: Notice = { key: "summary.daily", severity: "info", time: this.timers.now(), eventId: null, payload: { date, ...facts } };
    const payload = JSON.stringify(this.d.redactor.redact(n.payload));
    const targets = this.channels.filter((c) => c.sender && wants(c.patterns, n.key, undefined) && atLeast(n.severity, c.minSeverity));
    const rows = targets.length ? [{ channels: targets.map((c) => c.config.name), key: n.key, severity: n.severity, eventId: `summary:${date}`, createdAt: n.time, payload }] : [];
    this.d.outbox.enqueueNow(rows, () => this.d.state.set(SUMMARY_KEY, date, n.time));
    this.countQueued(rows);
    for (const c of targets) c.sender!.wake();
  }

  /** Rows each channel is not done with: counted at start, then kept here. */
  private pending = new Map<string, number>();

  private countQueued(rows: NewOutboxRow[]): void {
    for (const r of rows) for (const c of r.channels) this.pending.set(c, (this.pending.get(c) ?? 0) + 1);
  }

  /** The senders' news, passed on (to the metrics), with the pending counts kept. */
  private readonly senderEvents: SenderEvents = {
    sent: (channel, kind, rows) => {
      this.pending.set(channel, Math.max(0, (this.pending.get(channel) ?? 0) - rows));
      this.d.events?.sent(channel, kind, rows);
    },
    ended: (channel, kind, rows, outcome) => {
      this.pending.set(channel, Math.max(0, (this.pending.get(channel) ?? 0) - rows));
      this.d.events?.ended(channel, kind, rows, outcome);
    },
    attemptFailed: (channel, kind, failure) => this.d.events?.attemptFailed(channel, kind, failure),
  };

  private schedulePurge(): void {
    this.purgeTimer = this.timers.setTimeout(() => {
      this.d.outbox.purge(this.timers.now() - KEEP_MS);
      this.schedulePurge();
    }, 86_400_000);
  }
}

