/**
 * `tradectl events [--type PREFIX] [--history N] [--follow]`: the audit log, one JSON envelope per line;
 * with --follow, the live stream after that history, in one request (SSE over the socket, read with
 * eventsource-parser), so no event falls between the history and the stream.
 */
import { createParser } from "eventsource-parser";
import { connect } from "node:net";
import { makeContext, type GlobalOptions } from "../context.js";
import { MAX_EVENT_HISTORY } from "../../domain/query-limits.js";
import { DaemonUnreachableError } from "../errors.js";
import { intOption } from "../int-option.js";
import { isUnreachable } from "../socket-client.js";

export async function run(_args: string[], opts: GlobalOptions & { follow?: boolean; type?: string; history?: string }): Promise<void> {
  const history = String(intOption("--history", opts.history ?? "20", 0, MAX_EVENT_HISTORY));
  const ctx = makeContext(opts);
  if (!opts.follow) {
    if (history === "0") return;
    const recent = await ctx.client.get<unknown[]>("/audit", { limit: history, type: opts.type });
    for (const e of recent) process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  const query = new URLSearchParams({ history, ...(opts.type ? { type: opts.type } : {}) });
  await new Promise<void>((resolve, reject) => {
    const sock = connect(ctx.paths.socketPath);
    let headerDone = false;
    let pending = "";
    const parser = createParser({
      onEvent: (e) => process.stdout.write(`${e.data}\n`),
    });
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
    sock.on("error", (err: NodeJS.ErrnoException) => reject(isUnreachable(err.code) ? new DaemonUnreachableError(ctx.paths.socketPath, err.code) : err));
    sock.on("close", () => resolve());
    process.on("SIGINT", () => sock.destroy());
  });
}
