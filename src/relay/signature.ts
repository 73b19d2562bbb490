/**
 * Signed relay requests (DESIGN, "Relay"): `X-Tradectl-Signature: sha256=<hex HMAC-SHA256 over
 * "<timestamp>.<delivery id>.<body>">` with the receiver's signing secret, beside `X-Tradectl-Delivery` and
 * `X-Tradectl-Timestamp` (Unix ms). Deliveries and the state notices either side sends (pause, resume) are signed
 * the same way.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { TradectlError } from "../domain/errors.js";

export { signature, signedHeaders } from "../domain/signed-request.js";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signature, TIMESTAMP_HEADER } from "../domain/signed-request.js";

/** The display names, for documents and the invitation page. */
export const HEADER_NAMES = { delivery: "X-Tradectl-Delivery", timestamp: "X-Tradectl-Timestamp", signature: "X-Tradectl-Signature" } as const;

/** A new signing secret: `whsec_` + 32 random bytes in base64url. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export type SignatureCheck =
  | { ok: true; deliveryId: string; timestamp: number }
  | { ok: false; reason: "missing_headers" | "signature" | "timestamp"; message: string };

/**
 * Checks a request's signature, then its timestamp against `now` (± `windowMs`). The signature comes first: an
 * unsigned request learns nothing about the clock. The comparison is constant-time.
 */
export function verifySignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: number,
  windowMs: number,
): SignatureCheck {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const deliveryId = one(DELIVERY_HEADER);
  const ts = one(TIMESTAMP_HEADER);
  const given = one(SIGNATURE_HEADER);
  if (!deliveryId || !ts || !given) {
    return { ok: false, reason: "missing_headers", message: `${HEADER_NAMES.delivery}, ${HEADER_NAMES.timestamp} and ${HEADER_NAMES.signature} are required` };
  }
  const timestamp = /^\d{1,16}$/.test(ts) ? Number(ts) : Number.NaN;
  const expected = Buffer.from(signature(secret, timestamp, deliveryId, body));
  const got = Buffer.from(given);
  if (!Number.isFinite(timestamp) || got.length !== expected.length || !timingSafeEqual(got, expected)) {
    return { ok: false, reason: "signature", message: "signature does not match" };
  }
  if (Math.abs(now - timestamp) > windowMs) {
    return { ok: false, reason: "timestamp", message: `timestamp ${new Date(timestamp).toISOString()} is outside the ${Math.round(windowMs / 1000)} s window` };
  }
  return { ok: true, deliveryId, timestamp };
}

/** A signed notice (pause, resume, a fill report) verified, or refused with 401 AUTH_FAILED and the reason. */
export function requireSigned(secret: string, headers: Record<string, string | string[] | undefined>, body: string, now: number, windowMs: number, what: string): { timestamp: number } {
  const check = verifySignature(secret, headers, body, now, windowMs);
  if (!check.ok) throw new TradectlError("AUTH_FAILED", `${what} refused: ${check.message}`, { details: { reason: check.reason } });
  return { timestamp: check.timestamp };
}
