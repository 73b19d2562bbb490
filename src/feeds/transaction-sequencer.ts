/**
 * Delivers account transactions exactly once and in id order. Tracks the last processed id; a
 * stream transaction past a hole, a heartbeat whose lastTransactionID is ahead, or a reconnect
 * starts a gap fill (v20 sinceid); what arrives meanwhile is held, then merged, deduplicated by id
 * and delivered in order. Without a fetcher (v1) it still drops duplicates and late arrivals.
 */
import pRetry from "p-retry";
import type { BrokerTransaction } from "../engine/feed.js";
import { RejectedError } from "../domain/errors.js";
import type { FetchSince } from "./gap-fill.js";
import type { FeedLogger } from "./logger.js";
import { delay, type FeedTimers } from "./timers.js";

export interface SequencerOptions {
  lastTransactionId?: string | undefined;
  fetchSince?: FetchSince | undefined;
  deliver(tx: BrokerTransaction): void;
  onTransactionId?: ((id: string) => void) | undefined;
  logger: FeedLogger;
  timers: FeedTimers;
  feed: string;
  /** Retries of one sinceid call (with backoff from `retryBaseMs`). */
  fillRetries?: number;
  retryBaseMs?: number;
  /** Fills in a row that fail to close a hole before the held transactions are released anyway. */
  maxFillsWithoutProgress?: number;
}

export class TransactionSequencer {
  private last: number | null;
  private readonly held = new Map<number, BrokerTransaction>();
  private filling = false;
  private again = false;
  private fillsWithoutProgress = 0;
  private readonly abort = new AbortController();
  private retryHandle: unknown = null;
  /** Known to exist up to here (from a heartbeat or a fill). */
  private knownLast: number | null = null;

  constructor(private readonly o: SequencerOptions) {
    const start = o.lastTransactionId === undefined ? null : Number(o.lastTransactionId);
    this.last = start !== null && Number.isSafeInteger(start) ? start : null;
  }

  get lastTransactionId(): string | null {
    return this.last === null ? null : String(this.last);
  }

  get heldCount(): number {
    return this.held.size;
  }

  get busy(): boolean {
    return this.filling;
  }

  stop(): void {
    this.abort.abort();
    if (this.retryHandle !== null) this.o.timers.clearTimeout(this.retryHandle);
    this.retryHandle = null;
  }

  accept(tx: BrokerTransaction): void {
    if (this.last !== null && tx.seq <= this.last) return; // duplicate or already filled
    if (this.last === null && !this.filling) {
      this.emit(tx);
      return;
    }
    if (!this.o.fetchSince) {
      // v1 ids are not contiguous on the stream (only some types are streamed): order and dedupe only.
      this.emit(tx);
      return;
    }
    this.held.set(tx.seq, tx);
    if (this.filling) return;
    this.drainContiguous();
    if (this.held.size > 0) this.requestFill("hole in transaction ids");
  }

  /** A v20 heartbeat's lastTransactionID. */
  observeLastId(id: string): void {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return;
    this.knownLast = Math.max(this.knownLast ?? n, n);
    if (this.last === null) {
      // Nothing processed yet and no stored position: start after what already exists.
      if (!this.filling && this.held.size === 0) {
        this.last = n;
        this.o.onTransactionId?.(String(n));
      }
      return;
    }
    if (n > this.last) this.requestFill("heartbeat lastTransactionID ahead");
  }

  requestFill(reason: string): void {
    if (!this.o.fetchSince || this.last === null || this.abort.signal.aborted) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    void this.fill(reason);
  }

  private async fill(reason: string): Promise<void> {
    const fetchSince = this.o.fetchSince!;
    const since = String(this.last);
    const base = this.o.retryBaseMs ?? 1000;
    this.o.logger.info("feed: gap fill", { feed: this.o.feed, since, reason });
    try {
      const res = await pRetry(() => fetchSince(since, this.abort.signal), {
        retries: this.o.fillRetries ?? 3,
        minTimeout: 0,
        signal: this.abort.signal,
        shouldRetry: ({ error }) => !(error instanceof RejectedError),
        onFailedAttempt: async ({ attemptNumber }) => {
          await delay(this.o.timers, base * 2 ** (attemptNumber - 1), this.abort.signal);
        },
      });
      if (this.abort.signal.aborted) return;
      for (const tx of res.transactions) if (this.last === null || tx.seq > this.last) this.held.set(tx.seq, tx);
      const fetchedLast = res.lastTransactionId === null ? null : Number(res.lastTransactionId);
      if (fetchedLast !== null && Number.isSafeInteger(fetchedLast)) this.knownLast = Math.max(this.knownLast ?? fetchedLast, fetchedLast);
      const before = this.last;
      // Up to the account's last id the REST reply is complete: release everything held there.
      if (fetchedLast !== null && Number.isSafeInteger(fetchedLast)) {
        this.releaseUpTo(fetchedLast);
        if (this.last !== null && this.last < fetchedLast) {
          // Ids the reply skipped do not exist for us (the REST reply is complete up to here).
          this.last = fetchedLast;
          this.o.onTransactionId?.(String(fetchedLast));
        }
      }
      this.drainContiguous();
      if (this.held.size > 0 && this.last === before) this.fillsWithoutProgress++;
      else this.fillsWithoutProgress = 0;
      if (this.held.size > 0 && this.fillsWithoutProgress >= (this.o.maxFillsWithoutProgress ?? 3)) {
        this.o.logger.warn("feed: transaction ids still missing after gap fills; releasing held ones", {
          feed: this.o.feed,
          after: this.lastTransactionId,
          held: this.held.size,
        });
        this.releaseUpTo(Infinity);
        this.fillsWithoutProgress = 0;
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.o.logger.warn("feed: gap fill failed; will retry", { feed: this.o.feed, since, error: (err as Error).message });
      this.again = true;
    } finally {
      this.filling = false;
    }
    if (this.abort.signal.aborted) return;
    const behind = this.knownLast !== null && this.last !== null && this.knownLast > this.last;
    if (this.again || this.held.size > 0 || behind) {
      this.again = false;
      this.retryHandle = this.o.timers.setTimeout(() => {
        this.retryHandle = null;
        this.requestFill("retry");
      }, base);
    }
  }

  private releaseUpTo(limit: number): void {
    const ids = [...this.held.keys()].filter((k) => k <= limit).sort((a, b) => a - b);
    for (const id of ids) {
      const tx = this.held.get(id)!;
      this.held.delete(id);
      if (this.last === null || tx.seq > this.last) this.emit(tx);
    }
  }

  private drainContiguous(): void {
    while (this.last !== null) {
      const next = this.held.get(this.last + 1);
      if (!next) break;
      this.held.delete(next.seq);
      this.emit(next);
    }
    if (this.last !== null) for (const k of this.held.keys()) if (k <= this.last) this.held.delete(k);
  }

  private emit(tx: BrokerTransaction): void {
    this.last = tx.seq;
    try {
      this.o.deliver(tx);
    } finally {
      this.o.onTransactionId?.(tx.id);
    }
  }
}
