/**
 * The running feeds: builds each from config (createFeed), routes what they read to the quote book,
 * the journal and the event bus, and keeps each event stream's cursor (its last processed
 * transaction id) in the state store, so a restart gap-fills from where the last run stopped.
 * Refuses to start feeds that would take one broker stream from each other.
 */
import type { FeedConfig, InstrumentConfig } from "../config/types.js";
import { readSecret } from "../config/secrets.js";
import type { Clock } from "../domain/clock.js";
import { TradectlError } from "../domain/errors.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { BrokerTransaction, Feed, FeedSink, StreamStatus } from "../engine/feed.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { StateStore } from "../engine/ports.js";
import { TransactionEffects } from "../engine/transaction-effects.js";
import { createFeed } from "../feeds/create-feed.js";
import { sharedPriceStream } from "../feeds/feed-conflicts.js";
import { systemTimers, type FeedTimers } from "../feeds/timers.js";
import type { Logger } from "../log/logger.js";
import type { Journal } from "../store/journal.js";
import type { Ledger } from "../store/ledger.js";

export interface FeedSetDeps {
  bus: EventBus;
  quotes: QuoteBook;
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  state: StateStore;
  /** With the ledger: where broker transactions take effect (fills → orders and positions). */
  journal?: Journal;
  ledger?: Ledger;
  /** ticker → broker symbol (read on each transaction, so a config reload applies). */
  instruments?: () => Record<string, InstrumentConfig>;
  /** The feeds' time (reconnects, silence); real time unless a test drives it. */
  timers?: FeedTimers;
  /** In a pair, only the leader applies broker transactions to orders and positions (the follower mirrors them). */
  appliesTransactions?: () => boolean;
  /** The feeds' backoff jitter, [0, 1); Math.random unless a test needs a run to repeat. */
  random?: () => number;
  /** Called after each quote is filed (protective orders and paper fills run on the price stream). */
  onQuote?: (ticker: string) => void;
}

/** A stream that /health counts as down, and why. */
export interface StreamProblem {
  name: string;
  message: string;
}

interface Running {
  feed: Feed;
  config: FeedConfig;
  startedAt: number;
}

/** State-store key of an event stream's last processed transaction id. */
function cursorKey(feedName: string): string {
  return `feed.${feedName}.lastTransactionId`;
}

/** Default silence limits (seed 003: rates 10 s, events 20 s). */
function silenceLimitMs(config: FeedConfig): number {
  return config.staleAfterMs ?? (config.stream === "prices" ? 10_000 : 20_000);
}

/** The account an event stream's transactions belong to (the feed's name when it names none). */
function accountOf(config: FeedConfig): string {
  return config.accountId ?? config.name;
}

const NO_INSTRUMENTS: Record<string, InstrumentConfig> = {};

export class FeedSet {
  private feeds: Running[] = [];
  private readonly timers: FeedTimers;
  private readonly effects: TransactionEffects | null;

  constructor(private readonly d: FeedSetDeps) {
    this.timers = d.timers ?? systemTimers;
    this.effects =
      d.journal && d.ledger
        ? new TransactionEffects({ journal: d.journal, ledger: d.ledger, bus: d.bus, clock: d.clock, logger: d.logger, tickerOf: (s) => this.tickerOf(s), state: d.state })
        : null;
  }

  /** Starts every feed; throws (starting none) when two would share one broker stream. */
  start(configs: FeedConfig[]): void {
    const conflict = sharedPriceStream(configs, (c) => this.tokenFor(c));
    if (conflict) throw new TradectlError("FEED_CONFIG", conflict);
    for (const config of configs) {
      const feed = this.build(config);
      this.feeds.push({ feed, config, startedAt: this.timers.now() });
      feed.start(this.sinkFor(config));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.feeds.map(({ feed }) => feed.stop().catch(() => undefined)));
  }

  statuses(): StreamStatus[] {
    return this.feeds.map(({ feed, config }) => {
      const s = feed.status();
      if (config.stream === "events" && this.effects) s.margin_call = this.effects.marginCallOf(accountOf(config));
      return s;
    });
  }

  /**
   * Required streams that are down right now: failed (e.g. the token is refused), stale, or —
   * whatever their state says while they reconnect — without any message for longer than their
   * silence limit (`staleAfterMs`), counted from the last message or, before the first, from
   * start. A brief reconnect inside the limit is not a problem; a replay feed counts only when failed.
   */
  problems(): StreamProblem[] {
    const now = this.timers.now();
    const out: StreamProblem[] = [];
    for (const r of this.requiredFeeds()) {
      const s = r.feed.status();
      const why = s.last_error ? `: ${s.last_error}` : "";
      if (s.state === "failed" || s.state === "stale") {
        out.push({ name: s.name, message: `stream ${s.name} is ${s.state}${why}` });
        continue;
      }
      const gap = s.gap_fill;
      if (gap?.state === "failing") {
        out.push({
          name: s.name,
          message: `stream ${s.name}: transactions after ${gap.after_id} (through ${gap.through_id ?? "?"}) could not be fetched: ${gap.last_error ?? "unknown error"}; ${gap.held} later ones wait`,
        });
        continue;
      }
      if (r.config.kind === "replay" || s.state === "stopped") continue;
      const since = s.last_message_at === null ? r.startedAt : Date.parse(s.last_message_at);
      const limit = silenceLimitMs(r.config);
      if (now - since > limit) {
        out.push({ name: s.name, message: `stream ${s.name} is ${s.state} with no data for ${now - since} ms (limit ${limit} ms)${why}` });
      }
    }
    return out;
  }

  /** Feeds that /health must consider (all of them unless some are marked `required`). */
  private requiredFeeds(): Running[] {
    const marked = this.feeds.filter(({ config }) => config.required);
    return marked.length ? marked : this.feeds;
  }

  private build(config: FeedConfig): Feed {
    if (config.kind === "replay") return createFeed(config, { logger: this.d.logger });
    const events = config.stream === "events";
    const stored = events ? this.d.state.get<string>(cursorKey(config.name)) : undefined;
    return createFeed(config, {
      token: this.tokenFor(config),
      logger: this.d.logger,
      ...(this.d.timers ? { timers: this.d.timers } : {}),
      ...(typeof stored === "string" ? { lastTransactionId: stored } : {}),
      ...(events ? { onTransactionId: (id: string) => this.saveCursor(config, id) } : {}),
      stream: { ...(config.maxBackoffMs ? { backoff: { capMs: config.maxBackoffMs } } : {}), ...(this.d.random ? { random: this.d.random } : {}) },
    });
  }

  /** OANDA streams use OANDA_TOKEN; a generic SSE source is the MT5 bridge's stream (MT5_BRIDGE_TOKEN). */
  private tokenFor(config: FeedConfig): string | undefined {
    return readSecret(config.kind === "sse" ? "MT5_BRIDGE_TOKEN" : "OANDA_TOKEN", this.d.env);
  }

  /** Our ticker for a broker symbol (the reverse of `instruments.<ticker>.symbol`); a name not in the map is its own. */
  private tickerOf(symbol: string): string {
    const instruments = this.d.instruments?.() ?? NO_INSTRUMENTS;
    // Rebuilt only when a reload swaps the config: this runs on every tick.
    if (this.symbols.from !== instruments) {
      const tickers = new Map<string, string>();
      for (const [ticker, c] of Object.entries(instruments)) if (!tickers.has(c.symbol)) tickers.set(c.symbol, ticker);
      this.symbols = { from: instruments, tickers };
    }
    return this.symbols.tickers.get(symbol) ?? symbol;
  }

  private symbols: { from: Record<string, InstrumentConfig> | null; tickers: Map<string, string> } = { from: null, tickers: new Map() };

  private sinkFor(config: FeedConfig): FeedSink {
    const { bus, quotes, clock, logger } = this.d;
    const source = `feed:${config.name}`;
    let lastState: string | null = null;
    return {
      quote: (raw) => {
        // A broker's symbol ("9984.T" from the MT5 bridge's stream) is filed under its ticker ("9984").
        const ticker = this.tickerOf(raw.instrument);
        const q = ticker === raw.instrument ? raw : { ...raw, instrument: ticker };
        quotes.update(q);
        this.d.onQuote?.(ticker);
        if (bus.hasListeners("feed.tick")) bus.publish(makeEnvelope("feed.tick", source, q, { time: clock.now() }));
      },
      transaction: (tx) => {
        bus.publish(makeEnvelope("feed.transaction", source, tx, { time: clock.now(), correlation_id: tx.id }));
        this.applyTransaction(config, tx);
      },
      state: (s) => {
        // A state change, a gap that starts or stops failing, or one more repeated disconnect is news.
        const key = `${s.state}|${s.gap_fill?.state ?? ""}|${s.repeated_disconnect?.count ?? 0}`;
        if (key === lastState) return;
        lastState = key;
        const level = s.state === "failed" || s.state === "stale" ? "warn" : "info";
        logger[level](`stream ${s.name} ${s.state}`, { stream: s.name, reconnects: s.reconnects, last_error: s.last_error });
        bus.publish(makeEnvelope("stream.state", source, s, { time: clock.now() }));
      },
    };
  }

  /**
   * The stream's cursor. A transaction's id is saved with its effect (applyTransaction); the feed then reports
   * the same id once more as processed, which needs no second commit. Heartbeat and gap-fill ids are saved here.
   */
  private saveCursor(config: FeedConfig, id: string): void {
    if (this.cursors.get(config.name) === id) return;
    this.d.state.set(cursorKey(config.name), id, this.d.clock.now());
    this.cursors.set(config.name, id);
  }

  private readonly cursors = new Map<string, string>();

  /** The effect and the stream's cursor commit together: after a crash the transaction is either done and skipped, or redone. */
  private applyTransaction(config: FeedConfig, tx: BrokerTransaction): void {
    if (!this.effects || !this.d.journal || this.d.appliesTransactions?.() === false) return;
    try {
      this.d.journal.tx(() => {
        this.effects!.apply(tx, accountOf(config));
        if (config.stream === "events") this.d.state.set(cursorKey(config.name), tx.id, this.d.clock.now());
      });
      // Committed: the feed's report of this id needs no write. (A rolled-back one is still moved past there.)
      if (config.stream === "events") this.cursors.set(config.name, tx.id);
    } catch (err) {
      this.d.logger.error("broker transaction could not be applied", { stream: config.name, transaction_id: tx.id, type: tx.type, error: (err as Error).message });
    }
  }
}
