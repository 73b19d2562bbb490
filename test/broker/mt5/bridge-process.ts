/**
 * Starts the real scripts/mt5-bridge/bridge.py under python3 with the fake MetaTrader5 package
 * (test/fake-mt5) first on PYTHONPATH, on an ephemeral port, in a folder that holds the fake
 * terminal's state, its control file and the bridge's idempotency table (so a restart keeps them).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(import.meta.dirname, "../../..");
export const BRIDGE_TOKEN = "bridge-test-token-0123456789";

export interface FakeDeal {
  ticket: number;
  order: number;
  comment: string;
  magic: number;
  volume: number;
  price: number;
  entry: number;
  position_id: number;
}

export interface FakeState {
  deals: FakeDeal[];
  positions: { ticket: number; volume: number; symbol: string; comment: string }[];
  stats: { order_send: number; calls: Record<string, number>; max_concurrency: number };
}

export interface BridgeProcess {
  url: string;
  dir: string;
  /** Replaces the fake terminal's faults (re-read by the fake on every call). */
  faults(faults: Record<string, unknown>): void;
  /** The faults as the fake left them (counted faults are consumed from the file as they fire). */
  control(): Record<string, unknown>;
  fakeState(): FakeState;
  /** The comment of every order_send that reached the fake terminal, in order, across restarts of the bridge. */
  sent(): string[];
  /** Sends SIGSTOP (a hung bridge) or SIGCONT to the process. */
  signal(signal: NodeJS.Signals): void;
  /** Ends the process and waits for it (SIGTERM, or SIGKILL for a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Reuse a folder from an earlier process (restart). */
  dir?: string;
  /** Listen on this port (a restart where the daemon knows the old URL); default ephemeral. */
  port?: number;
  callTimeoutS?: number;
  faults?: Record<string, unknown>;
  /** The fake terminal's extra environment (MT5_FAKE_SEND_LOG, MT5_FAKE_BALANCE). */
  env?: Record<string, string>;
}

export async function startBridge(opts: StartOptions = {}): Promise<BridgeProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tradectl-mt5-"));
  const control = join(dir, "control.json");
  const statePath = join(dir, "fake-terminal.json");
  const sendLog = join(dir, "sends.log");
  if (opts.faults) writeFileSync(control, JSON.stringify(opts.faults));
  const args = [
    join(ROOT, "scripts/mt5-bridge/bridge.py"),
    "--host", "127.0.0.1",
    "--port", String(opts.port ?? 0),
    "--state", join(dir, "bridge.db"),
    "--call-timeout", String(opts.callTimeoutS ?? 10),
    "--reinit-backoff", "0.01",
  ];
  const child: ChildProcess = spawn("python3", args, {
    env: {
      ...process.env,
      PYTHONPATH: join(ROOT, "test/fake-mt5"),
      MT5_BRIDGE_TOKEN: BRIDGE_TOKEN,
      MT5_FAKE_STATE: statePath,
      MT5_FAKE_CONTROL: control,
      MT5_FAKE_FAULTS: "{}",
      MT5_FAKE_SEND_LOG: sendLog,
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((res, rej) => {
    lines.once("line", (line) => {
      try {
        res((JSON.parse(line) as { listening: string }).listening);
      } catch (err) {
        rej(new Error(`unexpected bridge output: ${line}`, { cause: err }));
      }
    });
    void exited.then((code) => rej(new Error(`bridge exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    dir,
    exited,
    faults(faults) {
      // Whole or not at all: the fake re-reads the file on every call, and a half-written one reads as no faults.
      writeFileSync(`${control}.tmp`, JSON.stringify(faults));
      renameSync(`${control}.tmp`, control);
    },
    control() {
      return existsSync(control) ? (JSON.parse(readFileSync(control, "utf8") || "{}") as Record<string, unknown>) : {};
    },
    fakeState() {
      return JSON.parse(readFileSync(statePath, "utf8")) as FakeState;
    },
    sent() {
      return existsSync(sendLog) ? readFileSync(sendLog, "utf8").split("\n").filter(Boolean) : [];
    },
    signal(signal) {
      child.kill(signal);
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        child.kill("SIGCONT"); // a stopped process (SIGSTOP) handles SIGTERM only once it runs again
      }
      await exited;
      lines.close();
    },
  };
}

export function removeDir(dir: string): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
