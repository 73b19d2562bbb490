/**
 * The engine's PairAdmission port on Redis: idempotency claims (SET NX PX for the whole window), the pair's day
 * counters and order id sequence, and the queue of accepted signals (a Stream), WAITing for replicas when
 * `redis.waitReplicas` is set.
 */
import type { Redis } from "ioredis";
import { jstDateKey, nextJstMidnight } from "../domain/jst.js";
import type { AdmissionRecord, PairAdmission, PairClaim, PairDay, PairReservation, QueuedSignal, ReserveRequest, SharedKill } from "../engine/ports.js";
import type { RedisLink } from "./connection.js";
import { KEEP_MS, type PairKeys } from "./keys.js";
import { CLAIM, ENQUEUE, RELEASE, RESERVE } from "./scripts.js";
import { TradectlError } from "../domain/errors.js";

/** A claim this old has lost its daemon (an admission takes milliseconds): a repeat may take it over. */
export const CLAIM_STALE_MS = 30_000;

export interface PairStoreOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  waitReplicas: number;
  /** How long a WAIT for replicas may take (ms). */
  waitTimeoutMs: number;
  /** How long Redis may take to run an enqueue before its own clock refuses it (see scripts.ENQUEUE). */
  enqueueDeadlineMs: number;
  /** Replicas short of `waitReplicas` after an answered alert (counted, and said in status). */
  onShortWait?: (acked: number) => void;
}

type Reply = Array<string | number>;

export class RedisPairStore implements PairAdmission {
  private readonly r: Redis;
  /** The signal whose admission holds each claim made here: a release gives up only its own claim. */
  private readonly claims = new Map<string, string>();

  constructor(private readonly o: PairStoreOptions) {
    this.r = o.link.cmd;
  }

  async claim(key: string, signalId: string, now: number, expiresAt: number): Promise<PairClaim> {
    const k = this.o.keys;
    const dayStart = jstDayStart(now);
    const value = `C|${now}|${this.o.node}|${signalId}`;
    const res = (await this.run(() => this.r.eval(CLAIM, 4, k.idem(key), k.entries, k.day(jstDateKey(now)), k.kill, value, ttl(expiresAt, now), now, CLAIM_STALE_MS, dayStart))) as Reply;
    if (res[0] === "answered") return { kind: "answered", record: JSON.parse(String(res[1])) as AdmissionRecord };
    if (res[0] === "busy") return { kind: "busy" };
    this.claims.set(key, signalId);
    return { kind: "claimed", ...counters(res) };
  }

  async reserve(q: ReserveRequest): Promise<PairReservation> {
    const k = this.o.keys;
    const res = (await this.run(() =>
      this.r.eval(RESERVE, 4, k.entries, k.seq(q.tradingDate), k.kill, k.day(q.tradingDate), q.isEntry ? 1 : 0, q.now, q.dayStart, q.maxEntries, q.cooldownMs, q.tradingDate, q.exempt ? 1 : 0, KEEP_MS, q.count, q.entryIndex),
    )) as Reply;
    if (res[0] === "reserved") return { kind: "reserved", orderIds: res.slice(1).map(String) };
    return { kind: "changed", ...counters(res) };
  }

  async enqueue(q: QueuedSignal): Promise<void> {
    const k = this.o.keys;
    const now = q.record.decided_at;
    const data = JSON.stringify({ signal: q.signal, orders: q.orders, record: q.record, key: q.key, expires_at: q.expiresAt });
    const res = (await this.run(() =>
      this.r.eval(ENQUEUE, 3, k.idem(q.key), k.stream, k.queued(q.orders[0]!.order_id), `R|${JSON.stringify(q.record)}`, ttl(q.expiresAt, now), Date.now() + this.o.enqueueDeadlineMs, this.o.node, data, KEEP_MS, minId(now)),
    )) as Reply;
    if (res[0] === "late") throw new TradectlError("SERVICE_UNAVAILABLE", "Redis ran the enqueue after its deadline (it was paused or unreachable); the alert was not queued");
    this.claims.delete(q.key);
    await this.replicated();
  }

  async answer(key: string, record: AdmissionRecord, expiresAt: number): Promise<void> {
    this.claims.delete(key);
    await this.run(() => this.r.set(this.o.keys.idem(key), `R|${JSON.stringify(record)}`, "PX", ttl(expiresAt, record.decided_at)));
  }

  async release(key: string, entryOrderId?: string): Promise<void> {
    const signalId = this.claims.get(key);
    this.claims.delete(key);
    if (signalId === undefined && !entryOrderId) return;
    await this.run(() => this.r.eval(RELEASE, 2, this.o.keys.idem(key), this.o.keys.entries, signalId ?? "-", entryOrderId ?? ""));
  }

  /** WAIT for `redis.waitReplicas` replicas: the accepted alert must outlive the master's death before it is answered. */
  private async replicated(): Promise<void> {
    if (this.o.waitReplicas <= 0) return;
    const acked = (await this.run(() => this.r.wait(this.o.waitReplicas, this.o.waitTimeoutMs))) as number;
    if (acked < this.o.waitReplicas) this.o.onShortWait?.(acked);
  }

  /** Runs a command, noting the link's latency or its failure (a timeout is how a paused server shows). */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const out = await fn();
      this.o.link.noteLatency(performance.now() - t0);
      return out;
    } catch (err) {
      this.o.link.noteFailure(err);
      throw err;
    }
  }
}

function counters(res: Reply): { day: PairDay; kill: SharedKill | null } {
  const last = String(res[2] ?? "");
  const kill = String(res[4] ?? "");
  return {
    day: { entries: Number(res[1]), lastEntryAt: last === "" ? null : Number(last), realized: Number(res[3] ?? 0) },
    kill: kill === "" ? null : (JSON.parse(kill) as SharedKill),
  };
}

const ttl = (expiresAt: number, now: number) => Math.max(1000, Math.ceil(expiresAt - now));
/** Stream entries older than KEEP_MS are trimmed (approximately) as new ones are added. */
const minId = (now: number) => `${Math.max(0, now - KEEP_MS)}-0`;

const jstDayStart = (ms: number) => nextJstMidnight(ms) - 86_400_000;
