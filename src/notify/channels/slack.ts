/**
 * A Slack incoming webhook (POST {webhook url}, JSON `text`): 200 with the body `ok`, or an error status with a short
 * plain-text reason (400 invalid_payload / no_text, 403 action_prohibited / invalid_token, 404 channel_not_found /
 * no_service, 410 channel_is_archived, 500 rollup_error); 429 with Retry-After when posting faster than about one
 * message a second. The webhook URL is a secret and never quoted.
 */
import { byStatus } from "../delivery-error.js";
import type { OutgoingMessage, Transport } from "../transport.js";
import { postJson, retryAfterHeader, shortText } from "./http-post.js";

/** Slack truncates past 40,000 characters and advises 4,000 at most. */
const MAX_TEXT = 4000;

export class SlackTransport implements Transport {
  readonly kind = "slack";
  readonly maxLength = MAX_TEXT;

  constructor(
    private readonly webhookUrl: string,
    private readonly timeoutMs?: number,
  ) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const r = await postJson(this.webhookUrl, JSON.stringify({ text: m.text }), signal, { timeoutMs: this.timeoutMs });
    if (r.status === 200) return;
    const reason = shortText(r.text) || `HTTP ${r.status}`;
    throw byStatus(r.status, `SLACK_${r.status}`, reason, retryAfterHeader(r));
  }
}
