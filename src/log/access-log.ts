/**
 * The access log: one JSON line per request in logs/access-YYYY-MM-DD.log (UTC days), kept 90 days. Lines are
 * gathered and written every 100 ms through one append stream. It sits on every request's path, where winston's
 * format pipeline and its rotating transport cost about a third of a refused request's time (see README, Benchmarks).
 */
import { createWriteStream, readdirSync, rmSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { settleWithin } from "../domain/settle-within.js";

const KEEP_DAYS = 90;
const FLUSH_MS = 100;
const NAME = /^access-(\d{4}-\d{2}-\d{2})\.log$/;

export class AccessLog {
  private lines: string[] = [];
  private stream: WriteStream | null = null;
  private day = "";
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.prune();
  }

  write(record: Record<string, unknown>): void {
    if (this.closed) return; // a response that completes during shutdown, after the log was closed
    const t = this.now();
    this.lines.push(`${JSON.stringify({ time: new Date(t).toISOString(), ...record })}\n`);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.lines.length) return;
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day || !this.stream) {
      this.stream?.end();
      this.stream = createWriteStream(join(this.dir, `access-${day}.log`), { flags: "a", mode: 0o600 });
      // A lost access line must never take the daemon down (a full disk, a removed folder).
      this.stream.on("error", (err) => process.stderr.write(`tradectl: access log: ${err.message}\n`));
      if (this.day && day !== this.day) this.prune();
      this.day = day;
    }
    this.stream.write(this.lines.join(""));
    this.lines = [];
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    if (s) await settleWithin(new Promise<void>((resolve) => s.end(resolve)), 1000);
  }

  /** Deletes access logs older than 90 days (by the date in their name). */
  private prune(): void {
    const cutoff = new Date(this.now() - KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const m = NAME.exec(n);
      if (m && m[1]! < cutoff) rmSync(join(this.dir, n), { force: true });
    }
  }
}
