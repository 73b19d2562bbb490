/**
 * Notifications end to end: the real daemon (in-process, real servers, a temp journal) sends to the fake chat
 * services (a separate process speaking the Telegram Bot API and the Discord and Slack webhook contracts), to a
 * signed-webhook receiver and to an SMTP server (smtp-server) started here, through their error answers.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { alert, runCli, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { FAKE_CHAT_ID, FAKE_DISCORD, FAKE_TELEGRAM_TOKEN, startFakeChatProcess, type FakeChat } from "../helpers/fake-chat-process.js";
import { tempHome, testHome } from "../helpers/temp-home.js";
import { filesUnder } from "../helpers/files-under.js";
import { until } from "../helpers/until.js";

const BASE = { risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 1000 } };

async function daemon(t: TestContext, channels: Array<Record<string, unknown>>, env: Record<string, string>, opts: { home?: string; notify?: Record<string, unknown> } = {}): Promise<TestDaemon> {
  const config = { ...BASE, notify: { batchDelayMs: 0, ...opts.notify, channels } };
  const temp = opts.home ? null : tempHome(config);
  if (temp) defer(t, temp.cleanup);
  const d = await startTestDaemon({ home: opts.home ?? temp!.home, env });
  defer(t, () => d.close());
  return d;
}

const telegram = (chat: FakeChat, extra: Record<string, unknown> = {}) => ({ name: "phone", kind: "telegram", chatId: FAKE_CHAT_ID, apiUrl: chat.telegramApi, ...extra });
const texts = async (chat: FakeChat, service: string) => (await chat.messages()).filter((m) => m.service === service).map((m) => m.text);

let alertSeq = 0;
const buy = (d: TestDaemon, over: Record<string, unknown> = {}) => d.post("/webhook", alert(d.passphrase, { entry_price: 3000, ...over }, Date.now() + alertSeq++));

test("Telegram: a fill is told once with its side, quantity, ticker, price and order id; info is silent, a kill switch rings", async (t) => {
  const chat = await startFakeChatProcess(t);
  const d = await daemon(t, [telegram(chat)], { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN });
  const res = await buy(d);
  assert.equal(res.status, 200);
  const orderId = res.body.data.order_id as string;
  await until("the fill notification", async () => (await texts(chat, "telegram")).some((x) => x.includes(orderId)));
  await d.socket("POST", "/admin/kill-switch", { reason: "news at 10" });
  await until("the kill switch notification", async () => (await texts(chat, "telegram")).some((x) => x.includes("KILL SWITCH")));
  const messages = (await chat.messages()).filter((m) => m.service === "telegram");
  const fills = messages.filter((m) => m.text.includes(orderId));
  assert.equal(fills.length, 1);
  assert.equal(fills[0]!.text, `✅ BUY 100 9984 @ 3,000 filled · ${orderId}`);
  assert.equal(fills[0]!.silent, true);
  const kill = messages.find((m) => m.text.includes("KILL SWITCH"))!;
  assert.equal(kill.text, "🛑 KILL SWITCH ON: news at 10 · by socket · 1 position kept");
  assert.equal(kill.silent, false);
  assert.equal(messages.filter((m) => /tradectl started/.test(m.text)).length, 1, "system.started is told");
});

test("Discord: a 429 with retry_after is waited out, then the notification goes once", async (t) => {
  const chat = await startFakeChatProcess(t);
  await chat.control({ discord: { rateLimitNext: 1, retryAfterSeconds: 1 } });
  const d = await daemon(t, [{ name: "desk", kind: "discord" }], { DISCORD_WEBHOOK_URL: chat.discordUrl });
  await until("the started notification", async () => (await texts(chat, "discord")).length === 1);
  const requests = (await chat.requests()).filter((r) => r.service === "discord");
  assert.deepEqual(requests.map((r) => r.status), [429, 200]);
  assert.match((await texts(chat, "discord"))[0]!, /tradectl started/);
  await buy(d);
  await until("the fill", async () => (await texts(chat, "discord")).length === 2);
  assert.equal((await chat.requests()).filter((r) => r.service === "discord").length, 3, "nothing sent twice");
});

test("Slack: a 500 (rollup_error) is retried and the notification goes once", async (t) => {
  const chat = await startFakeChatProcess(t);
  await chat.control({ slack: { failNext: 1 } });
  await daemon(t, [{ name: "team", kind: "slack", events: ["system.*"] }], { SLACK_WEBHOOK_URL: chat.slackUrl });
  await until("the started notification", async () => (await texts(chat, "slack")).length === 1);
  assert.deepEqual((await chat.requests()).filter((r) => r.service === "slack").map((r) => r.status), [500, 200]);
});

test("a signed webhook: the receiver checks the signature; a delivery retried after a 503 keeps its id", async (t) => {
  const secret = "notify-webhook-signing-key-0123456789";
  const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let refuse = 1;
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      if (refuse-- > 0) {
        res.writeHead(503, { "retry-after": "0" }).end("busy");
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  defer(t, () => new Promise<void>((r) => receiver.close(() => r())));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/tradectl`;
  await daemon(t, [{ name: "ops", kind: "webhook", url, events: ["system.started"] }], { NOTIFY_WEBHOOK_SECRET: secret });
  await until("the retried delivery", () => got.length === 2);
  const [first, second] = got;
  assert.equal(first!.headers["x-tradectl-delivery"], second!.headers["x-tradectl-delivery"], "one delivery id for its retries");
  for (const g of got) {
    const ts = String(g.headers["x-tradectl-timestamp"]);
    const id = String(g.headers["x-tradectl-delivery"]);
    const expected = `sha256=${createHmac("sha256", secret).update(`${ts}.${id}.${g.body}`).digest("hex")}`;
    assert.equal(g.headers["x-tradectl-signature"], expected);
  }
  const body = JSON.parse(second!.body) as { channel: string; text: string; notifications: Array<{ key: string; payload: Record<string, unknown> }> };
  assert.equal(body.channel, "ops");
  assert.deepEqual(body.notifications.map((n) => n.key), ["system.started"]);
  assert.equal(body.notifications[0]!.payload.broker, "paper");
});

test("e-mail over SMTP: a 451 is retried and the mail arrives once, with the login from SMTP_PASSWORD", async (t) => {
  const mails: Array<{ from: string; to: string[]; data: string }> = [];
  let temporary = 1;
  const server = new SMTPServer({
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === "alerts@example.com" && auth.password === "smtp-password-0123456789") return cb(null, { user: auth.username });
      cb(Object.assign(new Error("Invalid credentials"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      let data = "";
      stream.on("data", (c: Buffer) => (data += c.toString()));
      stream.on("end", () => {
        if (temporary-- > 0) return cb(Object.assign(new Error("Try again later"), { responseCode: 451 }));
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  defer(t, () => new Promise<void>((r) => server.close(() => r())));
  const port = (server.server.address() as AddressInfo).port;
  const d = await daemon(
    t,
    [{ name: "mail", kind: "email", events: ["system.started"], smtp: { host: "127.0.0.1", port, user: "alerts@example.com", from: "tradectl@example.com", to: ["trader@example.com"] } }],
    { SMTP_PASSWORD: "smtp-password-0123456789" },
  );
  await until("the mail", () => mails.length === 1);
  await d.close();
  for (const f of filesUnder(d.home)) assert.equal(readFileSync(f).includes(Buffer.from("smtp-password-0123456789")), false, `the SMTP password in ${f}`);
  assert.deepEqual([mails[0]!.from, mails[0]!.to], ["tradectl@example.com", ["trader@example.com"]]);
  assert.match(mails[0]!.data, /^Subject: =\?UTF-8\?Q\?=5Btradectl=5D_/m, "the first line is the subject");
  assert.match(mails[0]!.data, /tradectl started =C2=B7 broker paper/);
});

test("a burst of fills goes out as a few messages (one a second per chat), and every fill is in them once", async (t) => {
  const chat = await startFakeChatProcess(t);
  const d = await daemon(t, [telegram(chat, { events: ["order.filled"] })], { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN }, { notify: { batchDelayMs: 300 } });
  const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => buy(d, { ticker: ["9984", "7203", "6758"][i % 3] })));
  const ids = answers.map((a) => a.body.data.order_id as string);
  assert.equal(new Set(ids).size, 25);
  await until("every fill told", async () => {
    const all = (await texts(chat, "telegram")).join("\n");
    return ids.every((id) => all.includes(id));
  });
  const messages = await texts(chat, "telegram");
  assert.ok(messages.length < 5, `${messages.length} messages for 25 fills`);
  const all = messages.join("\n");
  for (const id of ids) assert.equal(all.split(id).length - 1, 1, `${id} told once`);
  assert.equal((await chat.requests()).filter((r) => r.status === 429).length, 0, "the chat's limit was kept");
});

test("a restart with notifications in the outbox sends each of them exactly once", async (t) => {
  const chat = await startFakeChatProcess(t);
  // Nothing of the second run is for this channel: only what the first run left can go out.
  const home = testHome(t, { ...BASE, notify: { batchDelayMs: 0, channels: [telegram(chat, { events: ["order.filled", "system.stopping"] })] } });
  const env = { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN };
  await chat.control({ telegram: { failNext: 1_000_000 } });
  const first = await startTestDaemon({ home, env });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await buy(first)).body.data.order_id as string);
  await first.close();
  assert.equal((await texts(chat, "telegram")).length, 0, "nothing got through the failing service");
  await chat.control({ telegram: { failNext: 0 } });
  const second = await startTestDaemon({ home, env });
  defer(t, () => second.close());
  await until("every leftover", async () => {
    const all = (await texts(chat, "telegram")).join("\n");
    return ids.every((id) => all.includes(id)) && /stopping/.test(all);
  });
  const all = (await texts(chat, "telegram")).join("\n");
  for (const id of ids) assert.equal(all.split(id).length - 1, 1, `${id} told once`);
  assert.equal(all.split("tradectl stopping").length - 1, 1);
  const pending = (await second.socket("GET", "/notify")).body.data.channels[0].pending;
  assert.equal(pending, 0);
});


test("notify test and status: a working channel takes the message, a refused one fails with its reason; no token anywhere", async (t) => {
  const chat = await startFakeChatProcess(t);
  const wrongDiscord = `${chat.url}/api/webhooks/${FAKE_DISCORD.id}/revoked-discord-token-0123456789`;
  const d = await daemon(t, [telegram(chat), { name: "desk", kind: "discord" }], { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN, DISCORD_WEBHOOK_URL: wrongDiscord });
  const one = await runCli(["notify", "test", "phone", "--home", d.home]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, "sent  phone (telegram)\n");
  assert.equal((await texts(chat, "telegram")).filter((x) => x.startsWith("🔔 tradectl test message for channel phone")).length, 1);
  const all = await runCli(["notify", "test", "--home", d.home]);
  assert.equal(all.code, 1);
  assert.match(all.stdout, /^sent  phone \(telegram\)$/m);
  assert.match(all.stdout, /^FAILED  desk \(discord\): DISCORD_401_50027: Invalid Webhook Token$/m);
  assert.match(all.stderr, /1 of 2 channels did not take the test message/);
  const unknown = await runCli(["notify", "test", "nope", "--home", d.home]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no notification channel named nope/);

  await until("the refused channel's breaker", async () => (await d.socket("GET", "/status")).body.data.notifications.find((c: { name: string }) => c.name === "desk").state === "open");
  const status = await runCli(["status", "--json", "--home", d.home]);
  const channels = JSON.parse(status.stdout).notifications as Array<{ name: string; state: string; last_error: string | null }>;
  assert.deepEqual(channels.map((c) => [c.name, c.state]), [["phone", "ok"], ["desk", "open"]]);
  assert.equal(channels[1]!.last_error, "DISCORD_401_50027: Invalid Webhook Token");
  const text = await runCli(["status", "--home", d.home]);
  assert.match(text.stdout, /desk\s+discord\s+open/);
  const metrics = await d.socket("GET", "/metrics");

  await d.close();
  const secrets = [FAKE_TELEGRAM_TOKEN, "revoked-discord-token-0123456789"];
  const outputs = [one, all, unknown, status, text].flatMap((r) => [r.stdout, r.stderr]).join("\n") + String(metrics.body);
  for (const s of secrets) assert.equal(outputs.includes(s), false, `${s} in a CLI output or /metrics`);
  const files = filesUnder(d.home);
  assert.ok(files.some((f) => f.includes(`${join(d.home, "logs")}`)), "logs were written");
  for (const f of files) for (const s of secrets) assert.equal(readFileSync(f).includes(Buffer.from(s)), false, `${s} in ${f}`);
});
