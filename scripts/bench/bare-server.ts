/**
 * The baseline for the webhook benchmark: a bare node:http server on loopback that reads the
 * request body and answers a constant JSON body (401, as the daemon does for a wrong passphrase).
 * Prints `{"listening":"http://127.0.0.1:PORT"}` on stdout once it listens; SIGTERM stops it. `--status 200` answers
 * 200 instead (the relay benchmark's bare receivers).
 *   node scripts/bench/bare-server.ts [--port N] [--status 200]
 */
import { createServer } from "node:http";

const portArg = process.argv.indexOf("--port");
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
const statusArg = process.argv.indexOf("--status");
const status = statusArg >= 0 ? Number(process.argv[statusArg + 1]) : 401;

const BODY = JSON.stringify({
  status: "error",
  message: "authentication failed",
  error_code: "AUTH_FAILED",
  request_id: "req_0000000000000000",
  timestamp: "2025-12-27T01:30:45.000Z",
});

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});

server.listen(port, "127.0.0.1", () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("bare server: no TCP address");
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${addr.port}` })}\n`);
});

process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
