/**
 * The daemon with broker.kind=mt5 against the real bridge.py (python3, fake MetaTrader5 package): config, secrets,
 * a setup that starts both and cleans up, and the order look-ups the MT5 integration tests share.
 */
import { join } from "node:path";
import type { TestContext } from "node:test";
import bcrypt from "bcryptjs";
import type { StoredOrder } from "../../src/store/journal.js";
import { BRIDGE_TOKEN, removeDir, startBridge, type BridgeProcess } from "../broker/mt5/bridge-process.js";
import { alert, spawnDaemon, startTestDaemon, type SpawnedDaemon, type TestDaemon } from "./daemon.js";
import { defer } from "./defer.js";
import { socketRequest } from "./socket-request.js";
import { tempHome } from "./temp-home.js";
import { until } from "./until.js";

export const SECRET = "mt5-webhook-secret-0123456789";
export const MAGIC = 424242;
export const ENV = { WEBHOOK_SECRET: SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync("admin-password-123", 4), MT5_BRIDGE_TOKEN: BRIDGE_TOKEN };

export function mt5Config(url: string, mt5: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { risk, webhook, ...rest } = extra as { risk?: Record<string, unknown>; webhook?: Record<string, unknown> };
  return {
    ...rest,
    risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100, ...risk },
    webhook: { syncBudgetMs: 2900, ...webhook },
    broker: { kind: "mt5", mt5: { url, timeoutMs: 5000, magic: MAGIC, syncSeconds: 1, ...mt5 } },
    instruments: { "9984": { symbol: "9984.T", contractSize: 100 }, "7203": { symbol: "7203.T", contractSize: 100 } },
  };
}

export interface Mt5Setup {
  bridge: BridgeProcess;
  d: TestDaemon;
  home: string;
  restart(): Promise<TestDaemon>;
}

/** A bridge (with `faults`) and an in-process daemon in a temp home, both stopped and removed after the test. */
export async function setup(t: TestContext, opts: { faults?: Record<string, unknown>; mt5?: Record<string, unknown>; config?: (bridgeUrl: string) => Record<string, unknown> } = {}): Promise<Mt5Setup> {
  const bridge = await startBridge(opts.faults ? { faults: opts.faults } : {});
  const { home, cleanup } = tempHome(mt5Config(bridge.url, opts.mt5, opts.config?.(bridge.url)));
  const s: Mt5Setup = {
    bridge,
    home,
    d: await startTestDaemon({ env: ENV, home }),
    async restart() {
      await s.d.close();
      s.d = await startTestDaemon({ env: ENV, home });
      return s.d;
    },
  };
  defer(t, async () => {
    await s.d.close();
    await bridge.stop();
    removeDir(bridge.dir);
    cleanup();
  });
  return s;
}

export interface SpawnedMt5Setup {
  bridge: BridgeProcess;
  home: string;
  /** Starts `tradectl daemon` on the home (again, after a SIGKILL): stopped with SIGKILL after the test. */
  spawn(): Promise<SpawnedDaemon>;
  /** GET on the control socket: the answer's `data`. */
  get(path: string): Promise<any>;
}

/** A bridge and daemons run as child processes (to be killed and restarted), in one temp home, removed after the test. */
export async function spawnedSetup(t: TestContext, mt5: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<SpawnedMt5Setup> {
  const bridge = await startBridge();
  const { home, cleanup } = tempHome(mt5Config(bridge.url, mt5, extra));
  const daemons: SpawnedDaemon[] = [];
  defer(t, async () => {
    for (const p of daemons) await p.stop("SIGKILL");
    await bridge.stop();
    removeDir(bridge.dir);
    cleanup();
  });
  return {
    bridge,
    home,
    async spawn() {
      const d = await spawnDaemon(home, ENV);
      daemons.push(d);
      return d;
    },
    get: async (path) => (await socketRequest(join(home, "tradectl.sock"), "GET", path)).body.data,
  };
}

export const order = async (d: TestDaemon, id: string): Promise<StoredOrder> => (await d.socket("GET", `/orders/${id}`)).body.data;
export const settled = (d: TestDaemon, id: string) => until(`order ${id} to settle`, () => order(d, id), (o) => !["pending", "submitted", "unknown"].includes(o.status));
export const buy = (over: Record<string, unknown> = {}) => alert(SECRET, { ticker: "9984", quantity: 100, ...over }, Date.now());
export const sends = (b: BridgeProcess) => b.fakeState().stats.order_send;
