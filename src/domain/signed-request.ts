/**
 * A signed request: `X-Tradectl-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<id>.<body>">` beside
 * `X-Tradectl-Delivery` (the id) and `X-Tradectl-Timestamp`. The relay signs its deliveries and notices this way
 * (relay/signature.ts also checks them), and the notify webhook channel its messages.
 */
import { createHmac } from "node:crypto";

export const DELIVERY_HEADER = "x-tradectl-delivery";
export const TIMESTAMP_HEADER = "x-tradectl-timestamp";
export const SIGNATURE_HEADER = "x-tradectl-signature";

export function signature(secret: string, timestamp: number, deliveryId: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${deliveryId}.${body}`).digest("hex")}`;
}

export function signedHeaders(secret: string, deliveryId: string, body: string, timestamp: number): Record<string, string> {
  return {
    [DELIVERY_HEADER]: deliveryId,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signature(secret, timestamp, deliveryId, body),
  };
}
