/**
 * A small HTTP load generator for the benchmarks: node:http over a keep-alive Agent, loopback only,
 * bounded in request count and time. Two shapes:
 * - openLoop: sends at a fixed rate whatever the replies do (no coordinated omission: a slow reply
 *   does not delay the next send), and records each request's latency from send to full response.
 * - closedLoop: N connections, each sends its next request as soon as the previous reply is in;
 *   counts completed requests per second.
 */
import { Agent, request } from "node:http";

export interface Reply {
  status: number;
  body: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** One POST of a JSON body; resolves with the status and the whole body. */
export function post(agent: Agent, url: URL, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no reply within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

const msSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface OpenLoopResult {
  /** Latency of each completed request, ms, send → full response. */
  latencies: number[];
  /** Count per HTTP status; network errors under status 0. */
  statuses: Map<number, number>;
  /** A sample of non-200 reply bodies / error messages (first few). */
  samples: string[];
  sent: number;
  /** Sends skipped because maxInFlight requests were already outstanding. */
  skipped: number;
  /** Worst lateness of a send against its schedule (client-side timer lag), ms. */
  maxSendLagMs: number;
  elapsedMs: number;
}

/** Sends `count` requests at `ratePerSecond`, open loop: each on schedule, never waiting for replies. */
/** `agent`: a keep-alive Agent to send through (kept open, so a run can reuse a warm-up's connections); else one of its own. */
export async function openLoop(opts: { url: string; ratePerSecond: number; count: number; body: (i: number) => string; maxInFlight?: number; agent?: Agent }): Promise<OpenLoopResult> {
  const url = new URL(opts.url);
  const maxInFlight = opts.maxInFlight ?? 512;
  const agent = opts.agent ?? new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const interval = 1000 / opts.ratePerSecond;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const samples: string[] = [];
  const pending = new Set<Promise<void>>();
  const note = (status: number, text?: string) => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status !== 200 && samples.length < 5 && text) samples.push(`${status}: ${text.slice(0, 300)}`);
  };
  let skipped = 0;
  let maxSendLagMs = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < opts.count; i++) {
    const due = i * interval;
    const wait = due - msSince(start);
    // setTimeout has 1 ms resolution; a send up to 1 ms early or late is fine at 5 ms spacing
    // (no busy-wait: on a small machine the client must not steal the server's CPU).
    if (wait > 1) await sleep(wait);
    maxSendLagMs = Math.max(maxSendLagMs, msSince(start) - due);
    if (pending.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const t0 = process.hrtime.bigint();
    const p: Promise<void> = post(agent, url, opts.body(i)).then(
      (r) => {
        latencies.push(msSince(t0));
        note(r.status, r.body);
      },
      (err: Error) => note(0, err.message),
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
  const elapsedMs = msSince(start);
  if (!opts.agent) agent.destroy();
  return { latencies, statuses, samples, sent: opts.count - skipped, skipped, maxSendLagMs, elapsedMs };
}

export interface ClosedLoopResult {
  requests: number;
  perSecond: number;
  statuses: Map<number, number>;
  elapsedMs: number;
}

/** `connections` keep-alive connections, each sending back to back for `durationMs`; `body(i)` for the i-th request. */
export async function closedLoop(opts: { url: string; connections: number; durationMs: number; body: string | ((i: number) => string) }): Promise<ClosedLoopResult> {
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const statuses = new Map<number, number>();
  let requests = 0;
  const start = process.hrtime.bigint();
  const body = typeof opts.body === "string" ? () => opts.body as string : opts.body;
  let sent = 0;
  const worker = async () => {
    while (msSince(start) < opts.durationMs) {
      let status: number;
      try {
        status = (await post(agent, url, body(sent++))).status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const elapsedMs = msSince(start);
  agent.destroy();
  return { requests, perSecond: (requests / elapsedMs) * 1000, statuses, elapsedMs };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
