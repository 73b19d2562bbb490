/**
 * Webhook benchmark, against the real daemon (`bin/tradectl daemon`, built dist/) in a temp home, as a separate
 * process, with two baselines measured in the same run:
 * - the durable floor (./durable-floor.ts): a bare node:http server that appends each body to a file and fdatasyncs
 *   before answering, the physical floor of a durable accept on this disk;
 * - a bare node:http server (./bare-server.ts) answering a constant 401.
 * (a) accepted-alert latency at 200 alerts/s, open loop, keep-alive: valid buy alerts (paper broker fills; the
 *     journal's WAL fdatasynced per durable commit), interleaved with the floor in rounds of one second at the same
 *     rate, after a 5 s warm-up of each; p50/p90/p99/max of send → full response, beside the floor's, and ratios;
 * (b) saturation: distinct accepted alerts, closed loop with 32 keep-alive connections, daemon vs. floor (alerts/s);
 * (c) rejected-alert (401, wrong passphrase) throughput, closed loop with 32 keep-alive connections, daemon vs. the
 *     bare server, and the ratio.
 * Targets (issue 10): p50 ≤ 1.3 × the floor's p50; p99 ≤ the floor's p99 + 3 ms; 401 throughput ≥ 0.8 × bare.
 *   node --import tsx scripts/bench/webhook.ts
 * TRADECTL_BENCH_CPU_PROF=DIR runs the daemon under --cpu-prof and leaves its .cpuprofile in DIR
 * (read it with scripts/bench/cpu-profile-top.ts); TRADECTL_BENCH_ONLY=accepted|saturation|rejected runs one part.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Agent } from "node:http";
import { closedLoop, openLoop, percentile, post } from "./load.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SECRET = "bench-webhook-secret-0123456789";
const TICKERS = ["9984", "7203", "6758", "8306"] as const;
const PRICES: Record<string, number> = { "9984": 3000, "7203": 2800, "6758": 3300, "8306": 1500 };

export const RATE = 200;
/** Measured rounds of one second each, daemon and floor alternating, so both see the same spells of noise. */
export const ROUNDS = 10;
/**
 * 5 s at the same rate, measured apart: V8 tiers up hot code (the load generator's HTTP client and the daemon's
 * request path) after some hundreds of calls, compiling on a background thread that takes one of the two cores for
 * tens of milliseconds. With 200 alerts of warm-up that happened about 300 alerts into the measured run, even
 * against the bare server (its p99 2.1-2.8 ms with it, 1.6-1.9 ms without).
 */
export const WARMUP_ALERTS = 1_000;
const CONNECTIONS = 32;
const THROUGHPUT_MS = 5_000;
const WARMUP_MS = 1_500;

export const WEBHOOK_TARGETS = { p50RatioToFloor: 1.3, p99OverFloorMs: 3, ratio401: 0.8 } as const;

export const BENCH_CONFIG = {
  risk: { marketHours: "always", maxDailyEntries: 1_000_000, cooldownMinutes: 0 },
  webhook: { rateLimits: { perMinute: 1_000_000_000, perHour: 1_000_000_000, perDay: 1_000_000_000, statusPerMinute: 1_000_000_000 } },
  broker: { paper: { initialCash: 1e15 } },
};

/** Compiles src/ to dist/ once so bin/tradectl runs the current code; keeps going on type errors when dist/ exists. */
export function ensureBuilt(): void {
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
  } catch (err) {
    if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw err;
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? "";
    process.stderr.write(`bench: tsc reported errors; benchmarking the dist/ it emitted anyway:\n${out.split("\n").slice(0, 10).join("\n")}\n`);
  }
}

export interface Child {
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * Spawns a process and waits until `ready` matches its output. With `outputFile` its stdout and stderr go to that
 * file (polled for `ready`): the daemon logs a console line per accepted alert, and through a pipe each would wake
 * this process, the load generator, on the same two cores. Without it they go through a pipe that is drained (a
 * full pipe would block the child).
 */
export async function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, outputFile?: string): Promise<{ child: Child; match: RegExpExecArray }> {
  const fd = outputFile ? openSync(outputFile, "w", 0o600) : null;
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: fd === null ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd] });
  if (fd !== null) closeSync(fd);
  let out = "";
  const keep = (c: Buffer) => {
    if (out.length < 64_000) out += c.toString();
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const output = () => (outputFile ? readFileSync(outputFile, "utf8").slice(-64_000) : out);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 20_000;
  let match: RegExpExecArray | null = null;
  while (!(match = ready.exec(output()))) {
    if (gone) throw new Error(`${args.join(" ")} exited with ${proc.exitCode} before it was ready:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`${args.join(" ")} did not start within 20 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { child: { proc, output, stop }, match };
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const statusList = (m: Map<number, number>): string => [...m].map(([s, n]) => `${s}×${n}`).join(" ");

export async function benchWebhook(): Promise<Record<string, number | string | boolean>> {
  ensureBuilt();
  const home = mkdtempSync(join(tmpdir(), "tradectl-bench-"));
  writeFileSync(join(home, "config.json"), JSON.stringify(BENCH_CONFIG, null, 2), { mode: 0o600 });
  const profDir = process.env.TRADECTL_BENCH_CPU_PROF;
  const nodeArgs = profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : [];
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WEBHOOK_SECRET: SECRET };

  let daemon: Child | undefined;
  let bare: Child | undefined;
  let floor: Child | undefined;
  try {
    const d = await startChild([...nodeArgs, "bin/tradectl", "daemon", "--home", home, "--port", "0"], env, /webhook\s+(http\S+\/webhook)/, join(home, "daemon.out"));
    daemon = d.child;
    const webhookUrl = d.match[1]!;
    const b = await startChild(["scripts/bench/bare-server.ts"], { PATH: env.PATH }, /"listening":"(http[^"]+)"/);
    bare = b.child;
    const bareUrl = `${b.match[1]!}/webhook`;
    const f = await startChild(["scripts/bench/durable-floor.ts", "--file", join(home, "floor.log")], { PATH: env.PATH }, /"listening":"(http[^"]+)"/);
    floor = f.child;
    const floorUrl = `${f.match[1]!}/webhook`;

    const only = process.env.TRADECTL_BENCH_ONLY;
    const health = webhookUrl.replace(/\/webhook$/, "/health");
    const accepted = only && only !== "accepted" ? {} : await acceptedLatency(webhookUrl, floorUrl, daemon);
    // A daemon that fell behind still works through its backlog; the next part starts once it is idle again.
    await drained(health);
    const saturated = only && only !== "saturation" ? {} : await saturation(webhookUrl, floorUrl);
    await drained(health);
    const rejected = only && only !== "rejected" ? {} : await rejectedThroughput(webhookUrl, bareUrl);
    return { ...accepted, ...saturated, ...rejected };
  } finally {
    await bare?.stop();
    await floor?.stop();
    const code = await daemon?.stop();
    if (code !== undefined && code !== 0) process.stderr.write(`bench: daemon exited with ${code}:\n${daemon?.output().slice(-2000)}\n`);
    rmSync(home, { recursive: true, force: true });
  }
}

/** Waits until GET /health answers within 50 ms (at most 120 s). */
export async function drained(healthUrl: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    try {
      await fetch(healthUrl, { signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer());
      if (performance.now() - t0 < 50) return;
    } catch {
      // still busy
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the daemon did not drain its backlog within 120 s");
}

/** Distinct valid buy alerts: timestamps are unique, so each alert's idempotency key differs. */
export function alertBodies(): (i: number) => string {
  let lastTs = 0;
  return (i: number): string => {
    const ts = Math.max(Date.now(), lastTs + 1);
    lastTs = ts;
    const ticker = TICKERS[i % TICKERS.length]!;
    return JSON.stringify({ action: "buy", ticker, quantity: 100, price: "market", entry_price: PRICES[ticker], timestamp: String(ts), passphrase: SECRET });
  };
}

export interface Samples {
  latencies: number[];
  non200: number;
  skipped: number;
  maxSendLagMs: number;
  samples: string[];
}

export const emptySamples = (): Samples => ({ latencies: [], non200: 0, skipped: 0, maxSendLagMs: 0, samples: [] });

export async function segment(into: Samples, url: string, agent: Agent, count: number, body: (i: number) => string, okStatuses: number[] = [200]): Promise<void> {
  const run = await openLoop({ url, ratePerSecond: RATE, count, body, agent });
  into.latencies.push(...run.latencies);
  into.non200 += run.sent - okStatuses.reduce((n, s) => n + (run.statuses.get(s) ?? 0), 0);
  into.skipped += run.skipped;
  into.maxSendLagMs = Math.max(into.maxSendLagMs, run.maxSendLagMs);
  if (into.samples.length < 5) into.samples.push(...run.samples);
}

export function figures(prefix: string, s: Samples): Record<string, number> {
  const lat = [...s.latencies].sort((x, y) => x - y);
  return {
    [`${prefix}_p50_ms`]: round(percentile(lat, 50)),
    [`${prefix}_p90_ms`]: round(percentile(lat, 90)),
    [`${prefix}_p99_ms`]: round(percentile(lat, 99)),
    [`${prefix}_max_ms`]: round(lat[lat.length - 1] ?? NaN),
  };
}

/**
 * (a) Accepted alerts at RATE/s, open loop, daemon and floor alternating one-second rounds on their own warm
 * connections, after a warm-up of each at the same rate (whose own figures are printed, cold code included).
 */
async function acceptedLatency(webhookUrl: string, floorUrl: string, daemon: Child): Promise<Record<string, number | boolean>> {
  const body = alertBodies();
  const dAgent = new Agent({ keepAlive: true, maxSockets: 512 });
  const fAgent = new Agent({ keepAlive: true, maxSockets: 512 });
  const warmD = emptySamples();
  const warmF = emptySamples();
  await segment(warmD, webhookUrl, dAgent, WARMUP_ALERTS, body);
  if (warmD.non200 > 0) throw new Error(`warm-up alerts not all accepted:\n${warmD.samples.join("\n")}\n${daemon.output().slice(-2000)}`);
  await segment(warmF, floorUrl, fAgent, WARMUP_ALERTS, body);
  const d = emptySamples();
  const f = emptySamples();
  for (let r = 0; r < ROUNDS; r++) {
    await segment(d, webhookUrl, dAgent, RATE, body);
    await segment(f, floorUrl, fAgent, RATE, body);
  }
  dAgent.destroy();
  fAgent.destroy();
  if (d.non200 > 0) process.stderr.write(`bench: ${d.non200} alerts not answered 200:\n${d.samples.join("\n")}\n`);
  const df = figures("accepted", d);
  const ff = figures("floor", f);
  const p50Ratio = df.accepted_p50_ms! / ff.floor_p50_ms!;
  const p99Over = df.accepted_p99_ms! - ff.floor_p99_ms!;
  const clean = d.non200 === 0 && d.skipped === 0 && f.non200 === 0;
  return {
    accepted_alerts: d.latencies.length - d.non200,
    accepted_rate_per_s: RATE,
    ...df,
    ...ff,
    accepted_p50_ratio_to_floor: round(p50Ratio, 3),
    target_accepted_p50_ratio_to_floor: WEBHOOK_TARGETS.p50RatioToFloor,
    ok_accepted_p50_ratio_to_floor: p50Ratio <= WEBHOOK_TARGETS.p50RatioToFloor && clean,
    accepted_p99_over_floor_ms: round(p99Over),
    target_accepted_p99_over_floor_ms: WEBHOOK_TARGETS.p99OverFloorMs,
    ok_accepted_p99_over_floor_ms: p99Over <= WEBHOOK_TARGETS.p99OverFloorMs && clean,
    accepted_non200: d.non200,
    accepted_skipped_sends: d.skipped,
    accepted_client_max_send_lag_ms: round(Math.max(d.maxSendLagMs, f.maxSendLagMs)),
    ...figures("accepted_warmup", warmD),
    ...figures("floor_warmup", warmF),
  };
}

/** (b) Saturation: distinct valid alerts, closed loop, every one durable; daemon, then the floor, each warmed first. */
async function saturation(webhookUrl: string, floorUrl: string): Promise<Record<string, number | boolean>> {
  const body = alertBodies();
  await closedLoop({ url: webhookUrl, connections: CONNECTIONS, durationMs: WARMUP_MS, body });
  const d = await closedLoop({ url: webhookUrl, connections: CONNECTIONS, durationMs: THROUGHPUT_MS, body });
  await closedLoop({ url: floorUrl, connections: CONNECTIONS, durationMs: WARMUP_MS, body });
  const f = await closedLoop({ url: floorUrl, connections: CONNECTIONS, durationMs: THROUGHPUT_MS, body });
  return {
    saturation_connections: CONNECTIONS,
    saturation_daemon_alerts_per_s: Math.round(d.perSecond),
    saturation_floor_per_s: Math.round(f.perSecond),
    saturation_ratio_to_floor: round(d.perSecond / f.perSecond, 3),
    saturation_daemon_non200: d.requests - (d.statuses.get(200) ?? 0),
  };
}

/** (c) Rejected alerts (wrong passphrase → 401), closed loop; daemon, then the bare server, each warmed first. */
async function rejectedThroughput(webhookUrl: string, bareUrl: string): Promise<Record<string, number | boolean>> {
  const wrong = JSON.stringify({ action: "buy", ticker: "9984", quantity: 100, price: "market", timestamp: String(Date.now()), passphrase: "wrong-passphrase-0123456789" });
  const probeAgent = new Agent();
  const probe = await post(probeAgent, new URL(webhookUrl), wrong);
  probeAgent.destroy();
  if (probe.status !== 401) throw new Error(`a wrong passphrase got ${probe.status}, expected 401: ${probe.body}`);
  await closedLoop({ url: webhookUrl, connections: CONNECTIONS, durationMs: WARMUP_MS, body: wrong });
  const d401 = await closedLoop({ url: webhookUrl, connections: CONNECTIONS, durationMs: THROUGHPUT_MS, body: wrong });
  await closedLoop({ url: bareUrl, connections: CONNECTIONS, durationMs: WARMUP_MS, body: wrong });
  const b401 = await closedLoop({ url: bareUrl, connections: CONNECTIONS, durationMs: THROUGHPUT_MS, body: wrong });
  const daemonNon401 = d401.requests - (d401.statuses.get(401) ?? 0);
  const ratio = d401.perSecond / b401.perSecond;
  return {
    rejected401_connections: CONNECTIONS,
    rejected401_daemon_rps: Math.round(d401.perSecond),
    rejected401_bare_rps: Math.round(b401.perSecond),
    rejected401_ratio: round(ratio, 3),
    rejected401_daemon_non401: daemonNon401,
    target_rejected401_ratio: WEBHOOK_TARGETS.ratio401,
    ok_rejected401_ratio: ratio >= WEBHOOK_TARGETS.ratio401 && daemonNon401 === 0,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchWebhook();
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}
