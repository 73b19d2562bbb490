/**
 * The two worlds a crash loop runs in: the paper broker (priced by the bundled replay feed), and MT5 through the
 * real bridge process with the fake terminal, which records every order_send comment to a file. Risk and rate
 * limits are opened wide so that the alerts are admitted and the loop measures the crash path, not the limits.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { BRIDGE_TOKEN, removeDir, startBridge } from "../broker/mt5/bridge-process.js";
import { tempHome } from "../helpers/temp-home.js";

export const SECRET = "crash-loop-webhook-secret-0123456789";

export interface Terminal {
  /** Shares held per ticker, from the terminal's open positions. */
  positions(): Map<string, number>;
  /** Shares dealt per order comment (a leg "ORD_X.2" counts under "ORD_X"). */
  dealtByOrder(): Map<string, number>;
  /** Every order_send comment, in order. */
  sends(): string[];
}

export interface CrashWorld {
  broker: "paper" | "mt5";
  home: string;
  env: Record<string, string>;
  tickers: readonly string[];
  terminal: Terminal | null;
  close(): Promise<void>;
}

const OPEN_LIMITS = {
  webhook: { rateLimits: { perMinute: 1_000_000, perHour: 10_000_000, perDay: 100_000_000 } },
  risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 1_000_000_000, maxDailyLoss: 0, maxExposure: 0 },
};

export function paperWorld(): CrashWorld {
  const { home, cleanup } = tempHome({ ...OPEN_LIMITS, broker: { kind: "paper", paper: { initialCash: 1e13 } } });
  return { broker: "paper", home, env: { WEBHOOK_SECRET: SECRET }, tickers: ["9984", "7203", "6758", "8306", "130A"], terminal: null, close: async () => cleanup() };
}

const SYMBOLS: Record<string, string> = { "9984": "9984.T", "7203": "7203.T" };
const CONTRACT = 100;

export async function mt5World(): Promise<CrashWorld> {
  const { home, cleanup } = tempHome();
  const sendLog = join(home, "order-send-comments.jsonl");
  const bridge = await startBridge({ env: { MT5_FAKE_SEND_LOG: sendLog, MT5_FAKE_BALANCE: "1e13" } });
  const config = {
    ...OPEN_LIMITS,
    // An MT5 order takes a round trip or three to the terminal and they queue per ticker: a short budget answers 202
    // before the next kill instead of leaving most answers to be cut off (what is acknowledged is what is checked).
    webhook: { ...OPEN_LIMITS.webhook, syncBudgetMs: 300 },
    broker: { kind: "mt5", mt5: { url: bridge.url, timeoutMs: 10_000, magic: 777001, syncSeconds: 5 } },
    instruments: Object.fromEntries(Object.entries(SYMBOLS).map(([t, symbol]) => [t, { symbol, contractSize: CONTRACT }])),
  };
  writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  const tickerOf = new Map(Object.entries(SYMBOLS).map(([t, s]) => [s, t]));
  const terminal: Terminal = {
    positions() {
      const out = new Map<string, number>();
      for (const p of bridge.fakeState().positions) {
        const t = tickerOf.get(p.symbol) ?? p.symbol;
        out.set(t, (out.get(t) ?? 0) + Math.round(p.volume * CONTRACT));
      }
      return out;
    },
    dealtByOrder() {
      const out = new Map<string, number>();
      for (const d of bridge.fakeState().deals) {
        const id = d.comment.replace(/\.\d+$/, "");
        out.set(id, (out.get(id) ?? 0) + Math.round(d.volume * CONTRACT));
      }
      return out;
    },
    sends() {
      if (!existsSync(sendLog)) return [];
      return readFileSync(sendLog, "utf8").split("\n").filter(Boolean);
    },
  };
  return {
    broker: "mt5",
    home,
    env: { WEBHOOK_SECRET: SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync("crash-loop-admin-password", 4), MT5_BRIDGE_TOKEN: BRIDGE_TOKEN },
    tickers: Object.keys(SYMBOLS),
    terminal,
    async close() {
      await bridge.stop();
      removeDir(bridge.dir);
      cleanup();
    },
  };
}
