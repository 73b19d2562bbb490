/**
 * Relay benchmark: one sender daemon fanning out to N receiver daemons on loopback (bin/tradectl, paper brokers,
 * journals synced per durable commit, each in its own temp home), at N = 1, 10 and 50. Alerts go to the sender's
 * channel inbound URL at a fixed rate (open loop); each delivery's time runs from the sender's receipt of the alert to the
 * moment the receiver's admission answer is back at the sender (both stamped in the sender, from its journal's
 * outbox). Two baselines, in the same run, timed the same way: the same POSTs from a bare node:http sender
 * (./relay-bare-sender.ts) to N bare node:http receivers (./bare-server.ts), each a process of its own; and the
 * durable floor: the same with the sender appending and fdatasyncing each alert before it fans out and each receiver
 * each delivery before it answers (./durable-floor.ts), what one fsync per hop costs on this disk with N+1
 * processes syncing at once. Also the CPU time each side spends per delivery.
 * Target (issue 11): at N = 10, p99 ≤ 10 ms.
 *   node --import tsx scripts/bench/relay.ts            (TRADECTL_BENCH_RELAY_N=1,10 to choose the sizes)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { openLoop, percentile } from "./load.js";
import { ensureBuilt, startChild, type Child } from "./webhook.js";

const SECRET = "bench-relay-secret-0123456789";
const SIZES = (process.env.TRADECTL_BENCH_RELAY_N ?? "1,10,50").split(",").map(Number);
const RATE = 10;
const WARMUP = 50;
const MEASURED = 150;
const TARGET_P99_AT_10 = 10;
const TICKERS = ["9984", "7203", "6758", "8306"] as const;

const CONFIG = {
  risk: { marketHours: "always", maxDailyEntries: 1_000_000, cooldownMinutes: 0 },
  webhook: { rateLimits: { perMinute: 1_000_000_000, perHour: 1_000_000_000, perDay: 1_000_000_000, statusPerMinute: 1_000_000_000 } },
  broker: { paper: { initialCash: 1e15 } },
  log: { level: "warn" },
};

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * CPU time (user + system, ms) the processes have used so far, from /proc: on a machine shared with other work the
 * latencies measure the queue for the cores as much as the code, the CPU spent per delivery does not.
 */
function cpuMs(children: Child[]): number {
  let ticks = 0;
  for (const c of children) {
    try {
      const f = readFileSync(`/proc/${c.proc.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // not on Linux, or gone
    }
  }
  return (ticks * 1000) / 100;
}

/** One call to a daemon's socket; the route's `data`. */
function socket<T>(socketPath: string, method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {} }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        const parsed = JSON.parse(text) as { data?: T; message?: string };
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${parsed.message}`));
        else resolve(parsed.data as T);
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

interface Daemon {
  child: Child;
  home: string;
  url: string;
  socketPath: string;
}

async function startDaemon(root: string, name: string, nodeArgs: string[] = []): Promise<Daemon> {
  const home = join(root, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, "config.json"), JSON.stringify(CONFIG), { mode: 0o600 });
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WEBHOOK_SECRET: SECRET };
  const { child, match } = await startChild([...nodeArgs, "bin/tradectl", "daemon", "--home", home, "--port", "0"], env, /webhook\s+(http\S+)\/webhook/, join(home, "daemon.out"));
  return { child, home, url: match[1]!, socketPath: join(home, "tradectl.sock") };
}

/** Starts `n` at a time: 50 daemons starting at once would make every start slow on two cores. */
async function inBatches<T>(count: number, batch: number, start: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => start(i + k)))));
  return out;
}

function alerts(passphrase: string, offset: number): (i: number) => string {
  const t0 = Date.now();
  return (i) => {
    const ticker = TICKERS[i % TICKERS.length]!;
    return JSON.stringify({ action: "buy", ticker, quantity: 100, price: "market", entry_price: 3000, timestamp: String(t0 + offset + i), passphrase });
  };
}

function stats(prefix: string, v: number[]): Record<string, number> {
  const s = [...v].sort((a, b) => a - b);
  return { [`${prefix}_p50_ms`]: round(percentile(s, 50)), [`${prefix}_p99_ms`]: round(percentile(s, 99)), [`${prefix}_max_ms`]: round(s.at(-1) ?? 0) };
}

/** The sender's outbox after the run: receipt → the receiver's answer back at the sender, per delivery. */
function deliveryTimes(home: string, from: number): { times: number[]; notDelivered: number } {
  const db = new DatabaseSync(join(home, "tradectl.db"), { readOnly: true });
  try {
    const mine = db.prepare("SELECT status, received_at, acked_at FROM relay_deliveries WHERE received_at >= ?").all(from) as Array<{ status: string; received_at: number; acked_at: number | null }>;
    return { times: mine.filter((r) => r.status === "delivered" && r.acked_at !== null).map((r) => r.acked_at! - r.received_at), notDelivered: mine.filter((r) => r.status !== "delivered").length };
  } finally {
    db.close();
  }
}

async function waitDrained(sender: Daemon, expected: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const rows = await socket<Array<{ delivered: number; rejected: number; expired: number; pending: number }>>(sender.socketPath, "GET", "/relay/status");
    const ended = rows.reduce((a, r) => a + r.delivered + r.rejected + r.expired, 0);
    if (ended >= expected && rows.every((r) => r.pending === 0)) return;
    if (Date.now() > deadline) throw new Error(`relay bench: ${ended} of ${expected} deliveries ended after 180 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function relayAt(n: number, root: string): Promise<Record<string, number | boolean>> {
  const children: Child[] = [];
  try {
    const profDir = process.env.TRADECTL_BENCH_CPU_PROF;
    const sender = await startDaemon(root, `n${n}-sender`, profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : []);
    children.push(sender.child);
    const receiverProf = process.env.TRADECTL_BENCH_CPU_PROF_RECEIVER;
    const receivers = await inBatches(n, 5, (i) => startDaemon(root, `n${n}-r${i}`, receiverProf && i === 0 ? ["--cpu-prof", "--cpu-prof-dir", receiverProf] : []));
    children.push(...receivers.map((r) => r.child));
    const channel = await socket<{ id: string; passphrase: string; inbound_url: string }>(sender.socketPath, "POST", "/relay/channels", { name: "bench" });
    for (const r of receivers) {
      const inv = await socket<{ url: string }>(sender.socketPath, "POST", "/relay/channels/bench/invitations", {});
      await socket(r.socketPath, "POST", "/relay/subscriptions", { url: inv.url, sizing: 1 });
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await openLoop({ url: channel.inbound_url, ratePerSecond: RATE, count: WARMUP, body: alerts(channel.passphrase, 0), agent });
    await waitDrained(sender, WARMUP * n);
    // The measured alerts are those the sender received from here on.
    const from = performance.timeOrigin + performance.now();
    const cpu0 = { sender: cpuMs([sender.child]), receivers: cpuMs(receivers.map((r) => r.child)) };
    const sent = await openLoop({ url: channel.inbound_url, ratePerSecond: RATE, count: MEASURED, body: alerts(channel.passphrase, 10_000), agent });
    if ((sent.statuses.get(202) ?? 0) !== MEASURED) throw new Error(`relay bench: inbound answers ${[...sent.statuses].join(" ")}: ${sent.samples.join(" | ")}`);
    await waitDrained(sender, (WARMUP + MEASURED) * n);
    const cpu = { sender: cpuMs([sender.child]) - cpu0.sender, receivers: cpuMs(receivers.map((r) => r.child)) - cpu0.receivers };
    agent.destroy();
    const daemon = deliveryTimes(sender.home, from);
    if (process.env.TRADECTL_BENCH_RELAY_HOPS) {
      const hops = await socket<Array<{ hops: Record<string, { p50_ms: number; p99_ms: number }> }>>(sender.socketPath, "GET", "/relay/status");
      process.stderr.write(`bench: relay hops at N = ${n} (first receiver): ${JSON.stringify(hops[0]?.hops)}\n`);
    }

    // The baselines: bare receivers in processes of their own, a bare sender fanning out to them; then the durable
    // floor: the same with every alert and every delivery appended and fdatasynced before it is answered.
    const bare = await baseline(n, [], root, children);
    const floor = await baseline(n, ["--file", join(root, `n${n}-floor-sender.log`)], root, children, (i) => ["scripts/bench/durable-floor.ts", "--file", join(root, `n${n}-floor-${i}.log`)]);

    const d = stats(`n${n}_relay`, daemon.times);
    const b = stats(`n${n}_bare`, bare.latencies);
    const f = stats(`n${n}_floor`, floor.latencies);
    const out: Record<string, number | boolean> = {
      ...d,
      ...b,
      ...f,
      [`n${n}_p50_ratio`]: round(d[`n${n}_relay_p50_ms`]! / b[`n${n}_bare_p50_ms`]!),
      [`n${n}_p99_ratio`]: round(d[`n${n}_relay_p99_ms`]! / b[`n${n}_bare_p99_ms`]!),
      [`n${n}_p50_ratio_to_floor`]: round(d[`n${n}_relay_p50_ms`]! / f[`n${n}_floor_p50_ms`]!),
      [`n${n}_p99_ratio_to_floor`]: round(d[`n${n}_relay_p99_ms`]! / f[`n${n}_floor_p99_ms`]!),
      [`n${n}_deliveries`]: daemon.times.length,
      [`n${n}_not_delivered`]: daemon.notDelivered + (MEASURED * n - daemon.times.length - daemon.notDelivered),
      [`n${n}_bare_failed`]: bare.failed + floor.failed,
      // CPU per delivery: the sender's and the receivers' (the sender's includes its share of each publication).
      [`n${n}_relay_sender_cpu_ms_per_delivery`]: round(cpu.sender / (MEASURED * n), 3),
      [`n${n}_relay_receiver_cpu_ms_per_delivery`]: round(cpu.receivers / (MEASURED * n), 3),
      [`n${n}_bare_cpu_ms_per_delivery`]: round(bare.cpuMs / (MEASURED * n), 3),
    };
    if (n === 10) {
      out.target_n10_relay_p99_ms = TARGET_P99_AT_10;
      out.ok_n10_relay_p99_ms = d.n10_relay_p99_ms! <= TARGET_P99_AT_10;
    }
    return out;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

/**
 * A baseline run: N receivers (bare answers, or the durable floor's) in processes of their own, a bare sender
 * fanning out to them, the same alerts at the same rate; the answer times and the CPU they used.
 */
async function baseline(n: number, senderArgs: string[], _root: string, children: Child[], receiver: (i: number) => string[] = () => ["scripts/bench/bare-server.ts", "--status", "200"]): Promise<{ latencies: number[]; failed: number; cpuMs: number }> {
  const path = { PATH: process.env.PATH ?? "" };
  const ready = /"listening":"(http[^"]+)"/;
  const receivers = await inBatches(n, 10, (i) => startChild(receiver(i), path, ready));
  const sender = await startChild(["scripts/bench/relay-bare-sender.ts", "--receivers", receivers.map((b) => `${b.match[1]}/deliver`).join(","), ...senderArgs], path, ready);
  const procs = [sender.child, ...receivers.map((b) => b.child)];
  children.push(...procs);
  const url = sender.match[1]!;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const body = alerts("x".repeat(32), 0); // the same alert bodies the daemon gets
  try {
    await openLoop({ url: `${url}/in`, ratePerSecond: RATE, count: WARMUP, body, agent });
    await bareStats(url, WARMUP * n);
    const cpu0 = cpuMs(procs);
    await openLoop({ url: `${url}/in`, ratePerSecond: RATE, count: MEASURED, body, agent });
    const s = await bareStats(url, MEASURED * n);
    return { ...s, cpuMs: cpuMs(procs) - cpu0 };
  } finally {
    agent.destroy();
    await Promise.all(procs.map((c) => c.stop()));
  }
}

/** The bare sender's answer times, read until `expected` answers (or failures) are in. */
async function bareStats(url: string, expected = 0): Promise<{ latencies: number[]; failed: number }> {
  const all = { latencies: [] as number[], failed: 0 };
  const deadline = Date.now() + 60_000;
  do {
    const s = (await (await fetch(`${url}/stats`)).json()) as { latencies: number[]; failed: number };
    all.latencies.push(...s.latencies);
    all.failed += s.failed;
    if (all.latencies.length + all.failed >= expected) break;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  return all;
}

export async function benchRelay(): Promise<Record<string, number | boolean>> {
  ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), "tradectl-bench-relay-"));
  try {
    const out: Record<string, number | boolean> = {};
    for (const n of SIZES) {
      process.stderr.write(`bench: relay at N = ${n}…\n`);
      Object.assign(out, await relayAt(n, root));
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await benchRelay(), null, 2)}\n`);
}
