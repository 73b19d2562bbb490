/**
 * Streams worth a notification: one that stays down (not live) for `staleAfterMs` — stale, reconnecting, backing
 * off, failed — is notified once, and its return to live once after that. A reconnect inside the limit is silent.
 */
import type { StreamStatus } from "../engine/feed.js";
import type { FeedTimers } from "../feeds/timers.js";

interface Watched {
  downSince: number;
  timer: unknown;
  notified: boolean;
  last: StreamStatus;
}

const UP = new Set(["live", "market-closed"]);

export class StreamWatch {
  private readonly streams = new Map<string, Watched>();

  constructor(
    private readonly timers: FeedTimers,
    private readonly staleAfterMs: () => number,
    private readonly notify: (key: "stream.stale" | "stream.recovered", payload: Record<string, unknown>, time: number) => void,
  ) {}

  observe(s: StreamStatus): void {
    const now = this.timers.now();
    const w = this.streams.get(s.name);
    if (UP.has(s.state) || s.state === "stopped") {
      if (!w) return;
      this.timers.clearTimeout(w.timer);
      this.streams.delete(s.name);
      if (w.notified && s.state !== "stopped") this.notify("stream.recovered", { name: s.name, kind: s.kind, down_ms: now - w.downSince }, now);
      return;
    }
    if (w) {
      w.last = s;
      return;
    }
    const watched: Watched = { downSince: now, notified: false, last: s, timer: null };
    watched.timer = this.timers.setTimeout(() => {
      watched.notified = true;
      const l = watched.last;
      const at = this.timers.now();
      this.notify("stream.stale", { name: l.name, kind: l.kind, state: l.state, reconnects: l.reconnects, last_error: l.last_error, down_ms: at - watched.downSince }, at);
    }, this.staleAfterMs());
    this.streams.set(s.name, watched);
  }

  stop(): void {
    for (const w of this.streams.values()) this.timers.clearTimeout(w.timer);
    this.streams.clear();
  }
}
