/** Starts scripts/fake-chat/main.ts (fake Telegram Bot API, Discord and Slack webhooks) as a real child process. */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestContext } from "node:test";
import { ROOT } from "./daemon.js";

export const FAKE_TELEGRAM_TOKEN = "7700112233:AAF-fake-telegram-token-0123456789";
export const FAKE_CHAT_ID = "424242";
export const FAKE_DISCORD = { id: "112233445566", token: "fake-discord-webhook-token-abcdef0123" };
export const FAKE_SLACK_PATH = "/services/T0001/B0002/fakeslacksecret0123456789";

export interface Delivered {
  service: "telegram" | "discord" | "slack";
  target: string;
  text: string;
  silent?: boolean;
  time: number;
}

export interface FakeChat {
  url: string;
  telegramApi: string;
  discordUrl: string;
  slackUrl: string;
  control(body: Record<string, unknown>): Promise<void>;
  messages(): Promise<Delivered[]>;
  requests(): Promise<Array<{ service: string; status: number | null }>>;
  stop(): Promise<void>;
}

export async function startFakeChatProcess(t: TestContext): Promise<FakeChat> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/fake-chat/main.ts",
      "--port",
      "0",
      "--telegram-token",
      FAKE_TELEGRAM_TOKEN,
      "--telegram-chat",
      FAKE_CHAT_ID,
      "--discord-webhook",
      `${FAKE_DISCORD.id}/${FAKE_DISCORD.token}`,
      "--slack-path",
      FAKE_SLACK_PATH,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  t.after(stop);
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("fake-chat did not start")), 20_000);
    createInterface({ input: child.stdout! }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`fake-chat exited with ${code}`)));
  });
  const url = (JSON.parse(first) as { listening: string }).listening;
  return {
    url,
    telegramApi: url,
    discordUrl: `${url}/api/webhooks/${FAKE_DISCORD.id}/${FAKE_DISCORD.token}`,
    slackUrl: `${url}${FAKE_SLACK_PATH}`,
    control: async (body) => {
      await (await fetch(`${url}/_control`, { method: "POST", body: JSON.stringify(body) })).arrayBuffer();
    },
    messages: async () => (await (await fetch(`${url}/_messages`)).json()) as Delivered[],
    requests: async () => (await (await fetch(`${url}/_requests`)).json()) as Array<{ service: string; status: number | null }>,
    stop,
  };
}
