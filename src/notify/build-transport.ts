/** A channel's transport from its config and its secret (from the environment only), or why it cannot run. */
import { createHash } from "node:crypto";
import { readSecret } from "../config/secrets.js";
import type { NotifyChannelConfig, NotifyChannelKind } from "../config/types.js";
import { DiscordTransport } from "./channels/discord.js";
import { EmailTransport } from "./channels/email.js";
import { SignedWebhookTransport } from "./channels/signed-webhook.js";
import { SlackTransport } from "./channels/slack.js";
import { TelegramTransport } from "./channels/telegram.js";
import type { Transport } from "./transport.js";

/** The variable a channel's secret is read from when its config names none. */
export const DEFAULT_SECRET_ENV: Record<NotifyChannelKind, string> = {
  telegram: "TELEGRAM_BOT_TOKEN",
  discord: "DISCORD_WEBHOOK_URL",
  slack: "SLACK_WEBHOOK_URL",
  webhook: "NOTIFY_WEBHOOK_SECRET",
  email: "SMTP_PASSWORD",
};

/** Least time between two messages of a channel, by kind: Telegram one a second per chat, Slack about the same. */
export const DEFAULT_MIN_INTERVAL_MS: Record<NotifyChannelKind, number> = { telegram: 1000, discord: 0, slack: 1000, webhook: 0, email: 10_000 };

/** A channel's pace: its own setting, else its kind's; a Telegram group (negative chat id) takes 20 messages a minute. */
export function minIntervalMs(c: NotifyChannelConfig): number {
  if (c.minIntervalMs !== undefined) return c.minIntervalMs;
  if (c.kind === "telegram" && c.chatId?.startsWith("-")) return 3000;
  return DEFAULT_MIN_INTERVAL_MS[c.kind];
}

export type Built = { ok: true; transport: Transport; secret: string | undefined; sharedKey: string | null } | { ok: false; error: string };

export function buildTransport(c: NotifyChannelConfig, env: NodeJS.ProcessEnv, now: () => number): Built {
  const secretEnv = c.secretEnv ?? DEFAULT_SECRET_ENV[c.kind];
  let secret: string | undefined;
  try {
    secret = readSecret(secretEnv, env);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  // E-mail may go through a relay that needs no login; every other kind needs its secret.
  const needsSecret = c.kind !== "email" || c.smtp?.user !== undefined;
  if (!secret && needsSecret) return { ok: false, error: `${secretEnv} is not set (in the environment or ${secretEnv}_FILE)` };
  switch (c.kind) {
    case "telegram":
      // Channels of one bot share its 30-messages-a-second limit; the key is a hash, never the token itself.
      return { ok: true, secret, transport: new TelegramTransport({ token: secret!, chatId: c.chatId!, apiUrl: c.apiUrl, timeoutMs: c.timeoutMs }), sharedKey: `telegram:${hash(secret!)}` };
    case "discord":
    case "slack": {
      if (!/^https?:\/\//.test(secret!)) return { ok: false, error: `${secretEnv} must hold the ${c.kind} webhook URL` };
      return { ok: true, secret, transport: c.kind === "discord" ? new DiscordTransport(secret!, c.timeoutMs) : new SlackTransport(secret!, c.timeoutMs), sharedKey: null };
    }
    case "webhook":
      return { ok: true, secret, transport: new SignedWebhookTransport({ url: c.url!, secret: secret!, channel: c.name, now, timeoutMs: c.timeoutMs }), sharedKey: null };
    case "email": {
      const s = c.smtp!;
      return { ok: true, secret, transport: new EmailTransport({ ...s, password: secret, timeoutMs: c.timeoutMs }), sharedKey: null };
    }
  }
}

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}
