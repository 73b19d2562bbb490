/**
 * The physical floor of a durable accept on this disk: a bare node:http server that appends each request body to a
 * file and fdatasyncs it before answering. Bodies that arrive together share one fdatasync (as the daemon's group
 * commit shares one), so its saturation is the disk's, not one sync per request. The webhook benchmark runs it
 * interleaved with the daemon at the same rate, and reports the daemon against it.
 * Prints `{"listening":"http://127.0.0.1:PORT"}` once it listens; SIGTERM stops it.
 *   node scripts/bench/durable-floor.ts --file PATH [--port N]
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const file = arg("--file");
if (!file) throw new Error("durable-floor: --file PATH is required");
const fd = openSync(file, "a", 0o600);

const BODY = JSON.stringify({ status: "accepted", message: "stored", data: { request_id: "req_0000000000000000" } });
let batch: Array<{ body: Buffer; res: ServerResponse }> = [];

function flush(): void {
  const group = batch;
  batch = [];
  for (const r of group) writeSync(fd, Buffer.concat([r.body, Buffer.from("\n")]));
  fdatasyncSync(fd);
  for (const { res } of group) {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  }
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (batch.length === 0) setImmediate(flush);
    batch.push({ body: Buffer.concat(chunks), res });
  });
});

server.listen(Number(arg("--port") ?? 0), "127.0.0.1", () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("durable floor: no TCP address");
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${addr.port}` })}\n`);
});

process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => {
    closeSync(fd);
    process.exit(0);
  });
});
