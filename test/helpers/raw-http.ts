/**
 * HTTP/1.1 spoken by hand over a TCP or Unix socket, for requests no HTTP client would send (bad framing, no Host,
 * CONNECT, garbage) and for checking what comes back byte for byte: every answer on the connection, whether the
 * server closed it cleanly or reset it.
 */
import { connect, type Socket } from "node:net";

export type Target = { port: number; host: string } | { path: string };

export interface ParsedResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** Read as the answer to a HEAD: no body, whatever Content-Length says. */
  head: boolean;
}

export interface RawExchange {
  responses: ParsedResponse[];
  /** Bytes after the last whole response (a response cut short). */
  trailing: number;
  /** The socket error seen (ECONNRESET, EPIPE), or null when the connection ended cleanly. */
  error: string | null;
}

/** Splits `raw` into the responses it holds; `headFor(i)` says whether answer i is to a HEAD (no body). */
export function parseResponses(raw: Buffer, headFor: (i: number) => boolean = () => false): { responses: ParsedResponse[]; trailing: number } {
  const responses: ParsedResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = raw.indexOf("\r\n\r\n", pos);
    if (end < 0) break;
    const [statusLine, ...lines] = raw.subarray(pos, end).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
    if (!status) break;
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let next = end + 4;
    let body = Buffer.alloc(0);
    let bodiless = headFor(responses.length) || status < 200 || status === 204 || status === 304;
    // The last answer, to bytes the parser refused, cannot always know whether they belong to a HEAD (a HEAD cut
    // off in its headers, the broken body of a HEAD): after a HEAD on the connection, it may come with or without
    // the body it announces, and the connection closes after it.
    const rest = raw.length - next;
    const afterHead = Array.from({ length: responses.length + 1 }, (_, i) => headFor(i)).some(Boolean);
    if (afterHead && headers["connection"] === "close" && status >= 200 && (rest === 0 || rest === Number(headers["content-length"]))) bodiless = rest === 0;
    if (!bodiless && headers["transfer-encoding"]?.toLowerCase() === "chunked") {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = raw.indexOf("\r\n", next);
        if (lineEnd < 0) break;
        const size = parseInt(raw.subarray(next, lineEnd).toString("latin1"), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          next = lineEnd + 4;
          complete = next <= raw.length;
          break;
        }
        if (lineEnd + 2 + size + 2 > raw.length) break;
        parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
        next = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else if (!bodiless && headers["content-length"] !== undefined) {
      const n = Number(headers["content-length"]);
      if (next + n > raw.length) break;
      body = raw.subarray(next, next + n);
      next += n;
    } else if (!bodiless && status >= 200) {
      // no framing: the body runs to the end of the connection
      body = raw.subarray(next);
      next = raw.length;
    }
    if (status >= 200) responses.push({ status, headers, body: body.toString("utf8"), head: bodiless && status >= 200 && status !== 204 && status !== 304 });
    pos = next;
  }
  return { responses, trailing: raw.length - pos };
}

export interface RawOptions {
  /** Half-close after writing (the server then answers what it has and closes). Default true. */
  end?: boolean;
  /** Requests on the connection that are HEAD, by position. */
  headFor?: (i: number) => boolean;
  /** Give up after this long: a hang, reported as the error "HANG". */
  hangMs?: number;
}

export function openSocket(target: Target): Socket {
  return "path" in target ? connect({ path: target.path, allowHalfOpen: true }) : connect({ port: target.port, host: target.host, allowHalfOpen: true });
}

/** Writes `request` (bytes, or a function writing in steps) and reads until the server closes the connection. */
export function rawExchange(target: Target, request: string | Buffer | ((s: Socket) => Promise<void>), opts: RawOptions = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const s = openSocket(target);
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const hang = setTimeout(() => {
      error ??= "HANG";
      s.destroy();
    }, opts.hangMs ?? 20_000);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    s.on("close", () => {
      clearTimeout(hang);
      const { responses, trailing } = parseResponses(Buffer.concat(chunks), opts.headFor);
      resolve({ responses, trailing, error });
    });
    const finish = () => {
      if (opts.end !== false && !s.destroyed) s.end();
    };
    if (typeof request === "function") request(s).then(finish, (e: NodeJS.ErrnoException) => (error ??= e.code ?? String(e)));
    else s.write(request, finish);
  });
}

/** The fields every error answer carries (man/tradectl-errors.7.md); the names of those missing or wrong. */
export function envelopeProblems(status: number, body: string): string[] {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return [`body is not JSON: ${JSON.stringify(body.slice(0, 80))}`];
  }
  const problems: string[] = [];
  if (b["status"] !== "error") problems.push("status");
  for (const k of ["message", "error_code", "request_id", "help_url"]) if (typeof b[k] !== "string" || b[k] === "") problems.push(k);
  if (typeof b["timestamp"] !== "string" || Number.isNaN(Date.parse(b["timestamp"] as string))) problems.push("timestamp");
  if (typeof b["help_url"] === "string" && typeof b["error_code"] === "string" && !(b["help_url"] as string).endsWith((b["error_code"] as string).toLowerCase().replace(/_/g, "-"))) problems.push("help_url");
  if (status < 400) problems.push(`status ${status} is not an error`);
  return problems;
}
