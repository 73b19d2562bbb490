/**
 * The loopback fuzz: a real daemon process (bin/tradectl, paper broker, temp home) and generated requests against
 * every route of both its servers, the TCP port and the Unix socket (./request-cases.ts). It counts what must never
 * happen: a 5xx other than the documented 503s (kill switch, broker down, /health unhealthy), a crash, an error
 * answer outside the documented envelope, a request with no answer, a reset or a hang; and it reads the daemon's
 * RSS after a warm-up and at the end. Seeded: the same seed and count send the same requests.
 *
 *   node --import tsx test/fuzz/http-fuzz.ts [--requests N] [--seed S] [--concurrency C] [--only INDEX]
 *   npm run fuzz:long       (50,000 requests)
 *
 * `npm test` runs a bounded form (test/fuzz/http-fuzz.test.ts).
 */
import { request, Agent, type IncomingHttpHeaders } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import bcrypt from "bcryptjs";
import { spawnDaemon } from "../helpers/daemon.js";
import { envelopeProblems, rawExchange, type ParsedResponse, type Target } from "../helpers/raw-http.js";
import { socketRequest } from "../helpers/socket-request.js";
import { tempHome } from "../helpers/temp-home.js";
import { bodyBytes, describeCase, generateCases, rawBytes, type FuzzCase, type FuzzContext, type HttpCase, type RawCase } from "./request-cases.js";

export interface FuzzOptions {
  requests: number;
  seed: number;
  concurrency?: number;
  /** Send only the case at this index of the run (to replay one failure). */
  only?: number;
  /** Called every `progressEvery` cases with the summary so far. */
  onProgress?: (s: FuzzSummary) => void;
  progressEvery?: number;
}

export interface FuzzFailure {
  index: number;
  problem: string;
  case: string;
}

export interface FuzzSummary {
  seed: number;
  requests: number;
  sent: { tcp: number; unix: number; http: number; raw: number };
  statuses: Record<string, number>;
  /** 5xx answers other than the documented 503s. */
  serverErrors: number;
  documented503: number;
  crashes: number;
  offShape: number;
  unanswered: number;
  resets: number;
  hangs: number;
  /** Lines the daemon wrote to its error log. */
  errorLogLines: number;
  rssStartMb: number;
  /** After half the requests: past it, a leak keeps growing while V8 and malloc have settled. */
  rssHalfMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  seconds: number;
  failures: FuzzFailure[];
}

const PASSPHRASE = "fuzz-webhook-secret-0123456789";
/**
 * The daemon's V8 heap limit in the run. Left alone, V8 grows the heap lazily under load (RSS +70 MB over 12,000
 * accepted alerts, flat at ~145 MB with a 40 MB limit): with a limit, RSS growth means memory outside the heap, and
 * a leak inside it ends the daemon, which counts as a crash.
 */
const HEAP_MB = 64;
const HANG_MS = 30_000;
const MAX_FAILURES_KEPT = 50;

const CONFIG = {
  risk: { marketHours: "always", maxDailyEntries: 1_000_000, cooldownMinutes: 0 },
  webhook: { rateLimits: { perMinute: 1_000_000_000, perHour: 1_000_000_000, perDay: 1_000_000_000, statusPerMinute: 1_000_000_000, adminPer5Minutes: 1_000_000_000 } },
  broker: { paper: { initialCash: 1e15 } },
};

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

/** The one-line result printed after a run (and kept in the README for the long run). */
export function summaryLine(s: FuzzSummary): string {
  return (
    `fuzz: seed ${s.seed}, ${s.requests} requests (${s.sent.http} http, ${s.sent.raw} raw; ${s.sent.tcp} tcp, ${s.sent.unix} unix) in ${s.seconds} s: ` +
    `5xx ${s.serverErrors} (documented 503: ${s.documented503}), crashes ${s.crashes}, off-shape ${s.offShape}, unanswered ${s.unanswered}, ` +
    `resets ${s.resets}, hangs ${s.hangs}, error-log lines ${s.errorLogLines}, RSS ${s.rssStartMb} MB after warm-up, ${s.rssHalfMb} MB half-way, ${s.rssEndMb} MB at the end (peak ${s.rssPeakMb} MB, heap limit ${HEAP_MB} MB)`
  );
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders | Record<string, string>;
  body: string;
  head: boolean;
  path: string;
}

export async function runHttpFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const { home, cleanup } = tempHome(CONFIG);
  const daemon = await spawnDaemon(home, { WEBHOOK_SECRET: PASSPHRASE, ADMIN_PASSWORD_HASH: bcrypt.hashSync("fuzz-admin-password-never-sent", 4), NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
  const pid = daemon.proc.pid!;
  const u = new URL(daemon.url);
  const tcp: Target = { host: u.hostname, port: Number(u.port) };
  const unix: Target = { path: daemon.socketPath };
  const s: FuzzSummary = {
    seed: opts.seed,
    requests: 0,
    sent: { tcp: 0, unix: 0, http: 0, raw: 0 },
    statuses: {},
    serverErrors: 0,
    documented503: 0,
    crashes: 0,
    offShape: 0,
    unanswered: 0,
    resets: 0,
    hangs: 0,
    errorLogLines: 0,
    rssStartMb: Number.NaN,
    rssHalfMb: Number.NaN,
    rssPeakMb: 0,
    rssEndMb: Number.NaN,
    seconds: 0,
    failures: [],
  };
  let crashed = false;
  void daemon.exited.then(() => (crashed = true));
  const agents = { tcp: new Agent({ keepAlive: true }), unix: new Agent({ keepAlive: true }) };
  try {
    const key = (await socketRequest(daemon.socketPath, "POST", "/keys", { name: "fuzz" })).body.data.key as string;
    const ctx: FuzzContext = { passphrase: PASSPHRASE, apiKey: key, now: () => Date.now() };
    const all = generateCases(opts.seed, opts.requests, Date.now());
    const cases = opts.only === undefined ? all : all.slice(opts.only, opts.only + 1);
    const indexOf = (i: number) => (opts.only === undefined ? i : opts.only);
    const fail = (index: number, c: FuzzCase, problem: string) => {
      if (s.failures.length < MAX_FAILURES_KEPT) s.failures.push({ index, problem, case: describeCase(c) });
    };

    const check = (index: number, c: FuzzCase, a: Answer) => {
      s.statuses[a.status] = (s.statuses[a.status] ?? 0) + 1;
      if (a.status < 400) return;
      const healthReport = a.path.startsWith("/health") && a.status === 503;
      if (a.status >= 500) {
        let code: unknown;
        try {
          code = JSON.parse(a.body).error_code;
        } catch {
          code = undefined;
        }
        if (a.status === 503 && (code === "SERVICE_UNAVAILABLE" || healthReport || a.head)) s.documented503++;
        else {
          s.serverErrors++;
          fail(index, c, `${a.status}: ${a.body.slice(0, 300)}`);
        }
      }
      if (a.head || healthReport) return; // HEAD has no body; /health's 503 is the seed's health report
      const problems = envelopeProblems(a.status, a.body);
      if (!/^application\/json/.test(String(a.headers["content-type"] ?? ""))) problems.push(`content-type ${String(a.headers["content-type"])}`);
      if (problems.length) {
        s.offShape++;
        fail(index, c, `${a.status} off-shape (${problems.join(", ")}): ${a.body.slice(0, 200)}`);
      }
    };

    const sendHttp = (c: HttpCase): Promise<Answer | { error: string }> =>
      new Promise((resolve) => {
        const body = c.body ? bodyBytes(c.body, ctx) : null;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(c.headers)) headers[k] = v.replace("{{key}}", key);
        if (body) headers["content-length"] = String(body.length);
        let req;
        try {
          req = request(
            { ...(c.server === "unix" ? { socketPath: daemon.socketPath } : { host: tcp.host, port: tcp.port }), agent: agents[c.server], method: c.method, path: c.path, headers },
            (res) => {
              if (String(res.headers["content-type"]).startsWith("text/event-stream")) {
                res.destroy();
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "", head: false, path: c.path });
                return;
              }
              const chunks: Buffer[] = [];
              res.on("data", (d: Buffer) => chunks.push(d));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), head: c.method === "HEAD", path: c.path }));
              res.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
            },
          );
        } catch (e) {
          resolve({ error: `client refused to send: ${(e as Error).message}` });
          return;
        }
        req.setTimeout(HANG_MS, () => req.destroy(Object.assign(new Error("HANG"), { code: "HANG" })));
        req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
        req.end(body ?? undefined);
      });

    const sendRaw = async (c: RawCase): Promise<{ answers: Answer[]; error: string | null; trailing: number; bytes: Buffer }> => {
      const bytes = rawBytes(c, ctx);
      const heads: boolean[] = c.parts.filter((p) => p.t === "line").map((p) => (p as { method: string }).method === "HEAD");
      const targets = c.parts.filter((p) => p.t === "line").map((p) => (p as { target: string }).target);
      const ex = await rawExchange(c.server === "unix" ? unix : tcp, bytes, { headFor: (i) => heads[i] === true, hangMs: HANG_MS });
      return { answers: ex.responses.map((r: ParsedResponse, i) => ({ ...r, path: targets[i] ?? "" })), error: ex.error, trailing: ex.trailing, bytes };
    };

    let next = 0;
    let done = 0;
    const warmup = Math.max(200, Math.floor(opts.requests / 10));
    const worker = async () => {
      while (next < cases.length && !crashed) {
        const c = cases[next]!;
        const index = indexOf(next++);
        s.sent[c.server]++;
        s.sent[c.kind]++;
        if (c.kind === "http") {
          const r = await sendHttp(c);
          if ("error" in r) {
            if (r.error === "HANG") s.hangs++;
            else s.resets++;
            fail(index, c, `connection: ${r.error}`);
          } else check(index, c, r);
        } else {
          const r = await sendRaw(c);
          for (const a of r.answers) check(index, c, a);
          if (r.error === "HANG") s.hangs++;
          else if (r.error) s.resets++;
          if (r.error) fail(index, c, `connection: ${r.error}`);
          if (r.trailing > 0) {
            s.offShape++;
            fail(index, c, `an answer cut short (${r.trailing} bytes)`);
          }
          // only blank lines (which HTTP lets a server skip) may go unanswered
          if (r.answers.length === 0 && !r.error && r.bytes.toString("latin1").trim() !== "") {
            s.unanswered++;
            fail(index, c, "no answer");
          }
        }
        done++;
        s.requests = done;
        if (done === warmup) s.rssStartMb = rssMb(pid);
        if (done === Math.floor(cases.length / 2)) s.rssHalfMb = rssMb(pid);
        if (done % 100 === 0 && !crashed) s.rssPeakMb = Math.max(s.rssPeakMb, rssMb(pid));
        if (opts.onProgress && done % (opts.progressEvery ?? 1000) === 0) opts.onProgress(s);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));

    if (crashed || daemon.proc.exitCode !== null) {
      s.crashes++;
      s.failures.push({ index: done, problem: `the daemon exited (${daemon.proc.exitCode}): ${daemon.output().slice(-2000)}`, case: "" });
    } else {
      s.rssEndMb = rssMb(pid);
      s.rssPeakMb = Math.max(s.rssPeakMb, s.rssEndMb);
      if (Number.isNaN(s.rssStartMb)) s.rssStartMb = s.rssEndMb;
      const ping = await socketRequest(daemon.socketPath, "GET", "/ping");
      if (ping.status !== 200) {
        s.crashes++;
        s.failures.push({ index: done, problem: `the daemon no longer answers /ping (${ping.status})`, case: "" });
      }
    }
  } finally {
    agents.tcp.destroy();
    agents.unix.destroy();
    const code = await daemon.stop("SIGTERM");
    if (!crashed && code !== 0) {
      s.crashes++;
      s.failures.push({ index: s.requests, problem: `the daemon stopped with exit code ${code}`, case: "" });
    }
    s.errorLogLines = errorLogLines(join(home, "logs"));
    cleanup();
    s.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  return s;
}

function errorLogLines(dir: string): number {
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith("error-"))
      .reduce((n, f) => n + readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l.trim()).length, 0);
  } catch {
    return 0;
  }
}

/** The seed of a run: TRADECTL_FUZZ_SEED when set (to replay one), else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env.TRADECTL_FUZZ_SEED;
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const seed = arg("seed", fuzzSeed());
  const requests = arg("requests", 50_000);
  process.stdout.write(`fuzz: seed ${seed}, ${requests} requests (replay with --seed ${seed} --requests ${requests})\n`);
  const only = process.argv.includes("--only") ? arg("only", 0) : undefined;
  const s = await runHttpFuzz({ requests, seed, ...(only === undefined ? {} : { only }), concurrency: arg("concurrency", 4), progressEvery: 5000, onProgress: (p) => process.stdout.write(`  ${p.requests} sent, 5xx ${p.serverErrors}, off-shape ${p.offShape}, resets ${p.resets}, RSS peak ${p.rssPeakMb} MB\n`) });
  for (const f of s.failures) process.stdout.write(`  #${f.index}: ${f.problem}\n    ${f.case}\n`);
  process.stdout.write(`statuses ${JSON.stringify(s.statuses)}\n${summaryLine(s)}\n`);
  const bad = s.serverErrors + s.crashes + s.offShape + s.unanswered + s.resets + s.hangs;
  process.exit(bad === 0 ? 0 : 1);
}
