/**
 * The pair's connections to Redis (ioredis): one for commands, and one more for each blocking reader and for
 * pub/sub, which hold their connection while they wait. ioredis reconnects by itself with backoff; commands fail at
 * once while it is disconnected (no offline queue: an alert is refused now rather than answered late) and after
 * `commandTimeout` when Redis does not answer (a paused or partitioned server).
 */
import { Redis, type RedisOptions } from "ioredis";

export type LinkState = "connecting" | "connected" | "reconnecting" | "down";

export interface LinkStatus {
  state: LinkState;
  /** The last PING's round trip, ms. */
  latency_ms: number | null;
  reconnects: number;
  last_error: string | null;
  /** When the current outage began (ISO-8601), while not connected. */
  down_since: string | null;
  /** The delay before the next reconnect attempt, while reconnecting. */
  next_retry_ms: number | null;
}

export interface LinkOptions {
  url: string;
  password?: string;
  /** How long a command may go unanswered before it fails. */
  commandTimeoutMs: number;
  onStateChange?: (s: LinkStatus) => void;
}

/** Reconnect backoff: 50 ms doubling to 2 s, with jitter, forever. */
export function reconnectDelay(times: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(times - 1, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export class RedisLink {
  readonly cmd: Redis;
  private readonly extra: Redis[] = [];
  private readonly status: LinkStatus = { state: "connecting", latency_ms: null, reconnects: 0, last_error: null, down_since: null, next_retry_ms: null };
  private readonly readyListeners: Array<() => void> = [];
  private closed = false;

  constructor(private readonly o: LinkOptions) {
    this.cmd = new Redis(o.url, this.options("cmd"));
    this.cmd.on("ready", () => this.recovered(true));
    this.cmd.on("error", (err: Error) => {
      this.status.last_error = err.message;
    });
    this.cmd.on("close", () => this.lost("connection closed"));
    this.cmd.on("reconnecting", (delay: number) => {
      this.status.reconnects++;
      this.status.next_retry_ms = delay;
      this.lost(this.status.last_error ?? "reconnecting", "reconnecting");
    });
  }

  /** Another connection to the same server (blocking reads, pub/sub), closed with this link. */
  connection(role: string, overrides: Partial<RedisOptions> = {}): Redis {
    const c = new Redis(this.o.url, { ...this.options(role), ...overrides });
    c.on("error", () => undefined); // its state is the command connection's; errors surface on its commands
    this.extra.push(c);
    return c;
  }

  /**
   * Runs `fn` on every (re)connection of the command connection, and on the first answer after an outage seen only
   * as timeouts (a paused or partitioned server keeps the socket open), and now if it is connected.
   */
  onReady(fn: () => void): void {
    this.readyListeners.push(fn);
    if (this.cmd.status === "ready") fn();
  }

  get connected(): boolean {
    return this.cmd.status === "ready";
  }

  view(): LinkStatus {
    return { ...this.status };
  }

  /** A command answered means the link works, whatever a timed-out one said before. */
  noteLatency(ms: number): void {
    this.status.latency_ms = Math.round(ms * 100) / 100;
    if (this.status.state === "down" && this.connected) this.recovered(false);
  }

  /** Marks an outage seen by a failed command (a paused server keeps the socket open: only timeouts tell). */
  noteFailure(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.status.last_error = message;
    if (/timed out/i.test(message)) this.lost(message, "down");
  }

  async ping(): Promise<number> {
    const t0 = performance.now();
    await this.cmd.ping();
    const ms = performance.now() - t0;
    this.noteLatency(ms);
    if (this.status.state !== "connected" && this.connected) this.recovered(false);
    return ms;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of [this.cmd, ...this.extra]) c.disconnect();
  }

  /** Connected again: said once, and whoever waits for Redis (what is left to publish, the leader's group) goes on. */
  private recovered(always: boolean): void {
    const was = this.status.state;
    Object.assign(this.status, { state: "connected", down_since: null, next_retry_ms: null });
    if (was !== "connected") this.o.onStateChange?.(this.view());
    if (always || was !== "connected") for (const fn of this.readyListeners) fn();
  }

  private lost(message: string, state: LinkState = "reconnecting"): void {
    if (this.closed) return;
    const was = this.status.state;
    this.status.state = state;
    this.status.last_error = message;
    this.status.down_since ??= new Date().toISOString();
    if (was !== state) this.o.onStateChange?.(this.view());
  }

  private options(role: string): RedisOptions {
    return {
      ...(this.o.password ? { password: this.o.password } : {}),
      connectionName: `tradectl-${role}`,
      commandTimeout: this.o.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: reconnectDelay,
      lazyConnect: false,
    };
  }
}
