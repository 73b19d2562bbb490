/** `req_` + 16 hex chars, or the caller's X-Request-ID when it is a sane token. */
import { randomFillSync } from "node:crypto";
import type { IncomingMessage } from "node:http";

const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

// Random bytes are drawn 4 KB at a time: one system call per 512 ids instead of one per request.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex8(): string {
  if (offset + 8 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + 8);
  offset += 8;
  return hex;
}

/** A fresh id, for an answer given before there is a request to read one from (a request node could not parse). */
export function newRequestId(): string {
  return `req_${randomHex8()}`;
}

export function genRequestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && SAFE.test(given)) return given;
  return newRequestId();
}
