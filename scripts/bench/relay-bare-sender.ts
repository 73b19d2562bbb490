/**
 * The relay benchmark's baseline sender: a bare node:http server that, for each alert POSTed to it, sends the same
 * body to every receiver over keep-alive connections (node:http Agent) and times each answer from the alert's
 * receipt; it answers the alert at once. GET /stats returns the times recorded since the last call (ms). With
 * `--file PATH` it first appends the alert to the file and fdatasyncs it (the durable floor of a sender that
 * journals before it delivers). Prints `{"listening":"http://127.0.0.1:PORT"}` once it listens; SIGTERM stops it.
 *   node scripts/bench/relay-bare-sender.ts --receivers URL,URL,... [--file PATH]
 */
import { fdatasyncSync, openSync, writeSync } from "node:fs";
import { Agent, createServer, request } from "node:http";

const arg = process.argv.indexOf("--receivers");
const receivers = (arg >= 0 ? process.argv[arg + 1]! : "").split(",").filter(Boolean).map((u) => new URL(u));
const fileArg = process.argv.indexOf("--file");
const fd = fileArg >= 0 ? openSync(process.argv[fileArg + 1]!, "a", 0o600) : null;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let latencies: number[] = [];
let failed = 0;

function deliver(url: URL, body: string, t0: number): void {
  const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on("end", () => (res.statusCode === 200 ? latencies.push(performance.now() - t0) : failed++));
  });
  req.on("error", () => failed++);
  req.end(body);
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ latencies, failed }));
    latencies = [];
    failed = 0;
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const t0 = performance.now();
    const body = Buffer.concat(chunks).toString("utf8");
    if (fd !== null) {
      writeSync(fd, `${body}\n`);
      fdatasyncSync(fd);
    }
    for (const r of receivers) deliver(r, body, t0);
    res.writeHead(202, { "content-type": "application/json" }).end('{"status":"accepted"}');
  });
});

server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("bare sender: no TCP address");
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${addr.port}` })}\n`);
});

process.on("SIGTERM", () => {
  agent.destroy();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
