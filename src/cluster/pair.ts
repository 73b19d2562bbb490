/**
 * A hot-standby pair on Redis, built from config: the connection, the shared admission state and queue (the
 * engine's PairAdmission port), the lease (its SendPermit port), the kill switch's sharing, the mirror of the
 * pair's journal, the leader's consumer and what it hands back. The daemon builds one when `redis.url` (or
 * REDIS_URL) is set and wires its ports into the engine; `view()` is the `cluster` object of /status.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { readSecret } from "../config/secrets.js";
import type { TradectlConfig } from "../config/types.js";
import { makeEnvelope } from "../engine/envelope.js";
import type { EventBus } from "../engine/event-bus.js";
import type { KillSwitch } from "../engine/kill-switch.js";
import type { FillInput, IdempotencyStore, OrderJournal, PositionLedger, StateStore, StopBook } from "../engine/ports.js";
import { RedisLink, type LinkStatus } from "./connection.js";
import { Executor } from "./executor.js";
import { pairKeys, type PairKeys } from "./keys.js";
import { KillSync } from "./kill-sync.js";
import { Lease, type LeaseView } from "./lease.js";
import { Mirror } from "./mirror.js";
import { judgePersistence, readPersistence, type PersistenceVerdict } from "./persistence.js";
import { RedisPairStore } from "./pair-store.js";
import { Publisher } from "./publisher.js";

export interface PairOptions {
  config: TradectlConfig;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  journal: OrderJournal;
  /** The ledger as written by the mirror (not watched: the other daemon's fills are not handed back). */
  ledger: PositionLedger;
  idempotency: IdempotencyStore;
  /** Position SL/TP and breakeven/trailing: the leader hands them back with each settled order, the mirror keeps them. */
  stops: StopBook;
  state: StateStore;
  killSwitch: KillSwitch;
  bus: EventBus;
  now: () => number;
  logger: { info(msg: string, meta?: Record<string, unknown>): void; warn(msg: string, meta?: Record<string, unknown>): void; error(msg: string, meta?: Record<string, unknown>): void };
}

export interface PairView {
  name: string;
  node: string;
  role: "leader" | "follower";
  leader: string | null;
  lease: Omit<LeaseView, "role" | "leader">;
  redis: LinkStatus & { persistence: string | null; persistence_safe: boolean | null };
  queue: { pending_here: number; unacknowledged: number | null; to_publish: number };
  on_redis_down: string;
  short_waits: number;
}

/** How long a Redis command may go unanswered (a paused or partitioned server) before the alert is refused. */
const COMMAND_TIMEOUT_MS = 1000;

/** The Redis URL and its password: REDIS_URL (a secret, may hold the password) wins over `redis.url`. */
export function redisTarget(config: TradectlConfig, env: NodeJS.ProcessEnv): { url: string; password?: string } | null {
  const url = readSecret("REDIS_URL", env) ?? config.redis.url;
  if (!url) return null;
  const password = readSecret("REDIS_PASSWORD", env);
  return { url, ...(password ? { password } : {}) };
}

/** This daemon's name in the pair: `cluster.node`, else the host name and a digest of its state folder. */
export function nodeName(config: TradectlConfig, stateDir: string): string {
  return config.cluster.node || `${hostname().replace(/[^A-Za-z0-9_.-]/g, "-")}-${createHash("sha256").update(stateDir).digest("hex").slice(0, 6)}`;
}

export class Pair {
  readonly link: RedisLink;
  readonly keys: PairKeys;
  readonly node: string;
  readonly store: RedisPairStore;
  readonly lease: Lease;
  private readonly publisher: Publisher;
  private readonly mirror: Mirror;
  private readonly executor: Executor;
  private readonly kill: KillSync;
  private mirroring = false;
  private shortWaits = 0;
  private persistence: PersistenceVerdict | null = null;
  private unacknowledged: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Set by the daemon once the engine exists: queue an order for execution. */
  execute: (orderId: string) => unknown = () => null;

  constructor(private readonly o: PairOptions) {
    const target = redisTarget(o.config, o.env)!;
    const leaseMs = o.config.cluster.leaseMs;
    this.node = nodeName(o.config, o.stateDir);
    this.keys = pairKeys(o.config.redis.keyPrefix, o.config.cluster.name);
    this.link = new RedisLink({
      url: target.url,
      ...(target.password ? { password: target.password } : {}),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      onStateChange: (s) => {
        const meta = { state: s.state, last_error: s.last_error, reconnects: s.reconnects };
        if (s.state === "connected") o.logger.info("pair: Redis connected", meta);
        else o.logger.warn("pair: Redis unreachable; entries are refused until it is back", meta);
      },
    });
    this.store = new RedisPairStore({
      link: this.link,
      keys: this.keys,
      node: this.node,
      waitReplicas: o.config.redis.waitReplicas,
      waitTimeoutMs: 500,
      // Half the command timeout: Redis refuses an enqueue it runs after this daemon has stopped waiting for it.
      enqueueDeadlineMs: COMMAND_TIMEOUT_MS / 2,
      onShortWait: (acked) => {
        this.shortWaits++;
        o.logger.warn("pair: an alert was answered with fewer replicas than redis.waitReplicas", { acked, wanted: o.config.redis.waitReplicas });
      },
    });
    this.publisher = new Publisher({ link: this.link, keys: this.keys, node: this.node, journal: o.journal, idempotency: o.idempotency, stops: o.stops, logger: o.logger });
    this.mirror = new Mirror({
      link: this.link,
      keys: this.keys,
      node: this.node,
      journal: o.journal,
      ledger: o.ledger,
      idempotency: o.idempotency,
      stops: o.stops,
      state: o.state,
      now: o.now,
      logger: o.logger,
      applying: (on) => (this.mirroring = on),
    });
    this.executor = new Executor({
      link: this.link,
      keys: this.keys,
      node: this.node,
      journal: o.journal,
      mirror: this.mirror,
      publisher: this.publisher,
      execute: (id) => this.execute(id),
      isLeader: () => this.lease.current() !== null,
      sweepMs: Math.max(100, Math.floor(leaseMs / 3)),
      now: o.now,
      logger: o.logger,
    });
    this.lease = new Lease({
      link: this.link,
      keys: this.keys,
      node: this.node,
      leaseMs,
      onTerm: () => this.executor.beginTerm(),
      onChange: (c) => {
        o.logger.info("pair: leader changed", { leader: c.leader, previous: c.previous, token: c.token, this_node: this.node });
        o.bus.publish(makeEnvelope("cluster.leader_changed", `pair:${this.node}`, { cluster: o.config.cluster.name, node: this.node, leader: c.leader, previous: c.previous, token: c.token, role: c.leader === this.node ? "leader" : "follower" }, { time: o.now() }));
      },
    });
    this.kill = new KillSync({
      link: this.link,
      keys: this.keys,
      killSwitch: o.killSwitch,
      now: o.now,
      logger: o.logger,
      onAdopted: (s) => {
        const type = s.active ? "system.killed" : "system.resumed";
        o.bus.publish(makeEnvelope(type, `pair:${this.node}`, { reason: s.reason, from_pair: true }, { time: o.now(), meta: { actor: s.actor ?? "pair" } }));
      },
    });
  }

  /** An order the engine settled here (final, or resting at the broker): handed back to the queue while leading. */
  settled(orderId: string): void {
    this.executor.finished(orderId);
  }

  /** A fill recorded by this daemon's ledger: handed to the queue while this daemon leads (not a mirrored one). */
  filled(f: FillInput, realized: number): void {
    if (!this.mirroring) this.publisher.fill(f, realized);
  }

  /** An exit the leader admitted alone while Redis was unreachable (its orders). */
  admittedAlone(orderIds: string[]): void {
    this.publisher.alone(orderIds);
  }

  start(): void {
    this.kill.start();
    this.mirror.start();
    this.executor.start();
    this.lease.start();
    const check = () => void this.refresh();
    this.link.onReady(check);
    this.timer = setInterval(check, 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.lease.stop();
    await Promise.all([this.executor.stop(), this.mirror.stop(), this.kill.stop()]);
    await this.publisher.flush().catch(() => undefined);
    await this.link.close();
  }

  view(): PairView {
    const lease = this.lease.view();
    const { role, leader, ...rest } = lease;
    return {
      name: this.o.config.cluster.name,
      node: this.node,
      role,
      leader,
      lease: rest,
      redis: { ...this.link.view(), persistence: this.persistence?.summary ?? null, persistence_safe: this.persistence?.safe ?? null },
      queue: { pending_here: this.executor.pending, unacknowledged: this.unacknowledged, to_publish: this.publisher.backlog },
      on_redis_down: this.o.config.cluster.onRedisDown,
      short_waits: this.shortWaits,
    };
  }

  /** /health's `redis` component: healthy while connected; a persistence setting that can lose an alert is a warning. */
  async health(): Promise<{ ok: boolean; error: string | null; warning: string | null; details: Record<string, unknown> }> {
    let latency: number | null = null;
    let error: string | null = null;
    try {
      latency = await this.link.ping();
    } catch (err) {
      error = `Redis unreachable: ${(err as Error).message}`;
    }
    const v = this.view();
    return {
      ok: error === null,
      error,
      warning: this.persistence && !this.persistence.safe ? `${this.persistence.summary}; ${this.persistence.hint}` : null,
      details: { latency_ms: latency === null ? null : Math.round(latency * 100) / 100, role: v.role, node: v.node, leader: v.leader, state: v.redis.state, persistence: v.redis.persistence },
    };
  }

  /** Persistence and the queue's backlog, read every few seconds (off the alert path). */
  private async refresh(): Promise<void> {
    try {
      this.persistence = judgePersistence(await readPersistence(this.link.cmd as never), this.o.config.redis.waitReplicas);
      const info = (await this.link.cmd.xpending(this.keys.stream, this.keys.group)) as [number, ...unknown[]];
      this.unacknowledged = Number(info[0]);
    } catch {
      // unreachable or no group yet: the link's state says so
    }
  }
}
