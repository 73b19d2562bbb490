/**
 * The answers node:http and fastify would otherwise write in shapes of their own, before any route runs: a request
 * the HTTP parser refuses (not HTTP, bad framing, headers or request line over the limit, too slow), a URL that is
 * not validly percent-encoded, a path parameter over the length limit, CONNECT, an `Expect` other than
 * 100-continue. Each gets the documented error envelope and `Connection: close`; a socket answered by hand is
 * drained before it closes (./linger-close.ts), so the client reads the answer instead of a reset.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { errorEnvelope } from "../domain/error-envelope.js";
import { httpStatuses, type ApiErrorCode } from "../domain/errors.js";
import { errorBody } from "./api-error.js";
import { drainThenClose, isLingering, lingerOnClose } from "./linger-close.js";
import { genRequestId, newRequestId } from "./request-id.js";
import { accessPath } from "./access-log.js";

export interface ProtocolErrorOptions {
  maxHeaderSize: number;
  maxParamLength: number;
  /** One access-log line for an answer given outside fastify's request cycle. */
  log: (entry: { request_id: string; status: number; method: string | null; path: string | null; source_ip: string | null }) => void;
}

interface Refusal {
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The status of a refusal: its code's (domain/errors.ts). */
const statusOf = (r: Refusal): number => httpStatuses(r.code)[0]!;

function envelope(r: Refusal, requestId: string): string {
  return JSON.stringify(errorEnvelope({ requestId, code: r.code, message: r.message, now: Date.now(), details: r.details }));
}

function headers(body: string): Record<string, string> {
  return {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    Connection: "close",
  };
}

/**
 * A whole HTTP/1.1 answer written straight to a socket that has no ServerResponse (or whose parser gave up). The
 * answer to a HEAD carries no body (its headers say how long it would be).
 */
function rawAnswer(r: Refusal, requestId: string, head: boolean): string {
  const body = envelope(r, requestId);
  const lines = Object.entries({ ...headers(body), Date: new Date().toUTCString() }).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${statusOf(r)} ${STATUS_CODES[statusOf(r)] ?? ""}\r\n${lines.join("\r\n")}\r\n\r\n${head ? "" : body}`;
}

/**
 * Whether the request the parser failed on is a HEAD: it starts after the last blank line before the failure (not
 * counting one that ends right at it: a request refused once its headers are read, such as PRI, ends that way).
 */
function failedOnHead(err: ClientError): boolean {
  if (!Buffer.isBuffer(err.rawPacket)) return false;
  const at = typeof err.bytesParsed === "number" ? err.bytesParsed : err.rawPacket.length;
  const blank = err.rawPacket.subarray(0, Math.max(0, at - 1)).lastIndexOf("\r\n\r\n");
  const from = blank < 0 ? 0 : blank + 4;
  return err.rawPacket.subarray(from, from + 5).toString("latin1") === "HEAD ";
}

/** A header overflow inside the request line is a URL too long (414), not headers too large (431). */
function requestLineOverflowed(raw: Buffer | undefined, maxHeaderSize: number): boolean {
  if (!raw || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /.test(raw.subarray(0, 32).toString("latin1"))) return false;
  const eol = raw.indexOf("\r\n");
  return eol < 0 || eol > maxHeaderSize;
}

/** node's 'clientError' error: a parser error carries the bytes it failed on (fastify's type says otherwise). */
type ClientError = Error & { code?: string; rawPacket?: unknown; bytesParsed?: unknown };

function classify(err: ClientError, o: ProtocolErrorOptions): Refusal {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return requestLineOverflowed(Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined, o.maxHeaderSize)
        ? { code: "URI_TOO_LONG", message: `Request line exceeds ${o.maxHeaderSize} bytes` }
        : { code: "HEADERS_TOO_LARGE", message: `Request headers exceed ${o.maxHeaderSize} bytes` };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: "REQUEST_TIMEOUT", message: "The request was not received in time" };
    default:
      return { code: "MALFORMED_REQUEST", message: "Malformed HTTP request", details: { parser_error: err.code ?? "unknown" } };
  }
}

export function protocolErrorHandlers(o: ProtocolErrorOptions) {
  const answerSocket = (socket: Socket, r: Refusal, requestId: string, req?: IncomingMessage, head = req?.method === "HEAD"): void => {
    if (socket.destroyed) return;
    if (isLingering(socket)) {
      socket.resume(); // already answered and closing (a CONNECT pipelined behind it took the socket from node's parser)
      return;
    }
    if (!socket.writable) {
      drainThenClose(socket); // already closing after an answer: read what is still coming, so no reset
      return;
    }
    socket.write(rawAnswer(r, requestId, head));
    drainThenClose(socket);
    o.log({ request_id: requestId, status: statusOf(r), method: req?.method ?? null, path: req?.url === undefined ? null : accessPath(req.url), source_ip: socket.remoteAddress ?? null });
  };

  return {
    /** fastify's `clientErrorHandler`: node's 'clientError' (the parser refused the bytes, or a timeout). */
    clientErrorHandler(err: ClientError, socket: Socket): void {
      if (err.code === "ECONNRESET" || socket.destroyed || isLingering(socket)) return;
      const r = classify(err, o);
      const id = newRequestId();
      const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      const head = pending && !pending.req.complete ? pending.req.method === "HEAD" : failedOnHead(err);
      if (pending && !pending.writableFinished && (pending.writableEnded || pending.req.complete)) {
        // An answer is on its way (whole, or to a whole request before the bytes that failed): it goes first.
        pending.once("finish", () => answerSocket(socket, r, id, undefined, head));
      } else if (pending?.headersSent && !pending.writableFinished) {
        socket.destroy(); // the request being answered broke off mid-way: its answer cannot be finished
      } else answerSocket(socket, r, id, undefined, head);
    },

    /** fastify's `frameworkErrors`: refusals of its router, before any hook or route. */
    frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
      const r: Refusal =
        err.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? { code: "URI_TOO_LONG", message: `A path segment exceeds ${o.maxParamLength} characters` }
          : { code: "MALFORMED_REQUEST", message: err.code === "FST_ERR_BAD_URL" ? "The URL is not validly percent-encoded" : "Malformed request" };
      o.log({ request_id: req.id, status: statusOf(r), method: req.method, path: null, source_ip: req.ip ?? null });
      void reply.code(statusOf(r)).header("Cache-Control", "no-store").send(errorBody(req, r.code, r.message));
    },

    /**
     * Node answers these itself (CONNECT: closes without a word; an unknown `Expect`: a bare 417). And every
     * connection it closes after an answer is drained first (`secure` for TLS, where HTTP runs on the TLS socket).
     */
    attach(server: Server, secure: boolean): void {
      server.on(secure ? "secureConnection" : "connection", lingerOnClose);
      // An `Upgrade` is ignored (the request is answered as HTTP/1.1: curl's h2c probe gets its answer), except with
      // a body: node's parser does not read the body of an upgrade request as a body (a bad chunk or a body cut
      // short went unanswered, without an error). Those are refused here.
      (server as Server & { shouldUpgradeCallback: (req: IncomingMessage) => boolean }).shouldUpgradeCallback = (req) =>
        req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
      server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
        answerSocket(socket, { code: "MALFORMED_REQUEST", message: "An Upgrade request with a body is not supported" }, genRequestId(req), req);
      });
      server.on("connect", (req: IncomingMessage, socket: Socket) => {
        answerSocket(socket, { code: "METHOD_NOT_ALLOWED", message: "CONNECT is not supported: tradectl is not a proxy" }, genRequestId(req), req);
      });
      server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
        const r: Refusal = { code: "EXPECTATION_FAILED", message: "Only Expect: 100-continue is supported" };
        const id = genRequestId(req);
        const body = envelope(r, id);
        res.writeHead(statusOf(r), headers(body)).end(body);
        o.log({ request_id: id, status: statusOf(r), method: req.method ?? null, path: req.url === undefined ? null : accessPath(req.url), source_ip: req.socket.remoteAddress ?? null });
      });
    },
  };
}
