/**
 * Delivers account transactions exactly once and in id order. The cursor is the last transaction
 * applied and never moves past an id that was not: a stream transaction past a hole, a heartbeat
 * whose lastTransactionID is ahead, or a reconnect starts a gap fill (v20 sinceid), which applies
 * one page at a time and asks again from where it got to, until caught up. What the stream brings
 * meanwhile is held, then merged, deduplicated by id and delivered in order. A failed page is
 * retried from the cursor (the pages before it stay applied) at growing intervals; when it keeps
 * failing, the log and `gapStatus()` say so, and later transactions wait rather than skip the gap.
 * Without a fetcher (v1) it still drops duplicates and late arrivals.
 */
import type { BrokerTransaction, GapFillStatus } from "../engine/feed.js";
import { TradectlError } from "../domain/errors.js";
import type { FetchSince, SinceIdPage } from "./gap-fill.js";
import type { FeedLogger } from "./logger.js";
import type { FeedTimers } from "./timers.js";

export interface SequencerOptions {
  lastTransactionId?: string | undefined;
  fetchSince?: FetchSince | undefined;
  deliver(tx: BrokerTransaction): void;
  onTransactionId?: ((id: string) => void) | undefined;
  /** Called when a gap starts or stops failing (the feed republishes its status). */
  onGapChange?: (() => void) | undefined;
  logger: FeedLogger;
  timers: FeedTimers;
  feed: string;
  /** First wait after a failed page, doubled per failure in a row (default 1 s). */
  retryBaseMs?: number | undefined;
  /** Longest wait between attempts (default 60 s). */
  retryCapMs?: number | undefined;
  /** A page not answered within this is abandoned and retried (default 15 s). */
  pageTimeoutMs?: number | undefined;
  /** Failures in a row after which the gap is reported as not filled (default 3; an auth refusal at once). */
  reportAfterFailures?: number | undefined;
}

interface Episode {
  since: number;
  pages: number;
  failures: number;
  reported: boolean;
  lastError: string | null;
  nextAttemptAt: number | null;
}

export class TransactionSequencer {
  private last: number | null;
  private readonly held = new Map<number, BrokerTransaction>();
  private filling = false;
  private again = false;
  private readonly abort = new AbortController();
  private retryHandle: unknown = null;
  /** Known to exist up to here (from a heartbeat, a page, or a held transaction). */
  private knownLast: number | null = null;
  private episode: Episode | null = null;
  private warnedAhead = false;

  constructor(private readonly o: SequencerOptions) {
    const start = o.lastTransactionId === undefined ? null : Number(o.lastTransactionId);
    this.last = start !== null && Number.isSafeInteger(start) ? start : null;
  }

  get lastTransactionId(): string | null {
    return this.last === null ? null : String(this.last);
  }

  /** The gap being filled, or null when caught up. */
  gapStatus(): GapFillStatus | null {
    const e = this.episode;
    if (!e) return null;
    return {
      state: e.reported ? "failing" : "filling",
      after_id: this.lastTransactionId,
      through_id: this.knownLast === null ? null : String(this.knownLast),
      held: this.held.size,
      pages: e.pages,
      failures: e.failures,
      since: new Date(e.since).toISOString(),
      next_attempt_at: e.nextAttemptAt === null ? null : new Date(e.nextAttemptAt).toISOString(),
      last_error: e.lastError,
    };
  }

  stop(): void {
    this.abort.abort();
    if (this.retryHandle !== null) this.o.timers.clearTimeout(this.retryHandle);
    this.retryHandle = null;
  }

  accept(tx: BrokerTransaction): void {
    if (this.last !== null && tx.seq <= this.last) return; // duplicate or already filled
    if (!this.o.fetchSince) {
      // v1 ids are not contiguous on the stream (only some types are streamed): order and dedupe only.
      this.emit(tx);
      return;
    }
    if (this.last === null && !this.filling) {
      this.emit(tx);
      return;
    }
    if (this.episode === null && this.held.size === 0 && tx.seq === this.last! + 1) {
      this.emit(tx);
      return;
    }
    this.held.set(tx.seq, tx);
    this.knownLast = Math.max(this.knownLast ?? tx.seq, tx.seq);
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
    // A fill under way sees the new last id itself; a request would only make it ask once more.
    if (n > this.last && !this.filling) this.requestFill("heartbeat lastTransactionID ahead");
  }

  requestFill(reason: string): void {
    if (!this.o.fetchSince || this.last === null || this.abort.signal.aborted) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    // A failing gap is retried on its own schedule; a heartbeat every few seconds must not hammer the broker.
    if (this.retryHandle !== null) return;
    this.filling = true;
    this.fill(reason).catch((err: unknown) => {
      this.o.logger.error("feed: gap fill stopped by an error", { feed: this.o.feed, error: err instanceof Error ? err.message : String(err) });
    });
  }

  private behind(): boolean {
    return this.held.size > 0 || (this.knownLast !== null && this.last !== null && this.knownLast > this.last);
  }

  private async fill(reason: string): Promise<void> {
    const e = (this.episode ??= { since: this.o.timers.now(), pages: 0, failures: 0, reported: false, lastError: null, nextAttemptAt: null });
    e.nextAttemptAt = null;
    if (e.pages === 0 && e.failures === 0) this.o.logger.info("feed: gap fill", { feed: this.o.feed, after: this.lastTransactionId, reason });
    try {
      for (;;) {
        const before = this.last!;
        let page: SinceIdPage;
        try {
          page = await this.fetchPage(String(before));
        } catch (err) {
          if (this.abort.signal.aborted) return;
          this.failed(e, err as Error);
          return;
        }
        if (this.abort.signal.aborted) return;
        this.applyPage(page, e);
        if (this.last === before && this.behind()) {
          // Nothing after the cursor although more exists (the REST view lags the stream): try again later.
          this.failed(e, new TradectlError("FEED_GAP_FILL", `sinceid returned nothing after ${before} while the account is at ${this.knownLast}`));
          return;
        }
        if (!this.behind() && !this.again) break;
        this.again = false;
      }
      if (e.reported) this.o.logger.info("feed: transaction gap filled", { feed: this.o.feed, after: this.lastTransactionId, pages: e.pages });
      this.episode = null;
      if (e.reported) this.o.onGapChange?.();
    } finally {
      this.filling = false;
    }
  }

  /** One page, abandoned after pageTimeoutMs (on the feed's timers) or when the feed stops. */
  private fetchPage(since: string): Promise<SinceIdPage> {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    this.abort.signal.addEventListener("abort", stop, { once: true });
    const timeoutMs = this.o.pageTimeoutMs ?? 15_000;
    let handle: unknown = null;
    const timedOut = new Promise<never>((_, reject) => {
      handle = this.o.timers.setTimeout(() => {
        ac.abort();
        reject(new TradectlError("FEED_GAP_FILL", `sinceid page not answered within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    return Promise.race([this.o.fetchSince!(since, ac.signal), timedOut]).finally(() => {
      this.o.timers.clearTimeout(handle);
      this.abort.signal.removeEventListener("abort", stop);
    });
  }

  private applyPage(page: SinceIdPage, e: Episode): void {
    e.pages++;
    const account = page.lastTransactionId === null ? NaN : Number(page.lastTransactionId);
    if (Number.isSafeInteger(account)) this.knownLast = Math.max(this.knownLast ?? account, account);
    if (account < this.last! && !this.warnedAhead) {
      // A cursor past the account's last transaction (another account, a reset one): every transaction up to it is skipped.
      this.warnedAhead = true;
      this.o.logger.error("feed: the stored transaction cursor is past the account's last transaction; transactions up to it will be skipped", {
        feed: this.o.feed,
        cursor: this.lastTransactionId,
        account_last: page.lastTransactionId,
      });
    }
    let pageLast: number | null = null;
    for (const tx of page.transactions) {
      pageLast = Math.max(pageLast ?? tx.seq, tx.seq);
      if (tx.seq > this.last!) this.held.set(tx.seq, tx);
    }
    this.drainContiguous();
    if (pageLast !== null && this.last! < pageLast) {
      // The page answers everything after the cursor up to its last id: ids it skipped do not exist at the broker.
      this.o.logger.warn("feed: the broker's reply has no transactions for some ids; applying the later ones in order", {
        feed: this.o.feed,
        missing_after: this.lastTransactionId,
        page_last: String(pageLast),
      });
      this.releaseUpTo(pageLast);
      this.drainContiguous();
    }
  }

  private failed(e: Episode, err: Error): void {
    e.failures++;
    e.lastError = err.message;
    const base = this.o.retryBaseMs ?? 1000;
    const cap = this.o.retryCapMs ?? 60_000;
    const refused = err instanceof TradectlError && err.kind === "rejected";
    const wait = refused ? cap : Math.min(cap, base * 2 ** Math.min(e.failures - 1, 30));
    e.nextAttemptAt = this.o.timers.now() + wait;
    const meta = { feed: this.o.feed, after: this.lastTransactionId, through: this.knownLast === null ? null : String(this.knownLast), held: this.held.size, failures: e.failures, waitMs: wait, error: err.message };
    if (!e.reported && (refused || e.failures >= (this.o.reportAfterFailures ?? 3))) {
      e.reported = true;
      // Positions stay as they were after the cursor until the gap is filled: say so once, loudly.
      this.o.logger.error("feed: transaction gap could not be filled; later transactions wait for it (positions not updated past the cursor)", meta);
      this.o.onGapChange?.();
    } else if (e.failures <= 3 || e.failures % 10 === 0) {
      this.o.logger.warn("feed: gap fill failed; will retry", meta);
    }
    this.retryHandle = this.o.timers.setTimeout(() => {
      this.retryHandle = null;
      this.requestFill("retry");
    }, wait);
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
