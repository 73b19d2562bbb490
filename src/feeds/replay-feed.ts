/**
 * The default feed: plays an OANDA v1 NDJSON recording (seed 003 format) paced by its own
 * timestamps divided by `speed`, looped forever. Each delivered quote carries the delivery time,
 * since consumers read a quote's time as its freshness.
 */
import { readFile } from "node:fs/promises";
import type { Clock } from "../domain/clock.js";
import type { FeedConfig } from "../config/types.js";
import type { Feed, FeedSink, StreamState, StreamStatus } from "../engine/feed.js";
import { TradectlError } from "../domain/errors.js";
import { parseOandaV1 } from "./formats/oanda-v1.js";
import type { FeedMessage } from "./formats/message.js";
import { silentLogger, type FeedLogger } from "./logger.js";
import { resolveFromPackage } from "./package-root.js";
import { systemTimers, type FeedTimers } from "./timers.js";

export const DEFAULT_REPLAY_FILE = resolveFromPackage("fixtures/replay/default.ndjson");

/** Pause added after the last recorded line before the recording starts again. */
const LOOP_GAP_MS = 1000;

export interface ReplayFeedOptions {
  timers?: Pick<FeedTimers, "setTimeout" | "clearTimeout"> & Partial<Pick<FeedTimers, "now">>;
  clock?: Clock;
  logger?: FeedLogger;
}

interface ReplayEntry {
  /** ms after the first timed line of the recording. */
  offsetMs: number;
  msg: FeedMessage;
}

/** Parses a recording into timed entries; lines that are not v1 JSON are skipped and counted. */
export function parseRecording(text: string): { entries: ReplayEntry[]; skipped: number } {
  const entries: ReplayEntry[] = [];
  let skipped = 0;
  let first: number | null = null;
  let last = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const msg = parseOandaV1(value);
    if (msg.type === "unknown" || msg.type === "disconnect") {
      skipped++;
      continue;
    }
    const t = msg.type === "transaction" ? msg.tx.time || null : msg.time;
    if (t !== null) {
      first ??= t;
      // A recording must not run backwards; an out-of-order line plays with its predecessor.
      last = Math.max(last, t - first);
    }
    entries.push({ offsetMs: last, msg });
  }
  return { entries, skipped };
}

export class ReplayFeed implements Feed {
  readonly name: string;
  private readonly file: string;
  private readonly speed: number;
  private readonly filter: ReadonlySet<string> | null;
  private readonly timers: ReplayFeedOptions["timers"] & {};
  private readonly now: () => number;
  private readonly logger: FeedLogger;
  private sink: FeedSink | null = null;
  private handle: unknown = null;
  private entries: ReplayEntry[] = [];
  private loopMs = 0;
  private index = 0;
  private loop = 0;
  private anchor = 0;
  private running = false;
  private readonly seenTx = new Set<string>();
  private current: StreamStatus;

  constructor(config: FeedConfig, opts: ReplayFeedOptions = {}) {
    if (config.kind !== "replay") throw new TradectlError("FEED_CONFIG", `feed ${config.name}: ReplayFeed needs kind "replay"`);
    const speed = config.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new TradectlError("FEED_CONFIG", `feed ${config.name}: speed must be a positive number`);
    }
    this.name = config.name;
    this.file = config.url ? resolveFromPackage(config.url) : DEFAULT_REPLAY_FILE;
    this.speed = speed;
    this.filter = config.instruments && config.instruments.length > 0 ? new Set(config.instruments) : null;
    this.timers = opts.timers ?? systemTimers;
    const clockNow = opts.clock ? () => opts.clock!.now() : undefined;
    this.now = clockNow ?? opts.timers?.now ?? systemTimers.now;
    this.logger = opts.logger ?? silentLogger;
    this.current = {
      name: config.name,
      kind: "replay",
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
    if (this.running) return;
    this.sink = sink;
    this.running = true;
    this.setState("connecting");
    void this.load();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
    if (this.current.state !== "stopped") this.setState("stopped");
  }

  status(): StreamStatus {
    return { ...this.current };
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      this.fail(`cannot read replay file ${this.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return;
    }
    if (!this.running) return;
    const { entries, skipped } = parseRecording(text);
    if (skipped > 0) this.logger.warn("replay: skipped unreadable lines", { feed: this.name, skipped });
    if (entries.length === 0) {
      this.fail(`replay file ${this.file} has no usable lines`);
      return;
    }
    this.entries = entries;
    this.loopMs = entries[entries.length - 1]!.offsetMs + LOOP_GAP_MS;
    this.index = 0;
    this.loop = 0;
    this.anchor = this.now();
    this.logger.info("replay: playing", { feed: this.name, file: this.file, lines: entries.length, speed: this.speed });
    this.setState("live");
    this.schedule();
  }

  /** Schedules the next entry against a fixed anchor, so timer lateness never accumulates. */
  private schedule(): void {
    if (!this.running) return;
    const entry = this.entries[this.index]!;
    const due = this.anchor + (entry.offsetMs + this.loop * this.loopMs) / this.speed;
    this.handle = this.timers.setTimeout(() => this.fire(), Math.max(0, due - this.now()));
  }

  private fire(): void {
    this.handle = null;
    if (!this.running || !this.sink) return;
    const entry = this.entries[this.index]!;
    this.index++;
    if (this.index >= this.entries.length) {
      this.index = 0;
      this.loop++;
    }
    try {
      this.deliver(entry.msg);
    } catch (err) {
      this.logger.error("replay: sink threw", { feed: this.name, error: String(err) });
    }
    this.schedule();
  }

  private deliver(msg: FeedMessage): void {
    const sink = this.sink!;
    const now = this.now();
    this.current.last_message_at = new Date(now).toISOString();
    if (msg.type === "price") {
      if (this.filter && !this.filter.has(msg.instrument)) return;
      sink.quote({ instrument: msg.instrument, bid: msg.bid, ask: msg.ask, time: now, tradeable: msg.tradeable, feed: this.name });
    } else if (msg.type === "transaction") {
      // A looped recording would repeat its transaction ids: each is delivered once only.
      if (this.seenTx.has(msg.tx.id)) return;
      this.seenTx.add(msg.tx.id);
      sink.transaction({ ...msg.tx, time: now });
    }
  }

  private fail(reason: string): void {
    this.logger.error("replay: failed", { feed: this.name, reason });
    this.current.last_error = reason;
    this.setState("failed");
  }

  private setState(state: StreamState): void {
    this.current.state = state;
    this.sink?.state(this.status());
  }
}
