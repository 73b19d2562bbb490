/**
 * The pair's keys, all under `<redis.keyPrefix>{<cluster.name>}:`. The braces are a Redis Cluster hash tag: every
 * key of a pair lives in one slot, so the scripts that touch several of them work on a cluster too.
 */
export interface PairKeys {
  prefix: string;
  /** An alert's idempotency key: a claim (`C|…`) while it is admitted, then its answer (`R|…`). */
  idem(key: string): string;
  /** The order id sequence of a JST trading date. */
  seq(date: string): string;
  /** Entries counted against the daily limit and the cooldown: order id → time (a sorted set). */
  entries: string;
  /** A JST trading date's realised P&L (field `realized`), and the fills already added to it (a set). */
  day(date: string): string;
  dayFills(date: string): string;
  /** An order handed to the queue: its stream entry id (so a retried enqueue is not a second entry). */
  queued(orderId: string): string;
  kill: string;
  /** Pub/sub channel of kill switch changes. */
  killChannel: string;
  /** The leader's lease (`<node>|<token>`) and the fencing token counter. */
  leader: string;
  fence: string;
  /** The queue of accepted signals and of the leader's outcomes, and the leader's consumer group on it. */
  stream: string;
  group: string;
  rateLimit: string;
}

export function pairKeys(keyPrefix: string, clusterName: string): PairKeys {
  const p = `${keyPrefix}{${clusterName}}:`;
  return {
    prefix: p,
    idem: (k) => `${p}idem:${k}`,
    seq: (d) => `${p}seq:${d}`,
    entries: `${p}entries`,
    day: (d) => `${p}day:${d}`,
    dayFills: (d) => `${p}day-fills:${d}`,
    queued: (id) => `${p}queued:${id}`,
    kill: `${p}kill`,
    killChannel: `${p}kill-changed`,
    leader: `${p}leader`,
    fence: `${p}fence`,
    stream: `${p}queue`,
    group: "leader",
    rateLimit: `${p}rl:`,
  };
}

/** Day-scoped keys (sequence, P&L) outlive their day by this much; the stream keeps this much history. */
export const KEEP_MS = 3 * 86_400_000;
