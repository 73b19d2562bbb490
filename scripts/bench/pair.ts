/**
 * The hot-standby pair's benchmark, against real processes (bin/tradectl daemon, built dist/) and a real
 * redis-server (Debian's; appendonly yes, appendfsync always, in a temp folder), with its baselines in the same run:
 * (a) accepted-alert latency and throughput at 200 alerts/s, open loop, keep-alive, in one-second rounds taken in
 *     turn by: the SQLite-only daemon, the pair's leader, the pair's follower (its answers are 202: the leader
 *     executes), and the durable floor (./durable-floor.ts); each warmed up first. p50/p90/p99/max per target, the
 *     alerts per second each took, and the pair's ratios to the SQLite daemon and to the floor;
 * (b) failover, 20 times: the leader is SIGKILLed and an alert is sent to the follower at once; the time from the
 *     kill to that order's send by the new leader (its `submitted_at`), beside the lease. The killed daemon is
 *     started again as the follower for the next round.
 *   node --import tsx scripts/bench/pair.ts      (TRADECTL_BENCH_ONLY=latency|failover runs one part)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { percentile } from "./load.js";
import { alertBodies, BENCH_CONFIG, emptySamples, ensureBuilt, figures, RATE, ROUNDS, round, SECRET, segment, startChild, WARMUP_ALERTS, type Child } from "./webhook.js";

const LEASE_MS = 1000;
const FAILOVERS = 20;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function startRedisServer(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  for (let i = 0; ; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG") break;
    if (i > 200) throw new Error("redis-server did not start");
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

const env = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WEBHOOK_SECRET: SECRET });
const READY = /webhook\s+(http\S+\/webhook)/;

interface Daemon {
  child: Child;
  url: string;
  home: string;
}

async function daemon(root: string, name: string, extra: Record<string, unknown> = {}, reuseHome?: string): Promise<Daemon> {
  const home = reuseHome ?? join(root, name);
  if (!reuseHome) {
    spawnSync("mkdir", ["-p", home]);
    writeFileSync(join(home, "config.json"), JSON.stringify({ ...BENCH_CONFIG, ...extra }, null, 2), { mode: 0o600 });
  }
  const d = await startChild(["bin/tradectl", "daemon", "--home", home, "--port", "0"], env(), READY, join(home, `daemon-${Date.now()}.out`));
  return { child: d.child, url: d.match[1]!, home };
}

const pairExtra = (redisUrl: string, node: string, name: string) => ({ redis: { url: redisUrl }, cluster: { name, node, leaseMs: LEASE_MS } });

/** GET over the daemon's socket. */
function socketGet(home: string, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(home, "tradectl.sock"), path, method: "GET" }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text).data);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await probe();
      if (ok(v)) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const role = (d: Daemon) => socketGet(d.home, "/status").then((s) => s.cluster as { role: string; leader: string | null });

async function latency(root: string, redisUrl: string): Promise<Record<string, number | boolean>> {
  const solo = await daemon(root, "solo");
  const leader = await daemon(root, "leader", pairExtra(redisUrl, "leader", "bench"));
  await waitFor("the leader's lease", () => role(leader), (c) => c.role === "leader");
  const follower = await daemon(root, "follower", pairExtra(redisUrl, "follower", "bench"));
  await waitFor("the follower", () => role(follower), (c) => c.leader === "leader");
  const floor = await startChild(["scripts/bench/durable-floor.ts", "--file", join(root, "floor.log")], { PATH: env().PATH }, /"listening":"(http[^"]+)"/);
  const targets = [
    { name: "sqlite", url: solo.url, ok: [200] },
    // The leader answers 202 when its order waits behind another of its ticker: accepted and durable all the same.
    { name: "leader", url: leader.url, ok: [200, 202] },
    { name: "follower", url: follower.url, ok: [202] },
    { name: "floor", url: `${floor.match[1]!}/webhook`, ok: [200] },
  ];
  try {
    const body = alertBodies();
    const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: 512 }));
    const samples = targets.map(() => emptySamples());
    for (const [i, t] of targets.entries()) {
      const warm = emptySamples();
      await segment(warm, t.url, agents[i]!, WARMUP_ALERTS, body, t.ok);
      if (warm.non200 > 0) throw new Error(`bench: ${t.name} warm-up not all ${t.ok}: ${warm.samples.join("\n")}`);
    }
    const elapsed = targets.map(() => 0);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, t] of targets.entries()) {
        const t0 = performance.now();
        await segment(samples[i]!, t.url, agents[i]!, RATE, body, t.ok);
        elapsed[i]! += performance.now() - t0;
      }
    }
    for (const a of agents) a.destroy();
    const out: Record<string, number | boolean> = { rate_per_s: RATE };
    for (const [i, t] of targets.entries()) {
      Object.assign(out, figures(t.name, samples[i]!));
      out[`${t.name}_answered_per_s`] = round((samples[i]!.latencies.length - samples[i]!.non200) / (elapsed[i]! / 1000), 1);
      out[`${t.name}_not_ok`] = samples[i]!.non200;
    }
    for (const t of ["leader", "follower"]) {
      out[`${t}_p50_ratio_to_sqlite`] = round((out[`${t}_p50_ms`] as number) / (out.sqlite_p50_ms as number), 3);
      out[`${t}_p99_ratio_to_sqlite`] = round((out[`${t}_p99_ms`] as number) / (out.sqlite_p99_ms as number), 3);
      out[`${t}_p50_ratio_to_floor`] = round((out[`${t}_p50_ms`] as number) / (out.floor_p50_ms as number), 3);
    }
    return out;
  } finally {
    await floor.child.stop();
    for (const d of [follower, leader, solo]) await d.child.stop();
  }
}

async function failover(root: string, redisUrl: string): Promise<Record<string, number | boolean>> {
  const name = `failover-${Date.now()}`;
  let lead = await daemon(root, "fa", pairExtra(redisUrl, "fa", name));
  await waitFor("fa to lead", () => role(lead), (c) => c.role === "leader");
  let follow = await daemon(root, "fb", pairExtra(redisUrl, "fb", name));
  await waitFor("fb to follow", () => role(follow), (c) => c.leader === "fa");
  const times: number[] = [];
  const body = alertBodies();
  try {
    for (let i = 0; i < FAILOVERS; i++) {
      const killedAt = Date.now();
      lead.child.proc.kill("SIGKILL");
      await new Promise((r) => lead.child.proc.once("exit", r));
      const res = await fetch(follow.url, { method: "POST", headers: { "content-type": "application/json" }, body: body(i) });
      const answer = (await res.json()) as { data?: { order_id?: string } };
      const id = answer.data?.order_id;
      if (!id) throw new Error(`bench: the follower did not accept the alert: ${JSON.stringify(answer)}`);
      const order = await waitFor(`${id} sent by the new leader`, () => socketGet(follow.home, `/orders/${id}`), (o: { submitted_at: string | null }) => o?.submitted_at !== null);
      times.push(Date.parse(order.submitted_at) - killedAt);
      const dead = lead;
      lead = follow;
      follow = await daemon(root, "", {}, dead.home);
      await waitFor("the restarted daemon to follow", () => role(follow), (c) => c.role === "follower" && c.leader !== null);
    }
  } finally {
    await follow.child.stop();
    await lead.child.stop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const max = sorted[sorted.length - 1]!;
  return {
    failover_runs: times.length,
    failover_lease_ms: LEASE_MS,
    failover_min_ms: sorted[0]!,
    failover_p50_ms: round(percentile(sorted, 50)),
    failover_p90_ms: round(percentile(sorted, 90)),
    failover_max_ms: max,
    failover_max_ratio_to_lease: round(max / LEASE_MS, 3),
    target_failover_max_ratio_to_lease: 1.25,
    ok_failover_max_ratio_to_lease: max / LEASE_MS <= 1.25,
  };
}

export async function benchPair(): Promise<Record<string, number | string | boolean>> {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return { skipped: "redis-server is not installed (apt-get install redis-server)" };
  ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), "tradectl-bench-pair-"));
  const redis = await startRedisServer(root);
  try {
    const only = process.env.TRADECTL_BENCH_ONLY;
    const lat = only && only !== "latency" ? {} : await latency(root, redis.url);
    const fo = only && only !== "failover" ? {} : await failover(root, redis.url);
    return { ...lat, ...fo };
  } finally {
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(await benchPair(), null, 2) + "\n");
}
