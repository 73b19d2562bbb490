/**
 * The fake chat services (Telegram Bot API, Discord and Slack incoming webhooks) for tests, demos and the benchmark.
 *   node --import tsx scripts/fake-chat/main.ts [--port N] [--telegram-token T] [--telegram-chat ID]…
 *     [--discord-webhook ID/TOKEN] [--slack-path /services/T/B/X]
 * First stdout line: {"listening":"http://127.0.0.1:PORT"}. Faults are switched at runtime with POST /_control
 * (`{"telegram":{"failNext":2}}`, names as Faults in server.ts); GET /_messages lists what was delivered.
 */
import { parseArgs } from "node:util";
import { startFakeChat } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "telegram-token": { type: "string", default: process.env.FAKE_TELEGRAM_TOKEN ?? "123456:fake-bot-token" },
    "telegram-chat": { type: "string", multiple: true, default: ["42"] },
    "discord-webhook": { type: "string", default: process.env.FAKE_DISCORD_WEBHOOK ?? "1000/fake-discord-token" },
    "slack-path": { type: "string", default: process.env.FAKE_SLACK_PATH ?? "/services/T000/B000/fakeslacktoken" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write("usage: fake-chat [--port N] [--host H] [--telegram-token T] [--telegram-chat ID]… [--discord-webhook ID/TOKEN] [--slack-path PATH]\n");
  process.exit(0);
}

const [id, token] = values["discord-webhook"].split("/");
const fake = await startFakeChat(
  {
    telegram: { token: values["telegram-token"], chats: values["telegram-chat"] },
    discord: { id: id ?? "1000", token: token ?? "" },
    slack: { path: values["slack-path"] },
  },
  Number(values.port),
  values.host,
);
process.stdout.write(JSON.stringify({ listening: fake.url }) + "\n");

const shutdown = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
