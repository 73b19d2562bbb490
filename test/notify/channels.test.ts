/**
 * Each channel kind against the fake services' contracts, error answers included: what is refused for good (the
 * message, or the channel itself), what waits (a rate limit, with the time the service named) and what is retried.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryError } from "../../src/notify/delivery-error.js";
import { DiscordTransport } from "../../src/notify/channels/discord.js";
import { SlackTransport } from "../../src/notify/channels/slack.js";
import { TelegramTransport } from "../../src/notify/channels/telegram.js";
import type { OutgoingMessage, Transport } from "../../src/notify/transport.js";
import { FAKE_CHAT_ID, FAKE_DISCORD, FAKE_TELEGRAM_TOKEN, startFakeChatProcess } from "../helpers/fake-chat-process.js";

const message = (text: string): OutgoingMessage => ({ deliveryId: "d1", text, severity: "warning", rows: [] });
const never = new AbortController().signal;

async function failure(t: Transport, text: string): Promise<DeliveryError> {
  try {
    await t.send(message(text), never);
  } catch (err) {
    assert.ok(err instanceof DeliveryError, String(err));
    return err;
  }
  assert.fail("the send went through");
}

test("Telegram: a message too long is refused for good; an unknown chat or a blocked bot refuses the channel; 429 names its wait", async (t) => {
  const chat = await startFakeChatProcess(t);
  const tg = (chatId = FAKE_CHAT_ID) => new TelegramTransport({ token: FAKE_TELEGRAM_TOKEN, chatId, apiUrl: chat.telegramApi });
  const long = await failure(tg(), "x".repeat(4097));
  assert.deepEqual([long.failure, long.channelCode, long.message], ["message", "TELEGRAM_400", "Bad Request: message is too long"]);
  const unknown = await failure(tg("999"), "hello");
  assert.deepEqual([unknown.failure, unknown.message], ["channel", "Bad Request: chat not found"]);
  await chat.control({ telegram: { rateLimitNext: 1, retryAfterSeconds: 35 } });
  const limited = await failure(tg(), "hello");
  assert.deepEqual([limited.failure, limited.retryAfterMs, limited.message], ["rate-limited", 35_000, "Too Many Requests: retry after 35"]);
  await chat.control({ telegram: { failNext: 1 } });
  assert.equal((await failure(tg(), "hello")).failure, "temporary");
  await chat.control({ telegram: { gone: true } });
  const blocked = await failure(tg(), "hello");
  assert.deepEqual([blocked.failure, blocked.channelCode, blocked.message], ["channel", "TELEGRAM_403", "Forbidden: bot was blocked by the user"]);
});

test("Discord: content over 2000 is refused for good; a full bucket is announced before a 429, retry_after is read in seconds; a wrong token or a deleted webhook refuses the channel", async (t) => {
  const chat = await startFakeChatProcess(t);
  const discord = new DiscordTransport(chat.discordUrl);
  const tooLong = await failure(discord, "x".repeat(2001));
  assert.deepEqual([tooLong.failure, tooLong.channelCode, tooLong.message], ["message", "DISCORD_400_50035", "Invalid Form Body"]);
  for (let i = 0; i < 4; i++) {
    await discord.send(message(`m${i}`), never);
    assert.equal(discord.pauseMs, null, `send ${i}: the bucket still has room`);
  }
  await discord.send(message("m4"), never);
  assert.ok(discord.pauseMs !== null && discord.pauseMs > 0 && discord.pauseMs <= 2000, `pause ${discord.pauseMs}`);
  const limited = await failure(discord, "m5");
  assert.equal(limited.failure, "rate-limited");
  assert.ok(limited.retryAfterMs! > 0 && limited.retryAfterMs! <= 2000, `retry after ${limited.retryAfterMs}`);
  const wrongToken = await failure(new DiscordTransport(`${chat.url}/api/webhooks/${FAKE_DISCORD.id}/not-the-token`), "m");
  assert.deepEqual([wrongToken.failure, wrongToken.channelCode], ["channel", "DISCORD_401_50027"]);
  await chat.control({ discord: { gone: true } });
  const gone = await failure(discord, "m6");
  assert.deepEqual([gone.failure, gone.channelCode, gone.message], ["channel", "DISCORD_404_10015", "Unknown Webhook"]);
});

test("Slack: an archived channel refuses the channel (410), rollup_error is retried, 429 waits for Retry-After", async (t) => {
  const chat = await startFakeChatProcess(t);
  const slack = new SlackTransport(chat.slackUrl);
  await slack.send(message("hello"), never);
  await chat.control({ slack: { failNext: 1 } });
  const rollup = await failure(slack, "hello");
  assert.deepEqual([rollup.failure, rollup.channelCode, rollup.message], ["temporary", "SLACK_500", "rollup_error"]);
  await chat.control({ slack: { rateLimitNext: 1, retryAfterSeconds: 3 } });
  const limited = await failure(slack, "hello");
  assert.deepEqual([limited.failure, limited.retryAfterMs], ["rate-limited", 3000]);
  await chat.control({ slack: { gone: true } });
  const archived = await failure(slack, "hello");
  assert.deepEqual([archived.failure, archived.channelCode, archived.message], ["channel", "SLACK_410", "channel_is_archived"]);
  const wrong = await failure(new SlackTransport(`${chat.url}/services/T0/B0/wrong`), "hello");
  assert.deepEqual([wrong.failure, wrong.message], ["channel", "no_service"]);
});
