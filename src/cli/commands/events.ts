/**
 * `tradectl events [--type PREFIX] [--history N] [--follow] [--json]`: the audit log, as aligned lines for people
 * (times in JST) or with --json as the daemon's envelopes (a list; with --follow one envelope per line). With
 * --follow, the live stream after that history, in one request (SSE over the socket, read with eventsource-parser),
 * so no event falls between the history and the stream.
 */
import { createParser } from "eventsource-parser";
import { connect } from "node:net";
import { makeContext, type GlobalOptions } from "../context.js";
import { daemonUnreachable } from "../errors.js";
import { isUnreachable } from "../socket-client.js";
import { formatTable, jstTime, printJson } from "../output.js";

interface Envelope {
  seq?: number;
  type: string;
  time: string;
  source: string;
  payload: Record<string, unknown> | null;
  meta?: Record<string, unknown>;
}

/** The payload fields a person looks for first, in this order; the rest stays in --json. */
const SUMMARY_FIELDS = ["order_id", "ticker", "action", "quantity", "price", "fill_price", "status", "state", "name", "connected", "code", "limit_type", "reason", "message", "last_error"];

export function summary(e: Envelope): string {
  const p = e.payload ?? {};
  const parts: string[] = [];
  for (const k of SUMMARY_FIELDS) {
    const v = p[k];
    if (v === undefined || v === null || v === "" || typeof v === "object") continue;
    parts.push(`${k}=${String(v)}`);
  }
  if (typeof e.meta?.actor === "string") parts.push(`actor=${e.meta.actor}`);
  return parts.join(" ") || JSON.stringify(p).slice(0, 120);
}

const row = (e: Envelope) => ({ time: jstTime(e.time), type: e.type, source: e.source, summary: summary(e) });
const HEADERS = { time: "TIME (JST)" };
const COLUMNS = ["time", "type", "source", "summary"];

export async function run(_args: string[], opts: GlobalOptions & { follow?: boolean; type?: string; history?: number }): Promise<void> {
  const ctx = makeContext(opts);
  const history = opts.history ?? 20;
  if (!opts.follow) {
    const recent = await ctx.client.get<Envelope[]>("/audit", { limit: Math.max(history, 1), type: opts.type });
    const shown = history === 0 ? [] : recent;
    if (ctx.json) return printJson(shown);
    process.stdout.write(shown.length ? `${formatTable(shown.map(row), COLUMNS, HEADERS)}\n` : "(none)\n");
    return;
  }
  const query = new URLSearchParams({ history: String(history), ...(opts.type ? { type: opts.type } : {}) });
  // Followed lines cannot be aligned on the widest row (it has not come yet): fixed widths instead.
  const print = (e: Envelope) => {
    if (ctx.json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else {
      const r = row(e);
      process.stdout.write(`${r.time}  ${r.type.padEnd(18)}  ${r.source.padEnd(14)}  ${r.summary}\n`);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const sock = connect(ctx.socketPath);
    let headerDone = false;
    let pending = "";
    const parser = createParser({ onEvent: (e) => print(JSON.parse(e.data) as Envelope) });
    // HTTP/1.0: the daemon answers with a plain body that ends when the connection does (no chunk framing).
    sock.on("connect", () => sock.write(`GET /events?${query} HTTP/1.0\r\nHost: tradectl\r\nAccept: text/event-stream\r\n\r\n`));
    sock.on("data", (c: Buffer) => {
      let text = c.toString("utf8");
      if (!headerDone) {
        pending += text;
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        headerDone = true;
        text = pending.slice(end + 4);
      }
      parser.feed(text);
    });
    sock.on("error", (err: NodeJS.ErrnoException) => reject(isUnreachable(err.code) ? daemonUnreachable(ctx.socketPath, err.code) : err));
    sock.on("close", () => resolve());
    process.on("SIGINT", () => sock.destroy());
  });
}
