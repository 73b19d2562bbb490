/**
 * The crash loop: distinct alerts at a steady rate over keep-alive connections to a real daemon process, a SIGKILL
 * at a random moment (now and then before it is even ready), a restart, re-sends of alerts already answered (and of
 * those whose answer the kill cut off), again and again; then one last start that is let finish, and the verdict
 * from the journal, the API and (MT5) the terminal (see checks.ts). The plan (alerts, kill moments) comes from the
 * seed; what the daemon does with it depends on timing, which is the point.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { launchDaemon, type LaunchedDaemon } from "../helpers/daemon.js";
import { socketRequest } from "../helpers/socket-request.js";
import { AlertClient, type Answer } from "./alert-client.js";
import { judge, type Verdict } from "./checks.js";
import { SeededRandom } from "./random.js";
import { SECRET, type CrashWorld } from "./worlds.js";

export interface CrashLoopOptions {
  seed: number;
  kills: number;
  /** New alerts per second while the daemon is up. */
  rate: number;
  /** Keep-alive connections the alerts share. */
  connections: number;
  /** A kill comes at a random moment up to this long after the daemon is ready. */
  maxUpMs: number;
  /** The share of kills aimed at a random moment before the daemon is ready (start-up, reconcile, resume). */
  earlyKillChance: number;
  /** Re-sends of answered alerts per run. */
  repeatsPerRun: number;
  /** The share of alerts that are exits (sells, 100-300 shares; refused when nothing is held). */
  sellChance: number;
  /** The share of alerts whose timestamp is ahead of the clock (up to 4 minutes; still inside the 5-minute window). */
  futureChance: number;
  /** The alerts' acceptance window (webhook.timestampWindowMs): only alerts well inside it are re-sent. */
  windowMs?: number;
  log?: (line: string) => void;
}

export interface SentAlert {
  idx: number;
  ticker: string;
  action: "buy" | "sell";
  quantity: number;
  timestamp: number;
  /** The exact bytes sent, every time. */
  body: string;
  sends: number;
  /** When each send went out (Unix ms). */
  sentAt: number[];
  /** The first answer the sender was given, and in which run. */
  first: (Answer & { run: number }) | null;
  repeats: Array<Answer & { run: number; same: boolean }>;
}

export interface CrashLoopRun {
  kills: number;
  /** Daemon processes that exited without being killed, or never became ready. */
  crashes: string[];
  alerts: SentAlert[];
  verdict: Verdict;
  durationMs: number;
}

const WINDOW_MS = 300_000;
/** A re-send happens only this far inside the alert's acceptance window (the send itself takes time). */
const WINDOW_MARGIN_MS = 20_000;
const READY_TIMEOUT_MS = 60_000;
/** The last start's open orders are judged once none has settled for this long. */
const SETTLE_STALL_MS = 60_000;

export async function runCrashLoop(world: CrashWorld, o: CrashLoopOptions): Promise<CrashLoopRun> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  // Three streams, so that timing (how many alerts fit before a kill, which were answered) never shifts the others:
  // the alerts' contents in order, the kill moments run by run, and the choice of re-sends.
  const contents = new SeededRandom(o.seed);
  const moments = new SeededRandom(o.seed ^ 0x2545f491);
  const picks = new SeededRandom(o.seed ^ 0x5bd1e995);
  const windowMs = o.windowMs ?? WINDOW_MS;
  const alerts: SentAlert[] = [];
  const keys = new Set<string>();
  const crashes: string[] = [];
  let kills = 0;
  let startupMs = 1000;

  const newAlert = (): SentAlert => {
    const ticker = contents.pick(world.tickers);
    const action = contents.chance(o.sellChance) ? "sell" : "buy";
    const quantity = contents.int(1, 3) * 100;
    const ahead = contents.chance(o.futureChance) ? contents.int(1_000, 240_000) : 0;
    let timestamp = Date.now() + ahead;
    while (keys.has(`${timestamp}|${ticker}|${action}`)) timestamp++;
    keys.add(`${timestamp}|${ticker}|${action}`);
    const body = JSON.stringify({ action, ticker, quantity, price: "market", timestamp: String(timestamp), passphrase: SECRET });
    const a: SentAlert = { idx: alerts.length, ticker, action, quantity, timestamp, body, sends: 0, sentAt: [], first: null, repeats: [] };
    alerts.push(a);
    return a;
  };

  const send = async (client: AlertClient, a: SentAlert, run: number): Promise<void> => {
    a.sends++;
    a.sentAt.push(Date.now());
    const answer = await client.post(a.body, `cl-${a.idx}-${a.sends}`);
    if (!answer) return;
    if (!a.first) a.first = { ...answer, run };
    else a.repeats.push({ ...answer, run, same: answer.status === a.first.status && answer.body === a.first.body });
  };

  const insideWindow = (a: SentAlert): boolean => Math.abs(Date.now() - a.timestamp) < windowMs - WINDOW_MARGIN_MS;
  const acknowledged = (a: SentAlert): boolean => a.first !== null && (a.first.status === 200 || a.first.status === 202);

  /** An acknowledged alert to send again: half the time one answered in the run just killed (its answer is the freshest). */
  const pickRepeat = (run: number): SentAlert | null => {
    const eligible = alerts.filter((a) => acknowledged(a) && insideWindow(a));
    if (!eligible.length) return null;
    const fresh = eligible.filter((a) => a.first!.run === run - 1);
    return picks.pick(fresh.length && picks.chance(0.5) ? fresh : eligible);
  };

  /** Alerts whose every send was cut off by a kill: sent again after the restart (a sender retrying a lost answer). */
  const unanswered = (): SentAlert[] => alerts.filter((a) => a.sends > 0 && a.first === null && insideWindow(a)).slice(-10);

  // A loop stopped from outside (Ctrl-C on the long form) leaves no daemon behind.
  let current: LaunchedDaemon | null = null;
  const orphan = (): void => void current?.proc.kill("SIGKILL");
  process.on("exit", orphan);
  try {
    return await loop();
  } finally {
    process.off("exit", orphan);
  }

  async function loop(): Promise<CrashLoopRun> {
    for (let run = 0; ; run++) {
      const last = kills >= o.kills;
      const launched = launchDaemon(world.home, world.env, [], { keepOutput: 64_000 });
      current = launched;
      const spawnedAt = Date.now();
      let killed = false;
      const kill = (): void => {
        if (killed || launched.proc.exitCode !== null) return;
        killed = true;
        launched.proc.kill("SIGKILL");
      };
      // Drawn every run, used or not: run N's moment is the same whatever happened before it.
      const early = !last && moments.chance(o.earlyKillChance);
      const fraction = moments.next();
      let killAt = early ? spawnedAt + Math.round(fraction * startupMs) : Number.POSITIVE_INFINITY;
      const earlyTimer = early ? setTimeout(kill, killAt - spawnedAt) : undefined;
      const url = await readyOrNull(launched);
      if (url === null) {
        clearTimeout(earlyTimer);
        kill();
        await launched.exited;
        if (killed && early) {
          kills++;
          continue;
        }
        crashes.push(`run ${run}: the daemon did not become ready:\n${launched.output().slice(-4000)}`);
        if (crashes.length >= 3) break;
        continue;
      }
      const readyAt = Date.now();
      startupMs = 0.8 * startupMs + 0.2 * (readyAt - spawnedAt);
      if (!early && !last) killAt = readyAt + Math.round(fraction * o.maxUpMs);

      const client = new AlertClient(url, o.connections);
      const inflight: Array<Promise<void>> = [];
      for (const a of unanswered()) inflight.push(send(client, a, run));
      if (last) {
        for (let i = 0; i < o.repeatsPerRun; i++) {
          const a = pickRepeat(run);
          if (a) inflight.push(send(client, a, run));
        }
        await Promise.all(inflight);
        client.close();
        log(`crash-loop: ${kills} kills done; the last start runs to the end`);
        const verdict = await finish(world, launched, join(world.home, "tradectl.sock"), alerts, log);
        return { kills, crashes, alerts, verdict, durationMs: Date.now() - started };
      }

      const period = 1000 / o.rate;
      const slots = Math.max(1, Math.ceil((killAt - readyAt) / period));
      const repeatAt = new Set(Array.from({ length: o.repeatsPerRun }, () => picks.int(0, slots - 1)));
      for (let i = 0; readyAt + i * period < killAt && !killed; i++) {
        const wait = readyAt + i * period - Date.now();
        if (wait > 0) await sleep(wait);
        if (killed || Date.now() >= killAt) break;
        if (repeatAt.has(i)) {
          const a = pickRepeat(run);
          if (a) inflight.push(send(client, a, run));
        }
        inflight.push(send(client, newAlert(), run));
      }
      const wait = killAt - Date.now();
      if (wait > 0 && !killed) await sleep(wait);
      clearTimeout(earlyTimer);
      const exitedOnItsOwn = launched.proc.exitCode !== null && !killed;
      kill();
      await launched.exited;
      if (exitedOnItsOwn) crashes.push(`run ${run}: the daemon exited by itself:\n${launched.output().slice(-4000)}`);
      else kills++;
      await Promise.all(inflight);
      client.close();
      if (kills % 10 === 0) log(`crash-loop: ${kills}/${o.kills} kills, ${alerts.length} alerts sent`);
    }
    return { kills, crashes, alerts, verdict: await judgeWithoutDaemon(world, alerts), durationMs: Date.now() - started };
  }
}

async function readyOrNull(d: LaunchedDaemon): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([d.ready, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS)))]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the last start settle every order, reads the API, stops the daemon cleanly, then judges. */
async function finish(world: CrashWorld, d: LaunchedDaemon, socketPath: string, alerts: SentAlert[], log: (line: string) => void): Promise<Verdict> {
  const settling = Date.now();
  const get = async (path: string) => (await socketRequest(socketPath, "GET", path)).body.data;
  const open = async (): Promise<number> => {
    let n = 0;
    for (const status of ["pending", "submitted", "unknown"]) n += (await get(`/orders?status=${status}&limit=1`)).total as number;
    return n;
  };
  // A backlog (MT5 orders queue per ticker) may take long to work off: wait while it shrinks, not for a fixed time.
  let left = await open();
  for (let progressAt = Date.now(); left > 0 && Date.now() - progressAt < SETTLE_STALL_MS; ) {
    await sleep(200);
    const now = await open();
    if (now !== left) progressAt = Date.now();
    left = now;
  }
  log(`crash-loop: the last start settled its orders in ${Date.now() - settling} ms${left ? ` (${left} still open after ${SETTLE_STALL_MS} ms without progress)` : ""}`);
  const orders: Array<Record<string, unknown>> = [];
  for (let offset = 0; ; offset += 500) {
    const page = await get(`/orders?limit=500&offset=${offset}`);
    orders.push(...(page.orders as Array<Record<string, unknown>>));
    if (orders.length >= (page.total as number) || page.orders.length === 0) break;
  }
  const positions = (await get("/positions")).positions as Array<{ ticker: string; quantity: number }>;
  d.proc.kill("SIGTERM");
  const code = await d.exited;
  return judge(world, alerts, { orders, positions }, code === 0 ? null : `the last daemon exited with ${code} on SIGTERM`);
}

async function judgeWithoutDaemon(world: CrashWorld, alerts: SentAlert[]): Promise<Verdict> {
  return judge(world, alerts, null, "the daemon could not be started for the final checks");
}
