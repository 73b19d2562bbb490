/**
 * A minimal HTTP/1.1 exchange over a Unix socket with node:net: one request, `Connection: close`, the whole
 * response read to the end. node:http alone costs 30–40 ms to import on a 2-core VPS, more than a fifth of the
 * CLI's 150 ms budget; the daemon's answers are small JSON bodies, so this is all the CLI needs.
 */
import { connect } from "node:net";
import { TradectlError } from "../domain/errors.js";

export interface UnixHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function unixHttp(socketPath: string, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<UnixHttpResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    sock.on("connect", () => {
      const head = [`${method} ${path} HTTP/1.1`, "Host: tradectl", "Connection: close", "Accept: application/json"];
      if (body !== undefined) head.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
      // write, not end: a half-closed request makes node's HTTP server abort a handler that awaits (MT5 calls)
      // before it answers; with `Connection: close` the daemon closes the socket once the response is sent.
      sock.write(`${head.join("\r\n")}\r\n\r\n${body ?? ""}`);
    });
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", reject);
    sock.on("close", (hadError) => {
      if (hadError) return;
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export function parseResponse(raw: Buffer): UnixHttpResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new TradectlError("BAD_RESPONSE", "incomplete HTTP response from the daemon");
  const [statusLine, ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  if (!status) throw new TradectlError("BAD_RESPONSE", `malformed HTTP status line from the daemon: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  return { status, headers, body: body.toString("utf8") };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = b.indexOf("\r\n", pos);
    if (lineEnd < 0) break;
    const size = parseInt(b.subarray(pos, lineEnd).toString("latin1"), 16);
    if (!size) break;
    out.push(b.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}
