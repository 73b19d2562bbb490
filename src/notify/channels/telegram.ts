/**
 * Telegram Bot API `sendMessage` (POST {api}/bot<token>/sendMessage, JSON). Every answer is `{ ok, result }` or
 * `{ ok: false, error_code, description, parameters? }`; a 429 carries `parameters.retry_after` (seconds), a group
 * that became a supergroup `parameters.migrate_to_chat_id`. Info is sent silently; warnings and worse ring.
 * The token sits in the URL path, so no error here ever quotes the URL.
 */
import { DeliveryError, byStatus } from "../delivery-error.js";
import type { OutgoingMessage, Transport } from "../transport.js";
import { postJson, retryAfterHeader, shortText } from "./http-post.js";

export const TELEGRAM_API = "https://api.telegram.org";
/** The Bot API takes 1-4096 characters of text. */
const MAX_TEXT = 4096;

interface BotApiAnswer {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export class TelegramTransport implements Transport {
  readonly kind = "telegram";
  readonly maxLength = MAX_TEXT;

  constructor(private readonly o: { token: string; chatId: string; apiUrl?: string | undefined; timeoutMs?: number | undefined }) {}

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const url = `${(this.o.apiUrl ?? TELEGRAM_API).replace(/\/+$/, "")}/bot${this.o.token}/sendMessage`;
    const body = JSON.stringify({
      chat_id: this.o.chatId,
      text: m.text,
      link_preview_options: { is_disabled: true },
      disable_notification: m.severity === "info",
    });
    const r = await postJson(url, body, signal, { timeoutMs: this.o.timeoutMs });
    let answer: BotApiAnswer = {};
    try {
      answer = JSON.parse(r.text) as BotApiAnswer;
    } catch {
      // a proxy's HTML page, an empty body: judged by the status alone
    }
    if (r.status === 200 && answer.ok === true) return;
    const status = answer.error_code ?? r.status;
    const description = shortText(answer.description ?? `HTTP ${r.status}`);
    const code = `TELEGRAM_${status}`;
    if (status === 429) {
      const s = answer.parameters?.retry_after;
      throw new DeliveryError("rate-limited", code, description, typeof s === "number" ? s * 1000 : retryAfterHeader(r));
    }
    const migrated = answer.parameters?.migrate_to_chat_id;
    if (migrated !== undefined) throw new DeliveryError("channel", code, `${description} (set chatId to ${migrated})`);
    // "chat not found" and "bot was blocked by the user" are about the channel, not the message.
    if (status === 400 && /chat not found|chat_id is empty|bot was blocked|not enough rights/i.test(description)) {
      throw new DeliveryError("channel", code, description);
    }
    throw byStatus(status, code, description, null);
  }
}
