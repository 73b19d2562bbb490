/** The running feeds: builds each from config, routes what they read to the quote book and the event bus. */
import type { FeedConfig } from "../config/types.js";
import { readSecret } from "../config/secrets.js";
import type { Clock } from "../domain/clock.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { Feed, FeedSink, StreamStatus } from "../engine/feed.js";
import type { QuoteBook } from "../engine/quote-book.js";
import type { StateStore } from "../engine/stores.js";
import { ReplayFeed } from "../feeds/replay-feed.js";
import type { Logger } from "../log/logger.js";

export interface FeedSetDeps {
  bus: EventBus;
  quotes: QuoteBook;
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  state: StateStore;
}

export class FeedSet {
  private feeds: Array<{ feed: Feed; config: FeedConfig }> = [];

  constructor(private readonly d: FeedSetDeps) {}

  start(configs: FeedConfig[]): void {
    for (const config of configs) {
      const feed = this.build(config);
      this.feeds.push({ feed, config });
      feed.start(this.sinkFor(config));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.feeds.map(({ feed }) => feed.stop().catch(() => undefined)));
  }

  statuses(): StreamStatus[] {
    return this.feeds.map(({ feed }) => feed.status());
  }

  /** Feeds that /health must consider (all of them unless some are marked `required`). */
  required(): StreamStatus[] {
    const marked = this.feeds.filter(({ config }) => config.required);
    return (marked.length ? marked : this.feeds).map(({ feed }) => feed.status());
  }

  private build(config: FeedConfig): Feed {
    if (config.kind === "replay") return new ReplayFeed(config, { logger: this.d.logger });
    void readSecret;
    throw new Error(`feed kind ${config.kind} is not available in this build`);
  }

  private sinkFor(config: FeedConfig): FeedSink {
    const { bus, quotes, clock, logger } = this.d;
    let lastState: string | null = null;
    return {
      quote: (q) => {
        quotes.update(q);
        if (bus.hasListeners("feed.tick")) bus.publish(makeEnvelope("feed.tick", `feed:${config.name}`, q, { time: clock.now() }));
      },
      transaction: (tx) => {
        bus.publish(makeEnvelope("feed.transaction", `feed:${config.name}`, tx, { time: clock.now(), correlation_id: tx.id }));
      },
      state: (s) => {
        if (s.state === lastState) return;
        lastState = s.state;
        const level = s.state === "failed" || s.state === "stale" ? "warn" : "info";
        logger[level](`stream ${s.name} ${s.state}`, { stream: s.name, reconnects: s.reconnects, last_error: s.last_error });
        bus.publish(makeEnvelope("stream.state", `feed:${config.name}`, s, { time: clock.now() }));
      },
    };
  }
}
