/**
 * What Redis's persistence settings mean for an alert already answered, when Redis itself dies. An answered alert
 * lives in the accepting daemon's journal and in Redis's queue; if Redis loses it before the leader has read it, the
 * leader never executes it (the accepting daemon's journal still has it, but only the leader sends).
 * - appendonly yes + appendfsync always: every write is on disk before Redis answers; nothing answered is lost.
 * - appendfsync everysec: a crash of redis-server loses nothing, a power cut or kernel crash up to about 1 s.
 * - appendfsync no, or RDB snapshots only: everything since the last flush or snapshot (minutes) can be lost.
 * - replicas with `redis.waitReplicas` ≥ 1: an alert is answered once that many replicas have it, so the master's
 *   death loses nothing a promoted replica lacks.
 */
export interface PersistenceFacts {
  appendonly: string | null;
  appendfsync: string | null;
  connectedReplicas: number;
  role: string;
}

export interface PersistenceVerdict {
  safe: boolean;
  /** What the setting means, one sentence. */
  summary: string;
  /** How to make it safe, when it is not. */
  hint: string | null;
}

export function judgePersistence(f: PersistenceFacts, waitReplicas: number): PersistenceVerdict {
  const replicated = waitReplicas > 0 && f.connectedReplicas >= waitReplicas;
  const aof = f.appendonly === "yes";
  const fsync = f.appendfsync ?? "unknown";
  const setting = aof ? `appendonly yes, appendfsync ${fsync}` : f.appendonly === null ? "persistence unknown (CONFIG GET refused)" : "appendonly no (RDB snapshots at most)";
  const replicas = waitReplicas > 0 ? `; ${f.connectedReplicas}/${waitReplicas} replicas for WAIT` : "";
  if (aof && fsync === "always") return { safe: true, summary: `${setting}${replicas}: nothing answered is lost if Redis dies`, hint: null };
  if (replicated) return { safe: true, summary: `${setting}${replicas}: an answered alert is on ${waitReplicas} replica(s) too`, hint: null };
  const loss = aof && fsync === "everysec" ? "up to 1 s of answered alerts if the Redis machine loses power" : "every answered alert since the last snapshot if Redis stops";
  return {
    safe: false,
    summary: `${setting}${replicas}: can lose ${loss}`,
    hint: "set `appendonly yes` and `appendfsync always` in redis.conf, or run a replica and set redis.waitReplicas",
  };
}

/** Reads the facts from a live server: CONFIG GET where allowed, else INFO (which has no appendfsync). */
export async function readPersistence(r: { config(...a: string[]): Promise<unknown>; info(section: string): Promise<string> }): Promise<PersistenceFacts> {
  const info = (section: string) => r.info(section).then((t) => Object.fromEntries(t.split(/\r?\n/).filter((l) => l.includes(":")).map((l) => l.split(":", 2) as [string, string])));
  const repl = await info("replication");
  let appendonly: string | null = null;
  let appendfsync: string | null = null;
  try {
    const c = (await r.config("GET", "append*")) as string[];
    for (let i = 0; i + 1 < c.length; i += 2) {
      if (c[i] === "appendonly") appendonly = c[i + 1]!;
      if (c[i] === "appendfsync") appendfsync = c[i + 1]!;
    }
  } catch {
    const p = await info("persistence");
    appendonly = p.aof_enabled === "1" ? "yes" : p.aof_enabled === "0" ? "no" : null;
  }
  return { appendonly, appendfsync, connectedReplicas: Number(repl.connected_slaves ?? 0), role: repl.role ?? "unknown" };
}
