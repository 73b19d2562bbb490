/** `req_` + 16 hex chars, or the caller's X-Request-ID when it is a sane token. */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

export function genRequestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && SAFE.test(given)) return given;
  return `req_${randomBytes(8).toString("hex")}`;
}
