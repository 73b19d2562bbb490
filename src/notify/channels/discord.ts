/**
 * A Discord incoming webhook (execute webhook: POST {webhook url}?wait=true, JSON `content` of up to 2000 characters).
 * `wait=true` answers 200 with the message once Discord has saved it (without it a 204 says nothing of the save).
 * Mentions are never parsed, so a ticker or a reason cannot ping anyone. A 429 carries `retry_after` (seconds) in
 * its JSON body and a Retry-After header; `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset-After` says the bucket is
 * empty before a 429 comes. The webhook URL holds its token: it is a secret and never quoted.
 */
import { DeliveryError, byStatus } from "../delivery-error.js";
import type { OutgoingMessage, Transport } from "../transport.js";
import { postJson, retryAfterHeader, shortText } from "./http-post.js";

const MAX_CONTENT = 2000;

export class DiscordTransport implements Transport {
  readonly kind = "discord";
  readonly maxLength = MAX_CONTENT;
  /** Set when the last answer said the bucket is empty: ms to wait before the next send. */
  pauseMs: number | null = null;

  constructor(
    private readonly webhookUrl: string,
    private readonly timeoutMs?: number,
  ) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const url = new URL(this.webhookUrl);
    url.searchParams.set("wait", "true");
    const r = await postJson(url.toString(), JSON.stringify({ content: m.text, allowed_mentions: { parse: [] } }), signal, { timeoutMs: this.timeoutMs });
    this.pauseMs = r.headers["x-ratelimit-remaining"] === "0" ? seconds(r.headers["x-ratelimit-reset-after"]) : null;
    if (r.status === 200 || r.status === 204) return;
    let body: { message?: string; code?: number; retry_after?: number } = {};
    try {
      body = JSON.parse(r.text) as typeof body;
    } catch {
      // Cloudflare's HTML, an empty body
    }
    const code = `DISCORD_${r.status}${body.code ? `_${body.code}` : ""}`;
    const message = shortText(body.message ?? `HTTP ${r.status}`);
    if (r.status === 429) {
      throw new DeliveryError("rate-limited", code, message, typeof body.retry_after === "number" ? Math.ceil(body.retry_after * 1000) : retryAfterHeader(r));
    }
    throw byStatus(r.status, code, message, null);
  }
}

function seconds(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  const n = s === undefined ? NaN : Number(s);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : null;
}
