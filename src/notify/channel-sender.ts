/**
 * One channel's sender: takes its pending notifications from the outbox, one delivery at a time, as one message
 * per burst (compose), when its rate gate and breaker allow. A delivery is retried through p-retry with backoff
 * (on the injected timers) for temporary failures; a rate limit holds the channel until the time the service named;
 * a message refused for good marks its notifications failed; a channel refused opens the breaker at once. Rows are
 * marked sent only after the service took the message, and a channel has one delivery in flight at most, so within
 * one run nothing is sent twice.
 */
import { randomUUID } from "node:crypto";
import pRetry from "p-retry";
import type { NotifyChannelKind, Severity } from "../config/types.js";
import { backoffDelay } from "../feeds/backoff.js";
import { delay, type FeedTimers } from "../feeds/timers.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import { compose } from "./compose.js";
import { asDeliveryError, type DeliveryError } from "./delivery-error.js";
import type { OutboxRow } from "./notice.js";
import type { Outbox } from "./outbox.js";
import type { RateGate } from "./rate-gate.js";
import { SEVERITIES } from "./severity.js";
import type { OutgoingMessage, Transport } from "./transport.js";

/**
 * Most notifications one message covers (the rest of a burst goes in the next): a delivery reads and marks this many
 * rows on the event loop, so it stays a fraction of a millisecond; Telegram's one message a second still drains 200 a
 * second.
 */
const CLAIM = 200;
/** Attempts of one delivery before it counts as one failure of the channel (the breaker counts those). */
const ATTEMPTS = 3;
const RETRY_BACKOFF = { baseMs: 1000, capMs: 10_000, jitter: 0.25 };

export type ChannelState = "ok" | "retrying" | "rate-limited" | "open" | "disabled";

export interface ChannelStatus {
  name: string;
  kind: NotifyChannelKind;
  state: ChannelState;
  pending: number;
  sent: number;
  failed: number;
  last_sent_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** While rate-limited or open: when it sends again. */
  next_attempt_at: string | null;
}

export interface SenderEvents {
  /** Notifications the service took (rows), in one message. */
  sent(channel: string, kind: NotifyChannelKind, rows: number): void;
  /** Notifications ended without being sent: refused for good or expired. */
  ended(channel: string, kind: NotifyChannelKind, rows: number, outcome: "failed" | "expired"): void;
  /** A delivery attempt failed (it may be retried). */
  attemptFailed(channel: string, kind: NotifyChannelKind, failure: DeliveryError["failure"]): void;
}

export interface SenderDeps {
  name: string;
  transport: Transport;
  outbox: Outbox;
  gate: RateGate;
  timers: FeedTimers;
  /** Waits this long after the first notice of a burst, to send the burst as one message. */
  batchDelayMs: () => number;
  maxAgeMs: () => number;
  line: (r: OutboxRow, now: number) => string;
  /** Masks secret values in an error before it is kept or shown. */
  redact: (s: string) => string;
  warn: (msg: string, meta: Record<string, unknown>) => void;
  info: (msg: string, meta: Record<string, unknown>) => void;
  events: SenderEvents;
  random?: () => number;
}

export class ChannelSender {
  private readonly breaker = new CircuitBreaker();
  private timer: unknown = null;
  private timerDue = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly stopping = new AbortController();
  private lastSentAt: number | null = null;
  private lastError: { message: string; at: number } | null = null;
  private retrying = false;
  private sent = 0;
  private failed = 0;

  constructor(private readonly d: SenderDeps) {}

  get name(): string {
    return this.d.name;
  }

  /** New notifications (or a restart's leftovers) wait in the outbox: send them when allowed. */
  wake(opts: { now?: boolean } = {}): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const now = this.d.timers.now();
    const due = Math.max(now + (opts.now ? 0 : this.d.batchDelayMs()), this.d.gate.nextAt(now), this.breaker.retryAt() ?? now);
    if (this.timer !== null) {
      if (due >= this.timerDue) return;
      this.d.timers.clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = this.d.timers.setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce().finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake({ now: true });
        }
      });
    }, due - now);
  }

  /** Resolves when no delivery is in flight (for a clean stop: the last notifications get a moment to go out). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Whether a delivery is waiting on a timer or in flight. */
  get busy(): boolean {
    return this.running !== null || this.timer !== null;
  }

  stop(): void {
    this.stopping.abort();
    if (this.timer !== null) this.d.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  status(pending: number): ChannelStatus {
    const now = this.d.timers.now();
    const breaker: BreakerState = this.breaker.state(now);
    const blocked = this.d.gate.blocked(now);
    const state: ChannelState = breaker === "open" ? "open" : blocked !== null ? "rate-limited" : this.retrying ? "retrying" : "ok";
    const next = breaker === "open" ? this.breaker.retryAt() : blocked;
    return {
      name: this.d.name,
      kind: this.d.transport.kind,
      state,
      pending,
      sent: this.sent,
      failed: this.failed,
      last_sent_at: iso(this.lastSentAt),
      last_error: this.lastError?.message ?? null,
      last_error_at: iso(this.lastError?.at ?? null),
      next_attempt_at: iso(next),
    };
  }

  /** Sends a test message now, once, past the breaker (a success closes it). */
  async test(text: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const now = this.d.timers.now();
    const wait = this.d.gate.nextAt(now) - now;
    if (wait > 0) await delay(this.d.timers, wait, this.stopping.signal);
    this.d.gate.take(this.d.timers.now());
    try {
      await this.d.transport.send({ deliveryId: randomUUID(), text, severity: "info", rows: [] }, this.stopping.signal);
      this.breaker.success();
      this.wake({ now: true });
      return { ok: true };
    } catch (err) {
      const e = asDeliveryError(err);
      if (e.failure === "rate-limited") this.d.gate.block(this.d.timers.now() + (e.retryAfterMs ?? 1000));
      return { ok: false, error: this.describe(e) };
    }
  }

  /** One delivery: the oldest pending notifications as one message. Then wakes itself if more wait. */
  private async runOnce(): Promise<void> {
    const now = this.d.timers.now();
    const rows = this.fresh(this.d.outbox.pending(this.d.name, CLAIM), now);
    if (!rows.length) {
      if (this.d.outbox.pending(this.d.name, 1).length) this.again = true; // all of these had expired: the next ones
      return;
    }
    if (this.breaker.state(now) === "open" || this.d.gate.nextAt(now) > now) {
      this.again = true; // woken too early (a test message took the slot): wait for the gate again
      return;
    }
    const { text, shown } = compose(rows, this.d.transport.maxLength, (r) => this.d.line(r, now));
    const message: OutgoingMessage = { deliveryId: randomUUID(), text, severity: worst(rows), rows };
    const last = rows[rows.length - 1]!.id;
    const halfOpen = this.breaker.state(now) === "half-open";
    try {
      await pRetry(
        async () => {
          this.d.gate.take(this.d.timers.now());
          await this.d.transport.send(message, this.stopping.signal);
        },
        {
          retries: halfOpen ? 0 : ATTEMPTS - 1,
          minTimeout: 0,
          // p-retry counts; the wait runs on the injected timers.
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            const e = asDeliveryError(error);
            this.d.events.attemptFailed(this.d.name, this.d.transport.kind, e.failure);
            if (e.failure === "temporary" && retriesLeft > 0 && !this.stopping.signal.aborted) {
              this.retrying = true;
              this.noteError(e);
              await delay(this.d.timers, backoffDelay(attemptNumber, RETRY_BACKOFF, this.d.random ?? Math.random), this.stopping.signal);
            }
          },
          shouldRetry: ({ error }) => asDeliveryError(error).failure === "temporary" && !this.stopping.signal.aborted,
        },
      );
    } catch (err) {
      this.failedDelivery(asDeliveryError(err), rows.length, last);
      return;
    }
    const done = this.d.timers.now();
    this.d.outbox.doneThrough(this.d.name, last, done);
    this.breaker.success();
    if (this.retrying || this.lastError) this.d.info("notification channel delivered again", { channel: this.d.name });
    this.retrying = false;
    this.lastError = null;
    this.lastSentAt = done;
    this.sent += rows.length;
    this.d.events.sent(this.d.name, this.d.transport.kind, rows.length);
    const pause = this.d.transport.pauseMs;
    if (pause) this.d.gate.block(done + pause);
    if (shown < rows.length || rows.length === CLAIM) this.again = true;
    else if (this.d.outbox.pending(this.d.name, 1).length) this.again = true;
  }

  private failedDelivery(e: DeliveryError, count: number, last: number): void {
    const now = this.d.timers.now();
    const message = this.describe(e);
    this.noteError(e);
    if (e.failure === "rate-limited") {
      // Not a failure of these notifications: they go when the service said.
      this.d.gate.block(now + (e.retryAfterMs ?? 1000));
      this.again = true;
      return;
    }
    if (e.failure === "message") {
      // The channel works; this message never will: end its notifications, say so once.
      this.d.outbox.doneThrough(this.d.name, last, now);
      this.failed += count;
      this.retrying = false;
      this.d.events.ended(this.d.name, this.d.transport.kind, count, "failed");
      this.d.warn("notification refused by the channel for good", { channel: this.d.name, notifications: count, error: message });
      this.again = true;
      return;
    }
    const opened = this.breaker.failure(now, e.failure === "channel");
    this.retrying = !opened;
    if (opened) {
      this.d.warn("notification channel failing: breaker open, notifications wait in the outbox", {
        channel: this.d.name,
        error: message,
        retry_at: iso(this.breaker.retryAt()),
      });
    }
    if (!this.stopping.signal.aborted) this.again = true;
  }

  /**
   * Drops the oldest rows while they are older than notify.maxAgeHours (a margin call from two days ago is noise);
   * returns the others. Only a leading run: the channel is done with rows strictly in order.
   */
  private fresh(rows: OutboxRow[], now: number): OutboxRow[] {
    const cutoff = now - this.d.maxAgeMs();
    let n = 0;
    while (n < rows.length && rows[n]!.created_at < cutoff) n++;
    if (!n) return rows;
    this.d.outbox.doneThrough(this.d.name, rows[n - 1]!.id, now);
    this.failed += n;
    this.d.events.ended(this.d.name, this.d.transport.kind, n, "expired");
    this.d.warn("notifications expired undelivered", { channel: this.d.name, notifications: n });
    return rows.slice(n);
  }

  private noteError(e: DeliveryError): void {
    this.lastError = { message: this.describe(e), at: this.d.timers.now() };
  }

  private describe(e: DeliveryError): string {
    return this.d.redact(`${e.channelCode}: ${e.message}`);
  }
}

function worst(rows: OutboxRow[]): Severity {
  return rows.reduce<Severity>((w, r) => (SEVERITIES.indexOf(r.severity) > SEVERITIES.indexOf(w) ? r.severity : w), "info");
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
