/**
 * The sender's delivery side: a queue per receiver with bounded concurrency (a slow receiver holds only its own
 * slots), deliveries of one ticker in order (a buy is never overtaken by its sell), each retried with p-retry
 * backoff until its signal expires. The outbox rows in the journal are the truth; these queues only hold their ids,
 * and a restart rebuilds them from the rows still pending.
 */
import pRetry, { AbortError } from "p-retry";
import type { Clock } from "../domain/clock.js";
import { TradectlError } from "../domain/errors.js";
import { isRecord } from "../domain/values.js";
import type { RelayHttp, RelayResponse } from "./relay-http.js";
import { preciseNow } from "./relay-ids.js";
import { linkState, type DeliveryRow, type ReceiverRow, type RelayStore } from "./relay-store.js";
import { signedHeaders } from "./signature.js";

export interface OutboxConfig {
  /** One attempt's time limit. */
  timeoutMs: number;
  /** Deliveries in flight to one receiver at most. */
  concurrency: number;
  retryMinMs: number;
  retryMaxMs: number;
}

/** How a delivery ended; the sender records it and tells the bus. */
export type DeliveryEnd =
  | { kind: "delivered"; delivery: DeliveryRow; receiver: ReceiverRow }
  | { kind: "rejected" | "expired"; delivery: DeliveryRow; receiver: ReceiverRow; error: string }
  | { kind: "skipped"; delivery: DeliveryRow; receiver: ReceiverRow | undefined; reason: string; pausedByReceiver: boolean };

export interface OutboxDeps {
  store: RelayStore;
  http: RelayHttp;
  clock: Clock;
  config: () => OutboxConfig;
  onEnd: (end: DeliveryEnd) => void;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void; error(msg: string, meta?: Record<string, unknown>): void };
}

interface Item {
  deliveryId: string;
  ticker: string;
}

interface ReceiverQueue {
  waiting: Item[];
  running: number;
  tickers: Set<string>;
}

/**
 * Why a delivery ends without a 2xx: the receiver refused it for good (RELAY_REFUSED, a 4xx other than
 * 408/409-paused/429: not retried); the link is paused (RELAY_PAUSED, by the receiver or here: the delivery is
 * skipped, never held for later); the signal expired first (SIGNAL_EXPIRED).
 */
const refused = (message: string) => new AbortError(new TradectlError("RELAY_REFUSED", message));
const paused = (message: string, byReceiver: boolean) => new AbortError(new TradectlError("RELAY_PAUSED", message, { details: { by_receiver: byReceiver } }));
const expired = (message: string) => new AbortError(new TradectlError("SIGNAL_EXPIRED", message));

export class Outbox {
  private readonly queues = new Map<string, ReceiverQueue>();
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly d: OutboxDeps) {}

  enqueue(receiverId: string, deliveryId: string, ticker: string): void {
    if (this.abort.signal.aborted) return;
    let q = this.queues.get(receiverId);
    if (!q) this.queues.set(receiverId, (q = { waiting: [], running: 0, tickers: new Set() }));
    q.waiting.push({ deliveryId, ticker });
    this.pump(q);
  }

  /** Stops: waits cut short, requests in flight aborted; what was not recorded stays pending for the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private pump(q: ReceiverQueue): void {
    const limit = Math.max(1, this.d.config().concurrency);
    while (q.running < limit) {
      const i = q.waiting.findIndex((it) => !q.tickers.has(it.ticker));
      if (i === -1) return;
      const [item] = q.waiting.splice(i, 1) as [Item];
      q.running++;
      q.tickers.add(item.ticker);
      const p = this.deliver(item.deliveryId)
        .catch((err: Error) => this.d.logger.error("relay delivery failed unexpectedly", { delivery_id: item.deliveryId, error: err.message }))
        .finally(() => {
          q.running--;
          q.tickers.delete(item.ticker);
          this.running.delete(p);
          if (!this.abort.signal.aborted) this.pump(q);
        });
      this.running.add(p);
    }
  }

  private async deliver(id: string): Promise<void> {
    const { store, clock } = this.d;
    const first = store.delivery(id);
    if (!first || first.status !== "pending") return;
    const body = store.publicationBody(first.publication_id);
    let attempts = first.attempts;
    let sentAt: number | null = null;
    let lastError: string | null = null;
    const cfg = this.d.config();
    let receiver = store.receiver(first.receiver_id);
    try {
      const res = await pRetry(
        async () => {
          receiver = store.receiver(first.receiver_id);
          if (!receiver || receiver.removed_at !== null) throw paused("receiver removed", false);
          if (linkState(receiver) === "paused") throw paused("paused", false);
          const now = clock.now();
          if (now >= first.expires_at) throw expired(lastError ?? "expired before it could be delivered");
          attempts++;
          sentAt = preciseNow();
          const r = await this.d.http.postJson(receiver.endpoint, body ?? "", signedHeaders(receiver.signing_secret, id, body ?? "", now), cfg.timeoutMs, this.abort.signal);
          return classify(r);
        },
        {
          retries: Number.POSITIVE_INFINITY,
          factor: 2,
          minTimeout: cfg.retryMinMs,
          maxTimeout: cfg.retryMaxMs,
          randomize: true,
          // Real time, for the timers; each attempt also checks the (injectable) clock against the expiry.
          maxRetryTime: Math.max(0, first.expires_at - clock.now()),
          signal: this.abort.signal,
          onFailedAttempt: ({ error }) => {
            lastError = error.message;
            store.updateDelivery(first, { last_error: lastError, attempts, sent_at: sentAt }, clock.now());
          },
          shouldRetry: () => clock.now() < first.expires_at,
        },
      );
      const row = this.record(first, res, attempts, sentAt);
      this.d.onEnd({ kind: "delivered", delivery: row, receiver: receiver! });
    } catch (err) {
      if (this.abort.signal.aborted) return; // stopping: stays pending, resent after the restart
      const now = clock.now();
      const e = err instanceof AbortError ? (err.cause ?? err) : err;
      if (e instanceof TradectlError && e.code === "RELAY_PAUSED") {
        const byReceiver = e.details?.["by_receiver"] === true;
        const row = store.updateDelivery(first, { status: "skipped", reason: byReceiver ? "paused by receiver" : e.message, attempts, last_error: lastError }, now);
        this.d.onEnd({ kind: "skipped", delivery: row, receiver, reason: e.message, pausedByReceiver: byReceiver });
      } else if (e instanceof TradectlError && e.code === "RELAY_REFUSED") {
        const stale = now >= first.expires_at; // refused as stale by the receiver's own checks
        const row = store.updateDelivery(first, { status: stale ? "expired" : "rejected", reason: e.message, last_error: e.message, attempts, sent_at: sentAt }, now);
        this.d.onEnd({ kind: stale ? "expired" : "rejected", delivery: row, receiver: receiver!, error: e.message });
      } else {
        const message = err instanceof Error ? err.message : String(err);
        const reason = now >= first.expires_at ? `expired: ${lastError ?? message}` : message;
        const row = store.updateDelivery(first, { status: "expired", reason, last_error: lastError ?? message, attempts }, now);
        this.d.onEnd({ kind: "expired", delivery: row, receiver: receiver!, error: reason });
      }
    }
  }

  /** A 2xx: the receiver's answer and its hop stamps, recorded. */
  private record(first: DeliveryRow, res: RelayResponse, attempts: number, sentAt: number | null): DeliveryRow {
    const data = isRecord(res.body) && isRecord(res.body.data) ? res.body.data : null;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    const answeredAt = num(data?.answered_at);
    const record = isRecord(data?.record) ? data.record : null;
    const outcome = isRecord(record?.outcome) ? record.outcome : null;
    const order = isRecord(outcome?.order) ? outcome.order : null;
    const filled = outcome?.kind === "settled" && order?.status === "filled";
    return this.d.store.updateDelivery(
      first,
      {
        status: "delivered",
        attempts,
        sent_at: sentAt,
        reason: typeof data?.outcome === "string" ? data.outcome : null,
        receiver_received_at: num(data?.received_at),
        answered_at: answeredAt,
        acked_at: res.at,
        // A fill reported later (POST …/fills) may already be recorded: never overwritten with nothing.
        ...(filled ? { filled_at: answeredAt } : {}),
        outcome: data ? JSON.stringify(data) : null,
      },
      this.d.clock.now(),
    );
  }
}

function classify(r: RelayResponse): RelayResponse {
  if (r.status >= 200 && r.status < 300) return r;
  const body = isRecord(r.body) ? r.body : {};
  const code = typeof body.error_code === "string" ? body.error_code : `HTTP_${r.status}`;
  const message = `${r.status} ${code}${typeof body.message === "string" ? `: ${body.message}` : ""}`;
  if (r.status === 409 && code === "RELAY_PAUSED") throw paused("paused by receiver", true);
  if (r.status === 408 || r.status === 429 || r.status >= 500) throw new TradectlError("RELAY_UNAVAILABLE", message, { details: { status: r.status, error_code: code } });
  throw refused(message);
}
