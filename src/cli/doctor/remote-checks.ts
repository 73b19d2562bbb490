/**
 * The doctor's checks over the network and the socket: the daemon, the webhook port from loopback, the MT5
 * bridge, each feed, and the clock's offset from the servers tradectl talks to. Every probe has a timeout.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { readSecret } from "../../config/secrets.js";
import type { TradectlConfig } from "../../config/types.js";
import { resolveFromPackage } from "../../feeds/package-root.js";
import type { SocketClient } from "../socket-client.js";
import { fail, ok, warn, type CheckResult } from "./check.js";

const PROBE_TIMEOUT_MS = 5000;
/** The webhook refuses alerts whose timestamp is this far off; a clock should be well within it. */
const CLOCK_WARN_MS = 2000;
const CLOCK_FAIL_MS = 30_000;

export interface Probe {
  status: number;
  /** The server's Date header, and the local time halfway through the exchange. */
  date: number | null;
  midpoint: number;
}

/** One HTTP(S) GET; TLS is not verified (the loopback check reaches the daemon by address, not by its name). */
export function probe(url: string, headers: Record<string, string> = {}, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(u, { method: "GET", headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on("end", () => {
        const date = res.headers.date ? Date.parse(res.headers.date) : Number.NaN;
        resolve({ status: res.statusCode ?? 0, date: Number.isNaN(date) ? null : date, midpoint: (started + Date.now()) / 2 });
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}

const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

export interface DaemonView {
  status: { broker: { kind: string; connected: boolean; message?: string }; streams: Array<{ name: string; state: string; last_error: string | null }> } | null;
  error: string | null;
}

export async function readDaemon(client: SocketClient): Promise<DaemonView> {
  try {
    return { status: await client.get("/status"), error: null };
  } catch (err) {
    return { status: null, error: (err as Error).message };
  }
}

export function checkDaemon(d: DaemonView, socketPath: string): CheckResult {
  return d.status ? ok("daemon", `answers on ${socketPath}`) : fail("daemon", d.error ?? "not running", "start it: `systemctl start tradectl` or `tradectl daemon`");
}

export async function checkPort(webhookUrl: string): Promise<CheckResult> {
  const url = `${webhookUrl.replace("0.0.0.0", "127.0.0.1").replace("[::]", "[::1]")}/health`;
  try {
    const p = await probe(url);
    return ok("webhook port", `${url} answers ${p.status}${p.status === 503 ? " (unhealthy: see `tradectl status`)" : ""}`);
  } catch (err) {
    return fail("webhook port", `${url}: ${why(err)}`, "is the daemon running, and webhook.host/webhook.port what it listens on?");
  }
}

export async function checkBridge(config: TradectlConfig, d: DaemonView, clock: Probe[]): Promise<CheckResult> {
  if (config.broker.kind !== "mt5") return ok("broker", "paper broker (fills at the feed's prices)");
  const token = readSecretQuietly("MT5_BRIDGE_TOKEN");
  if (token) {
    const url = `${config.broker.mt5.url.replace(/\/+$/, "")}/health`;
    try {
      const p = await probe(url, { authorization: `Bearer ${token}` });
      clock.push(p);
      if (p.status === 200) return ok("broker", `MT5 bridge at ${config.broker.mt5.url} is healthy`);
      return fail("broker", `MT5 bridge at ${config.broker.mt5.url} answers ${p.status}${p.status === 401 ? " (the token is wrong)" : " (the terminal is not ready)"}`, "see the bridge's log on the Windows side (scripts/mt5-bridge/README.md)");
    } catch (err) {
      return fail("broker", `MT5 bridge at ${config.broker.mt5.url}: ${why(err)}`, "is the tunnel to the Windows VM up, and the bridge running?");
    }
  }
  if (d.status) return d.status.broker.connected ? ok("broker", "the daemon reports the MT5 bridge connected") : fail("broker", `the daemon reports the MT5 bridge down: ${d.status.broker.message ?? "no reason given"}`, "see the bridge's log on the Windows side");
  return fail("broker", "cannot check the MT5 bridge: no MT5_BRIDGE_TOKEN here and no daemon to ask", "set MT5_BRIDGE_TOKEN or start the daemon");
}

/** Each configured feed: its state in the running daemon, else whether its server accepts a connection. */
export async function checkFeeds(config: TradectlConfig, d: DaemonView, clock: Probe[]): Promise<CheckResult[]> {
  if (!config.feeds.length) return [ok("feeds", "the bundled replay recording (no live feed configured)")];
  return Promise.all(
    config.feeds.map(async (f): Promise<CheckResult> => {
      const name = `feed ${f.name}`;
      const live = d.status?.streams.find((s) => s.name === f.name);
      if (live) {
        if (live.state === "live" || live.state === "market-closed") return ok(name, `${f.kind} ${live.state}`);
        return fail(name, `${f.kind} ${live.state}${live.last_error ? `: ${live.last_error}` : ""}`, "check the URL, the token and `tradectl events --type stream.`");
      }
      if (f.kind === "replay") {
        const file = resolveFromPackage(f.url ?? "fixtures/replay/default.ndjson");
        return existsSync(file) ? ok(name, `replay of ${file}`) : fail(name, `replay file ${file} not found`, "fix feeds[].url");
      }
      if (!f.url) return fail(name, "no url", "set the feed's url");
      const url = f.restUrl ?? f.url;
      try {
        const p = await probe(url);
        clock.push(p);
        return ok(name, `${new URL(f.url).host} reachable`);
      } catch {
        return tcpReach(name, f.url);
      }
    }),
  );
}

function tcpReach(name: string, url: string): Promise<CheckResult> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return new Promise((resolve) => {
    const sock = connect({ host: u.hostname, port, timeout: PROBE_TIMEOUT_MS });
    sock.on("connect", () => {
      sock.destroy();
      resolve(ok(name, `${u.host} accepts connections`));
    });
    const bad = (err: unknown) => {
      sock.destroy();
      resolve(fail(name, `${u.host}: ${why(err)}`, "check the URL, DNS and the firewall"));
    };
    sock.on("timeout", () => bad(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    sock.on("error", bad);
  });
}

/**
 * The clock's offset from the Date headers of the servers probed above (one-second resolution: plenty against the
 * webhook's 5-minute timestamp window and TradingView's 3-second answer limit), else NTP's word from timedatectl.
 */
export async function checkClock(probes: Probe[], ntpState: () => Promise<string | null> = timedatectl): Promise<CheckResult> {
  // A Date header has whole seconds: the server's clock is within [date, date + 1 s) when it answered.
  const offsets = probes.filter((p): p is Probe & { date: number } => p.date !== null).map((p) => p.midpoint - (p.date + 500));
  if (offsets.length) {
    const worst = offsets.reduce((w, o) => (Math.abs(o) > Math.abs(w) ? o : w), 0);
    const said = `${(worst / 1000).toFixed(1)} s off the clock of ${offsets.length === 1 ? "a server" : `the worst of ${offsets.length} servers`} (±0.5 s)`;
    if (Math.abs(worst) >= CLOCK_FAIL_MS) return fail("clock", said, "enable NTP: timedatectl set-ntp true");
    if (Math.abs(worst) > CLOCK_WARN_MS) return warn("clock", said, "enable NTP: timedatectl set-ntp true");
    return ok("clock", said);
  }
  const ntp = await ntpState();
  if (ntp === "yes") return ok("clock", "NTP synchronised");
  if (ntp === "no") return warn("clock", "NTP is not synchronised", "timedatectl set-ntp true");
  return warn("clock", "could not measure (no remote server answered with a date, and timedatectl is not available)", "make sure NTP runs (chrony or systemd-timesyncd)");
}

function timedatectl(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("timedatectl", ["show", "--property=NTPSynchronized", "--value"], { timeout: 3000 }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
}

function readSecretQuietly(name: "MT5_BRIDGE_TOKEN"): string | undefined {
  try {
    return readSecret(name);
  } catch {
    return undefined;
  }
}
