/**
 * A log file per UTC day, `<name>-YYYY-MM-DD.log` in the logs folder, files older than `keepDays` deleted. Lines
 * are gathered and written every `flushMs` through one append stream (`flush()` writes at once; a `sync` file appends
 * each line before `writeLine` returns). Every log line
 * of the daemon goes through here: on an accepted alert's path, winston-daily-rotate-file's per-record rotation
 * check cost more than the journal's whole admission logic.
 */
import { appendFileSync, createWriteStream, readdirSync, rmSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { settleWithin } from "../domain/settle-within.js";

const DAY_MS = 86_400_000;

export interface DailyFileOptions {
  name: string;
  keepDays: number;
  flushMs?: number;
  /** Each line is appended before writeLine returns (for rare lines that must outlive a crash: errors). */
  sync?: boolean;
  now?: () => number;
}

export class DailyFile {
  private lines: string[] = [];
  private stream: WriteStream | null = null;
  private day = "";
  private streamDay = "";
  private queuedDay = "";
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly pattern: RegExp;
  private readonly now: () => number;

  constructor(
    private readonly dir: string,
    private readonly opts: DailyFileOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.pattern = new RegExp(`^${opts.name}-(\\d{4}-\\d{2}-\\d{2})\\.log$`);
    this.day = this.dayOf(this.now());
    this.prune();
  }

  /** Queues one line (the newline is added). */
  writeLine(line: string): void {
    if (this.closed) return; // a line logged during shutdown, after the file was closed
    if (this.opts.sync) return this.append(`${line}\n`);
    // A line goes to the file of the day it was written: lines queued before midnight are written out first.
    const day = this.dayOf(this.now());
    if (this.lines.length && day !== this.queuedDay) this.flush();
    if (!this.lines.length) this.queuedDay = day;
    this.lines.push(`${line}\n`);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.flushMs ?? 100);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.lines.length) return;
    this.currentDay(); // prunes on a new day
    const day = this.queuedDay;
    if (day !== this.streamDay || !this.stream) {
      this.stream?.end();
      const stream = createWriteStream(join(this.dir, `${this.opts.name}-${day}.log`), { flags: "a", mode: 0o600 });
      // A lost log line must never take the daemon down (a full disk, a removed folder); the next batch reopens.
      stream.on("error", (err) => {
        process.stderr.write(`tradectl: ${this.opts.name} log: ${err.message}\n`);
        if (this.stream === stream) this.stream = null;
      });
      this.stream = stream;
      this.streamDay = day;
    }
    this.stream.write(this.lines.join(""));
    this.lines = [];
  }

  private append(text: string): void {
    const day = this.currentDay();
    try {
      appendFileSync(join(this.dir, `${this.opts.name}-${day}.log`), text, { mode: 0o600 });
    } catch (err) {
      process.stderr.write(`tradectl: ${this.opts.name} log: ${(err as Error).message}\n`);
    }
  }

  /** The UTC date of `t`, formatted once per day (this runs for every line). */
  private dayOf(t: number): string {
    if (t < this.cached.from || t >= this.cached.from + DAY_MS) {
      const from = t - (t % DAY_MS);
      this.cached = { day: new Date(from).toISOString().slice(0, 10), from };
    }
    return this.cached.day;
  }

  private cached = { day: "", from: Number.POSITIVE_INFINITY };

  /** Today's date (UTC); on a new day, files past their age are deleted. */
  private currentDay(): string {
    const day = this.dayOf(this.now());
    if (day !== this.day) this.prune();
    this.day = day;
    return day;
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    if (s) await settleWithin(new Promise<void>((resolve) => s.end(resolve)), 1000);
  }

  /** Deletes this log's files older than `keepDays` (by the date in their name). */
  private prune(): void {
    const cutoff = new Date(this.now() - this.opts.keepDays * DAY_MS).toISOString().slice(0, 10);
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const m = this.pattern.exec(n);
      if (m && m[1]! < cutoff) rmSync(join(this.dir, n), { force: true });
    }
  }
}
