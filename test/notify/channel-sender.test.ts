/**
 * One channel's sender against the fake Telegram Bot API (a real process, real HTTP), with the journal's outbox in a
 * temp SQLite file and time on manual timers: retries with backoff, a service's retry-after, a request that hangs,
 * the breaker that keeps a dead channel from costing anything, and exactly one delivery each time.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ChannelSender } from "../../src/notify/channel-sender.js";
import { TelegramTransport } from "../../src/notify/channels/telegram.js";
import { RateGate } from "../../src/notify/rate-gate.js";
import { render } from "../../src/notify/templates.js";
import { Database } from "../../src/store/database.js";
import { NotificationOutbox } from "../../src/store/notification-outbox.js";
import { defer } from "../helpers/defer.js";
import { FAKE_CHAT_ID, FAKE_TELEGRAM_TOKEN, startFakeChatProcess, type FakeChat } from "../helpers/fake-chat-process.js";
import { until } from "../helpers/until.js";
import { ManualTimers } from "../feeds/manual-timers.js";
import { testHome } from "../helpers/temp-home.js";

async function setup(t: TestContext, opts: { token?: string; timeoutMs?: number; minIntervalMs?: number; maxAgeMs?: number } = {}) {
  const chat = await startFakeChatProcess(t);
  const home = testHome(t);
  const db = new Database(join(home, "tradectl.db"));
  defer(t, () => db.close());
  const outbox = new NotificationOutbox(db);
  const timers = new ManualTimers();
  const warnings: Array<Record<string, unknown>> = [];
  const counts = { sent: 0, failedAttempts: 0, expired: 0 };
  const sender = new ChannelSender({
    name: "phone",
    transport: new TelegramTransport({ token: opts.token ?? FAKE_TELEGRAM_TOKEN, chatId: FAKE_CHAT_ID, apiUrl: chat.telegramApi, timeoutMs: opts.timeoutMs ?? 5000 }),
    outbox,
    gate: new RateGate(opts.minIntervalMs ?? 1000),
    timers,
    batchDelayMs: () => 0,
    maxAgeMs: () => opts.maxAgeMs ?? 86_400_000,
    line: (r, now) => render(r, now, (ms) => new Date(ms).toISOString()),
    redact: (s) => s,
    warn: (msg, meta) => warnings.push({ msg, ...meta }),
    info: () => {},
    events: { sent: (_c, _k, n) => (counts.sent += n), ended: (_c, _k, n, outcome) => outcome === "expired" && (counts.expired += n), attemptFailed: () => counts.failedAttempts++ },
    random: () => 0,
  });
  defer(t, () => sender.stop());
  const notify = (text: string) => {
    outbox.enqueue([{ channels: ["phone"], key: "system.killed", severity: "critical", eventId: null, createdAt: timers.now(), payload: JSON.stringify({ reason: text }) }]);
    sender.wake({ now: true });
  };
  /** Moves time, then waits until the sender is waiting on a timer again or has nothing to do (no request in flight). */
  const step = async (ms: number) => {
    timers.advance(ms);
    await until("the sender to settle", () => timers.size > 0 || !sender.busy);
  };
  const telegramRequests = async () => (await chat.requests()).filter((r) => r.service === "telegram");
  return { chat, outbox, timers, sender, notify, step, warnings, counts, telegramRequests };
}

const delivered = async (chat: FakeChat) => (await chat.messages()).map((m) => m.text);

test("a channel that answers 500 is retried with backoff (1 s, 2 s) and the notification is sent once", async (t) => {
  // No pacing of its own here: every wait seen is the retry's backoff.
  const s = await setup(t, { minIntervalMs: 0 });
  await s.chat.control({ telegram: { failNext: 2 } });
  s.notify("drawdown");
  await s.step(0);
  assert.equal((await s.telegramRequests()).length, 1);
  await s.step(999);
  assert.equal((await s.telegramRequests()).length, 1, "the first retry waits its second");
  await s.step(1);
  assert.equal((await s.telegramRequests()).length, 2);
  await s.step(1999);
  assert.equal((await s.telegramRequests()).length, 2, "the second retry waits two");
  await s.step(1);
  assert.deepEqual((await s.telegramRequests()).map((r) => r.status), [502, 502, 200]);
  assert.deepEqual(await delivered(s.chat), ["🛑 KILL SWITCH ON: drawdown"]);
  assert.equal(s.outbox.pending("phone", 10).length, 0);
  assert.equal(s.sender.status(0).state, "ok");
  assert.equal(s.counts.sent, 1);
});

test("429 with retry_after: nothing goes to the channel before the time it named, then the notification goes once", async (t) => {
  const s = await setup(t);
  await s.chat.control({ telegram: { rateLimitNext: 1, retryAfterSeconds: 7 } });
  s.notify("first");
  await s.step(0);
  assert.equal(s.sender.status(0).state, "rate-limited");
  assert.match(s.sender.status(0).last_error!, /^TELEGRAM_429: Too Many Requests: retry after 7$/);
  s.notify("second"); // a notification arriving meanwhile waits too
  await s.step(6999);
  assert.equal((await s.telegramRequests()).length, 1, "nothing before retry_after");
  await s.step(1);
  assert.deepEqual((await s.telegramRequests()).map((r) => r.status), [429, 200]);
  const texts = await delivered(s.chat);
  assert.equal(texts.length, 1, "both notifications in one message");
  assert.match(texts[0]!, /^tradectl: 2 notifications\n🛑 KILL SWITCH ON: first\n🛑 KILL SWITCH ON: second$/);
});

test("a request that hangs times out, is retried, and the notification is delivered once", async (t) => {
  const s = await setup(t, { timeoutMs: 300 });
  await s.chat.control({ telegram: { hangNext: 1 } });
  s.notify("hang");
  await s.step(0);
  assert.equal(s.sender.status(0).last_error, "TIMEOUT: no answer within 300 ms");
  await s.step(1000);
  assert.deepEqual(await delivered(s.chat), ["🛑 KILL SWITCH ON: hang"]);
  assert.equal((await s.telegramRequests()).length, 2);
});

test("a dead channel costs nothing: after three failed deliveries the breaker opens and no request is made until its wait is over", async (t) => {
  const s = await setup(t);
  await s.chat.control({ telegram: { failNext: 1000 } });
  s.notify("dead");
  await s.step(0);
  // Three deliveries of three attempts each (waits of 1 s and 2 s between attempts, 1 s between deliveries).
  for (let i = 0; i < 12; i++) await s.step(1000);
  assert.equal((await s.telegramRequests()).length, 9);
  const open = s.sender.status(1);
  assert.equal(open.state, "open");
  assert.ok(s.warnings.some((w) => w.msg === "notification channel failing: breaker open, notifications wait in the outbox"));
  const reopenAt = Date.parse(open.next_attempt_at!);
  for (let i = 0; i < 10; i++) s.notify(`more ${i}`); // new notifications neither wake nor cost a request
  while (s.timers.now() + 1000 < reopenAt) await s.step(1000);
  assert.equal((await s.telegramRequests()).length, 9, "no request while open");
  await s.chat.control({ telegram: { failNext: 0 } });
  await s.step(reopenAt - s.timers.now());
  assert.equal((await s.telegramRequests()).length, 10, "one probe");
  const texts = await delivered(s.chat);
  assert.equal(texts.length, 1);
  assert.match(texts[0]!, /^tradectl: 11 notifications\n/);
  assert.equal(s.outbox.pending("phone", 100).length, 0);
  assert.equal(s.sender.status(0).state, "ok");
});

test("a refused token opens the breaker at once; the error names the status, never the token", async (t) => {
  const s = await setup(t, { token: "9999:wrong-token-abcdefghijklmnop" });
  s.notify("x");
  await s.step(0);
  const st = s.sender.status(1);
  assert.equal(st.state, "open");
  assert.equal(st.last_error, "TELEGRAM_401: Unauthorized");
  assert.equal((await s.telegramRequests()).length, 1, "a refusal is not retried");
  assert.equal(s.outbox.pending("phone", 10).length, 1, "the notification waits");
});

test("notifications a dead channel kept past notify.maxAgeHours are dropped as expired, not sent late", async (t) => {
  const s = await setup(t, { maxAgeMs: 3_600_000 });
  await s.chat.control({ telegram: { failNext: 1_000_000 } });
  s.notify("old news");
  await s.step(0);
  while (s.sender.status(0).state !== "open") await s.step(1000);
  await s.step(3_600_000);
  await s.chat.control({ telegram: { failNext: 0 } });
  s.notify("fresh");
  while ((await delivered(s.chat)).length === 0) await s.step(60_000);
  const texts = await delivered(s.chat);
  assert.equal(texts.length, 1);
  assert.match(texts[0]!, /^🛑 KILL SWITCH ON: fresh \(at /, "the fresh one only, said when it happened (the breaker held it)");
  assert.equal(s.counts.expired, 1);
  assert.equal(s.outbox.pending("phone", 10).length, 0);
});
