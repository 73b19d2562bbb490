/**
 * A generic webhook: POST {url} with a JSON body (the text and each notification's facts), signed as the relay signs
 * its deliveries: `X-Tradectl-Delivery` (id), `X-Tradectl-Timestamp` (Unix s), `X-Tradectl-Signature: sha256=<hex HMAC
 * of "timestamp.delivery_id.body">`. A retried delivery keeps its id, so a receiver can drop a repeat.
 * Any 2xx is taken; 429 and Retry-After are honoured.
 */
import { byStatus } from "../delivery-error.js";
import type { OutgoingMessage, Transport } from "../transport.js";
import { postJson, retryAfterHeader, shortText } from "./http-post.js";
import { signedHeaders } from "../../domain/signed-request.js";

export class SignedWebhookTransport implements Transport {
  readonly kind = "webhook";
  readonly maxLength = 16_000;

  constructor(private readonly o: { url: string; secret: string; channel: string; now: () => number; timeoutMs?: number | undefined }) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({
      delivery_id: m.deliveryId,
      channel: this.o.channel,
      severity: m.severity,
      text: m.text,
      notifications: m.rows.map((r) => ({ id: r.id, key: r.key, severity: r.severity, time: new Date(r.created_at).toISOString(), payload: r.payload })),
    });
    const r = await postJson(this.o.url, body, signal, {
      timeoutMs: this.o.timeoutMs,
      headers: signedHeaders(this.o.secret, m.deliveryId, body, Math.floor(this.o.now() / 1000)),
    });
    if (r.status >= 200 && r.status < 300) return;
    throw byStatus(r.status, `WEBHOOK_${r.status}`, shortText(r.text) || `HTTP ${r.status}`, retryAfterHeader(r));
  }
}
