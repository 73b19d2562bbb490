/**
 * Notifications and metrics benchmark: accepted-alert latency at 200 alerts/s with notifications and metrics on,
 * against the same daemon build with both off, in the same run: three pairs, off then on (fresh daemons, each after
 * its own 5 s warm-up at the same rate); the ratios are the median of the three pairs' ratios, so a noisy spell of a
 * shared machine that hits one run moves them less. "On" is the worst case the issue names: four channels, every
 * fill notified to each of them —
 *   Telegram (the fake Bot API, healthy: one message a second, so fills are batched),
 *   Discord answering every request 429 with retry_after,
 *   Slack answering every request 500,
 *   a signed webhook whose receiver never answers (each request times out),
 * plus metrics collected and scraped from the loopback port every second (by scripts/bench/scraper.ts, a process of
 * its own).
 * Target: p50 and p99 "on" within 10 % and 25 % of "off" (the accept path must not feel the notifications).
 *   node --import tsx scripts/bench/notify.ts
 * TRADECTL_BENCH_CPU_PROF=DIR leaves each daemon's CPU profile in DIR (on-*.cpuprofile, off-*.cpuprofile).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { openLoop, percentile } from "./load.js";
import { ensureBuilt } from "./webhook.js";
import { benchNotifyInProcess } from "./notify-inproc.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = "bench-notify-secret-0123456789";
const RATE = 200;
const WARMUP_ALERTS = 1_000;
const MEASURED_ALERTS = 2_000;
const TOKEN = "7700112233:bench-telegram-token-0123456789";
const CHAT = "4242";
const DISCORD = "1000/bench-discord-token";
const SLACK = "/services/T1/B1/benchslacktoken";
const TICKERS = ["9984", "7203", "6758", "8306"] as const;
export const NOTIFY_TARGETS = { p50Ratio: 1.1, p99Ratio: 1.25 } as const;

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function startFakeChat(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/fake-chat/main.ts", "--port", "0", "--telegram-token", TOKEN, "--telegram-chat", CHAT, "--discord-webhook", DISCORD, "--slack-path", SLACK],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake-chat exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { listening: string }).listening, child };
}

/** scripts/bench/scraper.ts in its own process: /metrics every second, as a Prometheus would (a fast one). */
function startScraper(url: string): { stop(): Promise<number> } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/scraper.ts", url, "1000"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    stop: async () => {
      child.kill("SIGTERM");
      await closed;
      try {
        return (JSON.parse(out) as { scrapes: number }).scrapes;
      } catch {
        return 0;
      }
    },
  };
}

/** A webhook receiver that reads each request and never answers. */
async function blackhole(): Promise<{ url: string; close(): void }> {
  const server = createServer((req) => req.resume());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const close = () => {
    server.close();
    server.closeAllConnections();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close };
}

interface Daemon {
  url: string;
  metricsUrl: string | null;
  /** CPU seconds the daemon process has used (user + system), from /proc. */
  cpuSeconds(): number;
  stop(): Promise<number | null>;
}

/** utime + stime of a process, in seconds (Linux /proc/PID/stat, clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startDaemon(config: Record<string, unknown>, env: Record<string, string>): Promise<Daemon> {
  const home = mkdtempSync(join(tmpdir(), "tradectl-bench-notify-"));
  writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  const outFile = join(home, "daemon.out");
  const fd = openSync(outFile, "w", 0o600);
  const prof = process.env.TRADECTL_BENCH_CPU_PROF;
  const nodeArgs = prof ? ["--cpu-prof", "--cpu-prof-dir", prof, "--cpu-prof-name", `${config.metrics && (config.metrics as { enabled: boolean }).enabled ? "on" : "off"}-${Date.now()}.cpuprofile`] : [];
  const proc = spawn(process.execPath, [...nodeArgs, "bin/tradectl", "daemon", "--home", home, "--port", "0"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WEBHOOK_SECRET: SECRET, ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  let out = "";
  let m: RegExpExecArray | null = null;
  while (!(m = /webhook\s+(http\S+\/webhook)/.exec((out = readFileSync(outFile, "utf8"))))) {
    if (proc.exitCode !== null) throw new Error(`daemon exited before it was ready:\n${out}`);
    if (Date.now() > deadline) throw new Error(`daemon did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const metrics = /"metrics":"(http[^"]+)"/.exec(out);
  return {
    url: m[1]!,
    metricsUrl: metrics ? metrics[1]! : null,
    cpuSeconds: () => cpuSecondsOf(proc.pid!),
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const code = await exited;
      rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

const BASE = {
  risk: { marketHours: "always", maxDailyEntries: 1_000_000, cooldownMinutes: 0 },
  webhook: { rateLimits: { perMinute: 1_000_000_000, perHour: 1_000_000_000, perDay: 1_000_000_000, statusPerMinute: 1_000_000_000 } },
  broker: { paper: { initialCash: 1e15 } },
};

async function measure(webhookUrl: string, cpuSeconds: () => number): Promise<{ p50: number; p99: number; non200: number; cpuMsPerAlert: number }> {
  let lastTs = 0;
  const body = (i: number): string => {
    const ts = Math.max(Date.now(), lastTs + 1);
    lastTs = ts;
    return JSON.stringify({ action: "buy", ticker: TICKERS[i % TICKERS.length], quantity: 100, price: "market", entry_price: 3000, timestamp: String(ts), passphrase: SECRET });
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  await openLoop({ url: webhookUrl, ratePerSecond: RATE, count: WARMUP_ALERTS, body, agent });
  const cpu0 = cpuSeconds();
  const run = await openLoop({ url: webhookUrl, ratePerSecond: RATE, count: MEASURED_ALERTS, body, agent });
  const cpuMsPerAlert = ((cpuSeconds() - cpu0) * 1000) / MEASURED_ALERTS;
  agent.destroy();
  const lat = [...run.latencies].sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), non200: run.sent - (run.statuses.get(200) ?? 0), cpuMsPerAlert };
}

export async function benchNotify(): Promise<Record<string, number | string | boolean>> {
  ensureBuilt();
  const chat = await startFakeChat();
  const hole = await blackhole();
  // Discord: 429 to everything; Slack: 500 to everything (the Telegram chat stays healthy).
  await fetch(`${chat.url}/_control`, { method: "POST", body: JSON.stringify({ discord: { rateLimitNext: 1e9, retryAfterSeconds: 1 }, slack: { failNext: 1e9 } }) });
  const on = {
    ...BASE,
    metrics: { enabled: true, port: 0 },
    notify: {
      batchDelayMs: 500,
      channels: [
        { name: "phone", kind: "telegram", chatId: CHAT, apiUrl: chat.url, events: ["order.filled", "system.*"] },
        { name: "desk", kind: "discord", events: ["order.filled"] },
        { name: "team", kind: "slack", events: ["order.filled"] },
        { name: "ops", kind: "webhook", url: hole.url, timeoutMs: 2000, events: ["order.filled"] },
      ],
    },
  };
  const off = { ...BASE, metrics: { enabled: false, port: null } };
  const env = { TELEGRAM_BOT_TOKEN: TOKEN, DISCORD_WEBHOOK_URL: `${chat.url}/api/webhooks/${DISCORD}`, SLACK_WEBHOOK_URL: `${chat.url}${SLACK}`, NOTIFY_WEBHOOK_SECRET: "bench-signing-key-0123456789" };
  const results: Record<"off" | "on", Array<{ p50: number; p99: number; non200: number; cpuMsPerAlert: number }>> = { off: [], on: [] };
  let scrapes = 0;
  let lastScrape = "";
  try {
    const modes = (process.env.TRADECTL_BENCH_NOTIFY_MODES?.split(",") ?? ["off", "on", "off", "on", "off", "on"]) as Array<"off" | "on">;
    for (const mode of modes) {
      process.stderr.write(`bench: notify ${mode}…\n`);
      const d = await startDaemon(mode === "on" ? on : off, env);
      const scraper = d.metricsUrl ? startScraper(d.metricsUrl) : null;
      try {
        const r = await measure(d.url, d.cpuSeconds);
        results[mode].push(r);
        process.stderr.write(`bench: notify ${mode}: p50 ${round(r.p50)} ms, p99 ${round(r.p99)} ms, ${round(r.cpuMsPerAlert, 3)} CPU ms per alert\n`);
        if (d.metricsUrl) lastScrape = await fetch(d.metricsUrl).then((r) => r.text());
      } finally {
        if (scraper) scrapes += await scraper.stop();
        await d.stop();
      }
    }
  } finally {
    hole.close();
    chat.child.kill("SIGTERM");
  }
  const lines = lastScrape.split("\n");
  const metric = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const offP50 = median(results.off.map((r) => r.p50));
  const onP50 = median(results.on.map((r) => r.p50));
  const offP99 = median(results.off.map((r) => r.p99));
  const onP99 = median(results.on.map((r) => r.p99));
  const pairs = results.on.slice(0, results.off.length);
  const p50Ratio = median(pairs.map((r, i) => r.p50 / results.off[i]!.p50));
  const p99Ratio = median(pairs.map((r, i) => r.p99 / results.off[i]!.p99));
  const non200 = [...results.off, ...results.on].reduce((s, r) => s + r.non200, 0);
  const inproc = await benchNotifyInProcess();
  return {
    ...inproc,
    rate_per_s: RATE,
    off_p50_ms: round(offP50),
    on_p50_ms: round(onP50),
    off_p99_ms: round(offP99),
    on_p99_ms: round(onP99),
    // The daemon's CPU time per accepted alert over the measured run (all its work: the accept path, the journal,
    // and with notifications on, the senders and the scrapes): less at the mercy of a busy machine than latency.
    off_cpu_ms_per_alert: round(median(results.off.map((r) => r.cpuMsPerAlert)), 3),
    on_cpu_ms_per_alert: round(median(results.on.map((r) => r.cpuMsPerAlert)), 3),
    p50_ratio: round(p50Ratio, 3),
    p99_ratio: round(p99Ratio, 3),
    // Each pair's p50 and p99, off/on, in the order run.
    runs_p50_ms: pairs.map((r, i) => `${round(results.off[i]!.p50)}/${round(r.p50)}`).join(" "),
    runs_p99_ms: pairs.map((r, i) => `${round(results.off[i]!.p99)}/${round(r.p99)}`).join(" "),
    non200,
    // What "on" did in its last run (from its last scrape): work done off the accept path.
    on_telegram_notifications_sent: metric('tradectl_notifications_total{channel="phone"'),
    on_failed_attempts_discord_429: metric('tradectl_notification_attempt_failures_total{channel="desk"'),
    on_failed_attempts_slack_500: metric('tradectl_notification_attempt_failures_total{channel="team"'),
    on_failed_attempts_webhook_timeout: metric('tradectl_notification_attempt_failures_total{channel="ops"'),
    on_scrapes: scrapes,
    target_p50_ratio: NOTIFY_TARGETS.p50Ratio,
    ok_p50_ratio: p50Ratio <= NOTIFY_TARGETS.p50Ratio && non200 === 0,
    target_p99_ratio: NOTIFY_TARGETS.p99Ratio,
    ok_p99_ratio: p99Ratio <= NOTIFY_TARGETS.p99Ratio && non200 === 0,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchNotify();
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}
