/**
 * A faithful fake of the chat services tradectl notifies, on one port, built from their public documentation:
 * - Telegram Bot API `POST /bot<token>/sendMessage` (JSON, form or query parameters): `{ ok: true, result: Message }`,
 *   or `{ ok: false, error_code, description, parameters? }`: 401 Unauthorized (wrong token), 404 Not Found (no such
 *   method), 400 "chat not found" / "message text is empty" / "message is too long" (over 4096), 403 "bot was blocked
 *   by the user", 429 "Too Many Requests: retry after N" with `parameters.retry_after` when a chat gets more than
 *   about one message a second (a burst of 3 allowed), a group (negative chat id) more than 20 a minute, or the bot
 *   more than 30 a second.
 * - Discord execute webhook `POST /api/webhooks/<id>/<token>[?wait=true]`: 204, or 200 with the message when
 *   `wait=true`; 401 Invalid Webhook Token (50027), 404 Unknown Webhook (10015), 400 Cannot send an empty message
 *   (50006) or Invalid Form Body (50035, content over 2000); a bucket of 5 per 2 s per webhook announced in
 *   X-RateLimit-* headers, and past it 429 `{ message, retry_after (s), global }` with Retry-After.
 * - Slack incoming webhook `POST /services/<T>/<B>/<X>`: 200 `ok`, or plain-text errors: 400 invalid_payload /
 *   no_text, 404 no_service, 410 channel_is_archived, 500 rollup_error, 429 rate_limited with Retry-After past about
 *   one message a second (a burst of 3).
 * Faults a test can switch on at runtime (`POST /_control`): the next N requests of a service answer 500, answer
 * 429 with a given retry_after, or hang (never answered, never delivered, as behind a dead proxy). Every delivered
 * message is listed at `GET /_messages`, every request at `GET /_requests`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Service = "telegram" | "discord" | "slack";

export interface Faults {
  /** Answer the next N requests 500 (Telegram 502 Bad Gateway, as its front end does). */
  failNext: number;
  /** Answer the next N requests 429 with this retry_after (seconds). */
  rateLimitNext: number;
  retryAfterSeconds: number;
  /** Never answer the next N requests (and deliver nothing). */
  hangNext: number;
  /** Telegram: the chat blocked the bot (403). Slack: the channel is archived (410). Discord: the webhook was deleted (404). */
  gone: boolean;
}

export interface FakeChatOptions {
  telegram: { token: string; chats: string[] };
  discord: { id: string; token: string };
  slack: { path: string };
}

export interface Delivered {
  service: Service;
  /** Telegram chat id, Discord webhook id, Slack webhook path. */
  target: string;
  text: string;
  silent?: boolean;
  time: number;
}

export interface RequestLog {
  service: Service | "other";
  path: string;
  status: number | null;
  time: number;
}

const NO_FAULTS: Faults = { failNext: 0, rateLimitNext: 0, retryAfterSeconds: 1, hangNext: 0, gone: false };

/** A token bucket: `burst` at once, refilled at `perSecond`. */
class Bucket {
  private tokens: number;
  private at = Date.now();
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }
  /** Takes a token, or returns the seconds until one is there. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.perSecond;
  }
}

export async function startFakeChat(opts: FakeChatOptions, port = 0, host = "127.0.0.1") {
  const faults: Record<Service, Faults> = { telegram: { ...NO_FAULTS }, discord: { ...NO_FAULTS }, slack: { ...NO_FAULTS } };
  const delivered: Delivered[] = [];
  const requests: RequestLog[] = [];
  const hung = new Set<http.ServerResponse>();
  const chatBuckets = new Map<string, Bucket>();
  const botBucket = new Bucket(30, 30);
  const discordBucket = { remaining: 5, resetAt: 0 };
  const slackBucket = new Bucket(3, 1);
  let messageId = 1000;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/html" : "application/json", ...headers });
    res.end(text);
  };

  /** Applies the switched-on faults; true when the request was answered (or hung) by one. */
  const fault = (service: Service, res: http.ServerResponse, log: RequestLog): boolean => {
    const f = faults[service];
    if (f.hangNext > 0) {
      f.hangNext--;
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return true;
    }
    if (f.failNext > 0) {
      f.failNext--;
      log.status = service === "telegram" ? 502 : 500;
      if (service === "telegram") send(res, 502, { ok: false, error_code: 502, description: "Bad Gateway" });
      else if (service === "discord") send(res, 500, { message: "500: Internal Server Error", code: 0 });
      else send(res, 500, "rollup_error");
      return true;
    }
    if (f.rateLimitNext > 0) {
      f.rateLimitNext--;
      log.status = 429;
      tooMany(service, res, f.retryAfterSeconds);
      return true;
    }
    return false;
  };

  const tooMany = (service: Service, res: http.ServerResponse, seconds: number): void => {
    const whole = String(Math.max(1, Math.ceil(seconds)));
    if (service === "telegram") {
      const s = Math.max(1, Math.ceil(seconds));
      send(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${s}`, parameters: { retry_after: s } });
    } else if (service === "discord") {
      send(res, 429, { message: "You are being rate limited.", retry_after: Math.round(seconds * 1000) / 1000, global: false }, { "retry-after": whole, "x-ratelimit-scope": "user" });
    } else {
      send(res, 429, "rate_limited", { "retry-after": whole });
    }
  };

  const telegram = (req: http.IncomingMessage, res: http.ServerResponse, body: string, log: RequestLog): void => {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m || m[2]!.toLowerCase() !== "sendmessage") {
      log.status = 404;
      return send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    }
    if (m[1] !== opts.telegram.token) {
      log.status = 401;
      return send(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    }
    if (fault("telegram", res, log)) return;
    const params = telegramParams(req, body);
    if (!params) {
      log.status = 400;
      return send(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON object" });
    }
    const chat = String(params.chat_id ?? "");
    const text = typeof params.text === "string" ? params.text : "";
    const bad = (description: string, status = 400) => {
      log.status = status;
      send(res, status, { ok: false, error_code: status, description });
    };
    if (!chat) return bad("Bad Request: chat_id is empty");
    if (!opts.telegram.chats.includes(chat)) return bad("Bad Request: chat not found");
    if (faults.telegram.gone) return bad("Forbidden: bot was blocked by the user", 403);
    if (!text.trim()) return bad("Bad Request: message text is empty");
    if ([...text].length > 4096) return bad("Bad Request: message is too long");
    const bucket = chatBuckets.get(chat) ?? chatBuckets.set(chat, chat.startsWith("-") ? new Bucket(3, 20 / 60) : new Bucket(3, 1)).get(chat)!;
    const wait = Math.max(botBucket.take(), bucket.take());
    if (wait > 0) {
      log.status = 429;
      return tooMany("telegram", res, wait);
    }
    const date = Math.floor(Date.now() / 1000);
    delivered.push({ service: "telegram", target: chat, text, silent: params.disable_notification === true || params.disable_notification === "true", time: Date.now() });
    log.status = 200;
    send(res, 200, { ok: true, result: { message_id: ++messageId, from: { id: 1, is_bot: true, first_name: "fake" }, chat: { id: Number(chat), type: "private" }, date, text } });
  };

  const discord = (req: http.IncomingMessage, res: http.ServerResponse, body: string, log: RequestLog): void => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m || m[1] !== opts.discord.id || faults.discord.gone) {
      log.status = 404;
      return send(res, 404, { message: "Unknown Webhook", code: 10015 });
    }
    if (m[2] !== opts.discord.token) {
      log.status = 401;
      return send(res, 401, { message: "Invalid Webhook Token", code: 50027 });
    }
    if (fault("discord", res, log)) return;
    const now = Date.now();
    if (now >= discordBucket.resetAt) {
      discordBucket.remaining = 5;
      discordBucket.resetAt = now + 2000;
    }
    const resetAfter = Math.max(0, (discordBucket.resetAt - now) / 1000);
    if (discordBucket.remaining <= 0) {
      log.status = 429;
      return tooMany("discord", res, resetAfter);
    }
    let payload: { content?: unknown };
    try {
      payload = JSON.parse(body) as { content?: unknown };
    } catch {
      log.status = 400;
      return send(res, 400, { message: "400: Bad Request", code: 0 });
    }
    const content = typeof payload.content === "string" ? payload.content : "";
    if (!content.trim()) {
      log.status = 400;
      return send(res, 400, { message: "Cannot send an empty message", code: 50006 });
    }
    if ([...content].length > 2000) {
      log.status = 400;
      return send(res, 400, { message: "Invalid Form Body", code: 50035, errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } } });
    }
    discordBucket.remaining--;
    const headers = {
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": String(discordBucket.remaining),
      "x-ratelimit-reset": String(discordBucket.resetAt / 1000),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": "fake-webhook-bucket",
    };
    delivered.push({ service: "discord", target: m[1]!, text: content, time: now });
    if (url.searchParams.get("wait") === "true") {
      log.status = 200;
      return send(res, 200, { id: String(++messageId), type: 0, content, channel_id: "1", webhook_id: m[1], timestamp: new Date(now).toISOString() }, headers);
    }
    log.status = 204;
    res.writeHead(204, headers);
    res.end();
  };

  const slack = (req: http.IncomingMessage, res: http.ServerResponse, body: string, log: RequestLog): void => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path !== opts.slack.path) {
      log.status = 404;
      return send(res, 404, "no_service");
    }
    if (faults.slack.gone) {
      log.status = 410;
      return send(res, 410, "channel_is_archived");
    }
    if (fault("slack", res, log)) return;
    let payload: { text?: unknown };
    try {
      payload = JSON.parse(body) as { text?: unknown };
    } catch {
      log.status = 400;
      return send(res, 400, "invalid_payload");
    }
    if (typeof payload.text !== "string" || !payload.text.trim()) {
      log.status = 400;
      return send(res, 400, "no_text");
    }
    const wait = slackBucket.take();
    if (wait > 0) {
      log.status = 429;
      return tooMany("slack", res, wait);
    }
    delivered.push({ service: "slack", target: path, text: payload.text, time: Date.now() });
    log.status = 200;
    send(res, 200, "ok");
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/_control" && req.method === "POST") {
        const patch = JSON.parse(body || "{}") as Partial<Record<Service, Partial<Faults>>>;
        for (const s of ["telegram", "discord", "slack"] as const) Object.assign(faults[s], patch[s] ?? {});
        if ((patch as { clear?: boolean }).clear) delivered.length = 0;
        return send(res, 200, faults);
      }
      if (path === "/_messages") return send(res, 200, delivered);
      if (path === "/_requests") return send(res, 200, requests);
      const service: Service | "other" = path.startsWith("/bot") ? "telegram" : path.startsWith("/api/") ? "discord" : path.startsWith("/services/") ? "slack" : "other";
      const log: RequestLog = { service, path: service === "other" ? path : `/${service}`, status: null, time: Date.now() };
      requests.push(log);
      if (req.method !== "POST" && service !== "telegram") {
        log.status = 405;
        return send(res, 405, { message: "405: Method Not Allowed", code: 0 });
      }
      if (service === "telegram") return telegram(req, res, body, log);
      if (service === "discord") return discord(req, res, body, log);
      if (service === "slack") return slack(req, res, body, log);
      log.status = 404;
      send(res, 404, "not found");
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    faults,
    delivered,
    requests,
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** sendMessage parameters from the query string, a JSON body or a form body (the Bot API takes all three). */
function telegramParams(req: http.IncomingMessage, body: string): Record<string, unknown> | null {
  const query = Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams);
  const type = req.headers["content-type"] ?? "";
  if (!body) return query;
  if (type.includes("application/json")) {
    try {
      const v = JSON.parse(body) as unknown;
      return v && typeof v === "object" ? { ...query, ...(v as Record<string, unknown>) } : null;
    } catch {
      return null;
    }
  }
  return { ...query, ...Object.fromEntries(new URLSearchParams(body)) };
}
