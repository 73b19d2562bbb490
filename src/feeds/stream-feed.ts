/**
 * A broker stream kept alive: one HTTP connection per stream with every instrument multiplexed,
 * a silence watchdog, reconnects through p-retry with exponential backoff (jittered, capped,
 * Retry-After honoured, at most 2 new connections a second), `disconnect` messages (the same code
 * again and again backs off further each time, so two clients sharing a stream do not take it from
 * each other forever), auth failures, market-closed detection, and gap-filled exactly-once
 * transactions.
 */
import { randomBytes } from "node:crypto";
import pRetry from "p-retry";
import type { FeedConfig } from "../config/types.js";
import type { Feed, FeedSink, RepeatedDisconnect, StreamState, StreamStatus } from "../engine/feed.js";
import { TradectlError } from "../domain/errors.js";
import { backoffDelay, ConnectionRateLimiter, DEFAULT_BACKOFF, parseRetryAfter, type BackoffOptions } from "./backoff.js";
import { createDecoder } from "./decoders.js";
import { sinceIdUrl, streamUrl } from "./endpoints.js";
import type { FeedMessage } from "./formats/message.js";
import { createSinceIdFetcher, type FetchSince } from "./gap-fill.js";
import { openHttpStream, type OpenedStream } from "./http-stream.js";
import { silentLogger, type FeedLogger } from "./logger.js";
import { delay, systemTimers, type FeedTimers } from "./timers.js";
import { TransactionSequencer } from "./transaction-sequencer.js";
import { Watchdog } from "./watchdog.js";

export interface StreamFeedOptions {
  /** Bearer token (OANDA_TOKEN); never logged, never in an error or status. */
  token?: string | undefined;
  logger?: FeedLogger | undefined;
  timers?: FeedTimers | undefined;
  /** [0, 1) source for jitter; tests pass a constant. */
  random?: (() => number) | undefined;
  backoff?: BackoffOptions | undefined;
  /** A connection that stayed up this long resets the backoff (default 10 s). */
  stableAfterMs?: number | undefined;
  /** New connections allowed per second (default 2). */
  maxConnectsPerSecond?: number | undefined;
  /** Overrides config.staleAfterMs (default prices 10 s, events 20 s). */
  staleAfterMs?: number | undefined;
  /** Last transaction id already processed (events streams); the lead may persist it. */
  lastTransactionId?: string | undefined;
  /** Called after each transaction is processed, with its id (to persist). */
  onTransactionId?: ((id: string) => void) | undefined;
  maxLineBytes?: number | undefined;
  /** Connect / response-head timeout (default 10 s). */
  connectTimeoutMs?: number | undefined;
  /** Replaces the sinceid REST call (tests). */
  fetchSince?: FetchSince | undefined;
  /** Base wait between gap-fill retries (default 1 s). */
  gapFillRetryMs?: number | undefined;
  /** A gap-fill page not answered within this is retried (default 15 s). */
  gapFillPageTimeoutMs?: number | undefined;
  /**
   * Longest wait after the same `disconnect` code in a row (default 30 min). Each repeat doubles the wait past
   * the usual cap, so two clients on one token stop taking the stream from each other every few seconds.
   */
  repeatedDisconnectCapMs?: number | undefined;
  /** v1 sessionId (so a new connection replaces only our own stream); random by default. */
  sessionId?: string | undefined;
}

type EndKind = "closed" | "stale" | "disconnect" | "auth" | "rate-limited" | "http" | "network" | "resubscribe" | "stopped";

/** Why one connection ended; p-retry sees it as the attempt's failure (temporary: every one is retried). */
class ConnectionEnded extends TradectlError<"FEED_CONNECTION_ENDED"> {
  constructor(
    readonly end: EndKind,
    message: string,
    readonly uptimeMs: number,
    readonly retryAfterMs: number | null = null,
    /** The server's `disconnect` code. */
    readonly disconnectCode: number | null = null,
  ) {
    super("FEED_CONNECTION_ENDED", message);
    this.name = "ConnectionEnded";
  }
}

export class StreamFeed implements Feed {
  readonly name: string;
  private readonly config: FeedConfig;
  private readonly o: StreamFeedOptions;
  private readonly timers: FeedTimers;
  private readonly logger: FeedLogger;
  private readonly random: () => number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly staleAfterMs: number;
  private readonly stableAfterMs: number;
  private readonly limiter: ConnectionRateLimiter;
  private readonly sessionId: string;
  private instruments: string[];
  private sink: FeedSink | null = null;
  private lifetime: AbortController | null = null;
  private conn: AbortController | null = null;
  private endReason: { kind: EndKind; message: string; code?: number | null } | null = null;
  private failures = 0;
  private connects = 0;
  private lastMessageAt: number | null = null;
  private readonly tradeable = new Map<string, boolean>();
  /** Instruments whose last price was tradeable (so liveness needs no scan per tick). */
  private tradeableCount = 0;
  /** Arrival time of the chunk being decoded: every message in one chunk arrived together. */
  private chunkAt = 0;
  private sequencer: TransactionSequencer | null = null;
  private invalidCount = 0;
  private loop: Promise<void> | null = null;
  private readonly current: StreamStatus;
  /** The same disconnect code in a row, while it keeps coming. */
  private repeat: RepeatedDisconnect | null = null;
  /** When the current connection opened, and how long a connection must last to end a run of repeats. */
  private openedAt: number | null = null;
  private repeatClearsAfterMs = 0;
  private readonly repeatCapMs: number;

  constructor(config: FeedConfig, opts: StreamFeedOptions = {}) {
    if (config.kind === "replay") throw new TradectlError("FEED_CONFIG", `feed ${config.name}: use ReplayFeed for kind "replay"`);
    if (!config.url) throw new TradectlError("FEED_CONFIG", `feed ${config.name}: url is required`);
    this.name = config.name;
    this.config = config;
    this.o = opts;
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger ?? silentLogger;
    this.random = opts.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...stripUndefined(opts.backoff ?? {}) };
    this.staleAfterMs = opts.staleAfterMs ?? config.staleAfterMs ?? (config.stream === "prices" ? 10_000 : 20_000);
    this.stableAfterMs = opts.stableAfterMs ?? 10_000;
    this.limiter = new ConnectionRateLimiter(this.timers, opts.maxConnectsPerSecond ?? 2, 1000);
    this.sessionId = opts.sessionId ?? `tradectl-${randomBytes(6).toString("hex")}`;
    this.repeatCapMs = opts.repeatedDisconnectCapMs ?? 30 * 60_000;
    this.instruments = [...(config.instruments ?? [])];
    // Validate the URL now so a bad config fails at build time, not in the loop.
    streamUrl(config, this.instruments, this.sessionId);
    this.current = {
      name: config.name,
      kind: config.kind,
      stream: config.stream,
      state: "stopped",
      last_message_at: null,
      reconnects: 0,
      last_error: null,
      next_attempt_at: null,
      repeated_disconnect: null,
    };
  }

  start(sink: FeedSink): void {
    if (this.lifetime) return;
    this.sink = sink;
    this.lifetime = new AbortController();
    this.failures = 0;
    if (this.config.stream === "events") this.sequencer = this.makeSequencer();
    this.loop = this.run(this.lifetime.signal);
  }

  async stop(): Promise<void> {
    const lifetime = this.lifetime;
    if (!lifetime) return;
    this.lifetime = null;
    this.endReason = { kind: "stopped", message: "stopped" };
    lifetime.abort(new ConnectionEnded("stopped", "stopped", 0));
    this.conn?.abort();
    this.sequencer?.stop();
    await this.loop;
    this.loop = null;
    this.setState("stopped");
  }

  status(): StreamStatus {
    const s: StreamStatus = {
      ...this.current,
      last_message_at: this.lastMessageAt === null ? null : new Date(this.lastMessageAt).toISOString(),
      repeated_disconnect: this.repeat && this.repeat.count >= 2 ? { ...this.repeat } : null,
    };
    if (this.config.stream === "events") s.gap_fill = this.sequencer?.gapStatus() ?? null;
    return s;
  }

  /** Last processed transaction id (events streams), or null before the first. */
  get lastTransactionId(): string | null {
    return this.sequencer?.lastTransactionId ?? this.o.lastTransactionId ?? null;
  }

  /** Replaces the instrument set: the stream reconnects once with the new list. */
  setInstruments(instruments: readonly string[]): void {
    const next = [...new Set(instruments)];
    if (next.length === this.instruments.length && next.every((x, i) => x === this.instruments[i])) return;
    this.instruments = next;
    for (const k of [...this.tradeable.keys()]) if (!next.includes(k)) this.tradeable.delete(k);
    this.tradeableCount = [...this.tradeable.values()].filter(Boolean).length;
    if (this.conn && this.config.stream === "prices") this.endConnection("resubscribe", "instrument set changed");
  }

  private makeSequencer(): TransactionSequencer {
    let fetchSince = this.o.fetchSince;
    if (!fetchSince && this.config.kind === "oanda-v20" && this.config.restUrl && this.config.accountId) {
      fetchSince = createSinceIdFetcher((id) => sinceIdUrl(this.config, id)!, this.o.token);
    }
    return new TransactionSequencer({
      lastTransactionId: this.o.lastTransactionId,
      fetchSince,
      deliver: (tx) => this.sink?.transaction(tx),
      onTransactionId: this.o.onTransactionId,
      onGapChange: () => this.sink?.state(this.status()),
      logger: this.logger,
      timers: this.timers,
      feed: this.name,
      retryBaseMs: this.o.gapFillRetryMs,
      retryCapMs: this.backoff.capMs,
      pageTimeoutMs: this.o.gapFillPageTimeoutMs,
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      await pRetry(() => this.connectOnce(signal), {
        retries: Infinity,
        // p-retry drives the loop; the wait itself runs on the injected timers in onFailedAttempt.
        minTimeout: 0,
        signal,
        onFailedAttempt: ({ error }) => this.beforeReconnect(error, signal),
        shouldRetry: () => !signal.aborted,
      });
    } catch (err) {
      if (signal.aborted) return;
      // Not expected: the loop retries everything; say so loudly rather than go quiet.
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error("feed: reconnect loop ended", { feed: this.name, error: message });
      this.current.last_error = message;
      this.setState("failed");
    }
  }

  /** One connection, start to end. Always throws ConnectionEnded (p-retry then reconnects). */
  private async connectOnce(lifetime: AbortSignal): Promise<never> {
    const allowed = await this.limiter.acquire(lifetime);
    if (!allowed || lifetime.aborted) throw new ConnectionEnded("stopped", "stopped", 0);
    const ac = new AbortController();
    const onLifetimeAbort = (): void => ac.abort();
    lifetime.addEventListener("abort", onLifetimeAbort, { once: true });
    this.conn = ac;
    this.endReason = null;
    this.current.next_attempt_at = null;
    this.openedAt = null;
    if (this.connects++ > 0) this.current.reconnects++;
    if (this.current.state !== "failed") this.setState("connecting");
    const watchdog = new Watchdog(this.timers, this.staleAfterMs, (silent) => this.onSilent(silent));
    watchdog.start();
    let openedAt: number | null = null;
    let opened: OpenedStream | null = null;
    const url = streamUrl(this.config, this.instruments, this.sessionId);
    try {
      opened = await openHttpStream({
        url,
        token: this.o.token,
        signal: ac.signal,
        accept: this.config.kind === "sse" ? "text/event-stream" : "application/json",
        connectTimeoutMs: this.o.connectTimeoutMs,
      });
      if (opened.status < 200 || opened.status >= 300) throw await this.statusError(opened);
      openedAt = this.timers.now();
      this.openedAt = openedAt;
      this.logger.info("feed: connected", { feed: this.name, stream: this.config.stream, reconnects: this.current.reconnects });
      if (this.current.state === "failed") this.setState("connecting");
      this.current.last_error = null;
      // After a reconnect (or at start with a stored position), fill what the outage hid.
      this.sequencer?.requestFill("connected");
      const decoder = createDecoder(
        this.config.kind,
        {
          message: (m) => this.onMessage(m, watchdog),
          invalid: (reason) => this.onInvalid(reason),
        },
        this.o.maxLineBytes,
      );
      for await (const chunk of opened.body) {
        this.chunkAt = this.timers.now();
        decoder.push(chunk);
        if (this.endReason) break;
      }
      if (!this.endReason) decoder.end();
      throw this.ended(openedAt, { kind: "closed", message: "stream closed by server" });
    } catch (err) {
      if (err instanceof ConnectionEnded) throw err;
      throw this.ended(openedAt, { kind: "network", message: err instanceof Error ? err.message : String(err) });
    } finally {
      this.openedAt = null;
      watchdog.stop();
      lifetime.removeEventListener("abort", onLifetimeAbort);
      opened?.destroy();
      ac.abort();
      this.conn = null;
    }
  }

  /** The reason recorded by whoever ended the connection wins over the error it caused. */
  private ended(openedAt: number | null, fallback: { kind: EndKind; message: string }): ConnectionEnded {
    const r: { kind: EndKind; message: string; code?: number | null } = this.endReason ?? fallback;
    const uptime = openedAt === null ? 0 : this.timers.now() - openedAt;
    return new ConnectionEnded(r.kind, r.message, uptime, null, r.code ?? null);
  }

  private async statusError(opened: OpenedStream): Promise<ConnectionEnded> {
    const status = opened.status;
    const body = (await opened.readText(2048)).replace(/\s+/g, " ").slice(0, 200);
    const detail = safeServerMessage(body);
    if (status === 401 || status === 403) {
      return new ConnectionEnded("auth", `HTTP ${status}: authentication refused${detail}; check OANDA_TOKEN`, 0);
    }
    if (status === 429) {
      const after = parseRetryAfter(opened.headers["retry-after"], this.timers.now());
      return new ConnectionEnded("rate-limited", `HTTP 429: too many connections${detail}`, 0, after);
    }
    return new ConnectionEnded("http", `HTTP ${status}${detail}`, 0);
  }

  private endConnection(kind: EndKind, message: string, code: number | null = null): void {
    if (this.endReason) return;
    this.endReason = { kind, message, code };
    this.conn?.abort();
  }

  private onSilent(silentMs: number): void {
    this.logger.warn("feed: stream silent; reconnecting", { feed: this.name, silentMs, limitMs: this.staleAfterMs });
    this.current.last_error = `no data for ${silentMs} ms`;
    this.setState("stale");
    this.endConnection("stale", `no data for ${silentMs} ms`);
  }

  private onInvalid(reason: string): void {
    this.invalidCount++;
    if (this.invalidCount <= 5 || this.invalidCount % 1000 === 0) {
      this.logger.warn("feed: unusable message skipped", { feed: this.name, reason, count: this.invalidCount });
    }
  }

  private onMessage(msg: FeedMessage, watchdog: Watchdog): void {
    const now = this.chunkAt;
    watchdog.kick(now);
    this.lastMessageAt = now;
    // A connection that has lasted ends a run of repeated disconnects (the other client has gone).
    if (this.repeat !== null && this.openedAt !== null && now - this.openedAt >= this.repeatClearsAfterMs) this.endRepeat("the stream is kept again");
    switch (msg.type) {
      case "price": {
        const was = this.tradeable.get(msg.instrument);
        if (was !== msg.tradeable) {
          this.tradeable.set(msg.instrument, msg.tradeable);
          this.tradeableCount += (msg.tradeable ? 1 : 0) - (was ? 1 : 0);
        }
        this.updateLiveness();
        this.sink?.quote({
          instrument: msg.instrument,
          bid: msg.bid,
          ask: msg.ask,
          time: msg.time ?? now,
          tradeable: msg.tradeable,
          feed: this.name,
        });
        return;
      }
      case "heartbeat":
        this.updateLiveness();
        if (msg.lastTransactionId !== undefined) this.sequencer?.observeLastId(msg.lastTransactionId);
        return;
      case "transaction":
        this.updateLiveness();
        if (this.sequencer) this.sequencer.accept(msg.tx);
        else this.sink?.transaction(msg.tx);
        return;
      case "disconnect": {
        const what = disconnectMeaning(msg.code);
        this.logger.warn("feed: disconnect message", { feed: this.name, code: msg.code, message: msg.message });
        this.current.last_error = `disconnect ${msg.code ?? "?"}: ${what}`;
        this.endConnection("disconnect", `disconnect ${msg.code ?? "?"}: ${what}`, msg.code);
        return;
      }
      default:
        return;
    }
  }

  /** live, or market-closed when every instrument priced so far is not tradeable. */
  private updateLiveness(): void {
    const state: StreamState = this.config.stream === "prices" && this.tradeable.size > 0 && this.tradeableCount === 0 ? "market-closed" : "live";
    if (this.current.state !== state) {
      if (state === "live") this.current.last_error = null;
      this.setState(state);
    }
  }

  /** Waits before the next attempt; p-retry calls this after every ended connection. */
  private async beforeReconnect(error: Error, lifetime: AbortSignal): Promise<void> {
    if (lifetime.aborted) return;
    const e = error instanceof ConnectionEnded ? error : new ConnectionEnded("network", error.message, 0);
    if (e.end === "stopped") return;
    if (e.end === "resubscribe") return; // not a failure: reconnect at once (the rate limiter still applies)
    if (e.uptimeMs >= this.stableAfterMs) this.failures = 0;
    this.failures++;
    let wait = backoffDelay(this.failures, this.backoff, this.random);
    if (e.end === "rate-limited" && e.retryAfterMs !== null) wait = Math.max(wait, e.retryAfterMs);
    if (e.end === "auth") wait = this.backoff.capMs;
    let reason = e.message;
    // A drop, a silence or a server error between two disconnects means something else is going on: start over.
    if (e.end === "closed" || e.end === "stale" || e.end === "network" || e.end === "http") this.endRepeat("the stream failed otherwise");
    if (e.end === "disconnect") {
      const repeats = this.countDisconnect(e);
      if (repeats >= 2) {
        // Each repeat waits twice as long as the last, past the usual cap: the other client keeps the stream.
        const further = this.backoff.baseMs * 2 ** Math.min(repeats, 30) * (1 + this.backoff.jitter * this.random());
        wait = Math.round(Math.max(wait, Math.min(further, this.repeatCapMs)));
        reason = `${e.message}, ${repeats} times in a row: ${repeatedDisconnectHint(e.disconnectCode)}; backing off further each time`;
      }
    }
    this.repeatClearsAfterMs = Math.max(this.stableAfterMs, 2 * wait);
    this.current.last_error = reason;
    this.current.next_attempt_at = new Date(this.timers.now() + wait).toISOString();
    if (e.end === "auth") {
      this.logger.error("feed: authentication refused; retrying at the backoff cap", { feed: this.name, waitMs: wait });
      this.setState("failed");
    } else {
      this.logger.warn("feed: connection ended; reconnecting", {
        feed: this.name,
        reason,
        waitMs: wait,
        failures: this.failures,
        ...(this.repeat && this.repeat.count >= 2 ? { repeated_disconnects: this.repeat.count } : {}),
      });
      this.setState("backoff");
    }
    await delay(this.timers, wait, lifetime);
  }

  /** How many times in a row the server has now ended the stream with this disconnect code. */
  private countDisconnect(e: ConnectionEnded): number {
    const r = this.repeat;
    if (r && r.code === e.disconnectCode) {
      r.count++;
      return r.count;
    }
    const now = this.timers.now();
    this.repeat = { code: e.disconnectCode, count: 1, since: new Date(now).toISOString(), message: e.message };
    return 1;
  }

  private endRepeat(why: string): void {
    const r = this.repeat;
    this.repeat = null;
    if (r && r.count >= 2) {
      this.logger.info(`feed: repeated disconnects over: ${why}`, { feed: this.name, code: r.code, repeats: r.count });
      this.sink?.state(this.status());
    }
  }

  private setState(state: StreamState): void {
    this.current.state = state;
    this.sink?.state(this.status());
  }
}

function disconnectMeaning(code: number | null): string {
  return code === 64 ? "replaced by a newer connection" : code === 60 ? "connection limit exceeded" : "disconnected by server";
}

/** What a run of the same disconnect code most likely means, for status and the log. */
function repeatedDisconnectHint(code: number | null): string {
  if (code === 60) return "another client is using this token's stream (one rates stream per token)";
  if (code === 64) return "another connection with the same session keeps replacing this one";
  return "the server keeps ending this stream";
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A short server message for an error status, only when it is plain text or a JSON `message`. */
function safeServerMessage(body: string): string {
  if (!body) return "";
  try {
    const v = JSON.parse(body) as { message?: unknown; errorMessage?: unknown };
    const m = typeof v.errorMessage === "string" ? v.errorMessage : typeof v.message === "string" ? v.message : null;
    return m ? ` (${m.slice(0, 120)})` : "";
  } catch {
    return ` (${body.slice(0, 120)})`;
  }
}
