/** `tradectl events [--follow]`: the daemon's event stream (SSE over the socket), one JSON envelope per line. */
import got from "got";
import { createParser } from "eventsource-parser";
import { DaemonUnreachableError } from "../errors.js";
import { makeContext, type GlobalOptions } from "../context.js";

export async function run(_args: string[], opts: GlobalOptions & { follow?: boolean; type?: string; history?: string }): Promise<void> {
  const ctx = makeContext(opts);
  const query = new URLSearchParams({ history: opts.history ?? "20", ...(opts.type ? { type: opts.type } : {}) });
  const stream = got.stream(`unix:${ctx.paths.socketPath}:/events?${query}`, { enableUnixSockets: true, retry: { limit: 0 } });
  let idleTimer: NodeJS.Timeout | null = null;
  const parser = createParser({
    onEvent: (e) => {
      process.stdout.write(`${e.data}\n`);
      if (!opts.follow) {
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(() => stream.destroy(), 200);
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => parser.feed(chunk.toString("utf8")));
    stream.on("response", () => {
      if (!opts.follow) idleTimer = setTimeout(() => stream.destroy(), 300);
    });
    stream.on("error", (err: Error & { code?: string }) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED") reject(new DaemonUnreachableError(ctx.paths.socketPath, err.code));
      else if (stream.destroyed && !opts.follow) resolve();
      else reject(err);
    });
    stream.on("close", () => resolve());
  });
}
