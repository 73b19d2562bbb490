/**
 * Starts the real daemon for a test: in-process (real servers on port 0, real SQLite in a temp home, an injectable
 * clock) or as a child process of bin/tradectl (for signals, crashes and restarts). Both clean up after themselves.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { TestContext } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDaemon, type DaemonHandle, type DaemonOptions } from "../../src/daemon/daemon.js";
import type { Clock } from "../../src/domain/clock.js";
import { defer } from "./defer.js";
import { tempHome } from "./temp-home.js";
import { socketRequest, type RawResponse } from "./socket-request.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = join(ROOT, "bin", "tradectl");

/** Config that makes a test deterministic: always-open market, replay of the default recording. */
export const TEST_CONFIG = { risk: { marketHours: "always" } };

export interface TestDaemon {
  url: string;
  socketPath: string;
  home: string;
  passphrase: string;
  handle: DaemonHandle;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  get(path: string, headers?: Record<string, string>): Promise<RawResponse>;
  socket(method: string, path: string, body?: unknown): Promise<RawResponse>;
  close(): Promise<void>;
}

/** `spawnDaemon`, stopped after the test (before its home is removed, if that home came from `testHome`). */
export async function spawnTestDaemon(t: TestContext, home: string, env: Record<string, string> = {}, args: string[] = [], opts: { noHome?: boolean } = {}): Promise<SpawnedDaemon> {
  const d = await spawnDaemon(home, env, args, opts);
  defer(t, () => d.stop());
  return d;
}

export async function startTestDaemon(opts: { config?: Record<string, unknown>; clock?: Clock; env?: Record<string, string>; home?: string; port?: number; observeAnswer?: DaemonOptions["observeAnswer"] } = {}): Promise<TestDaemon> {
  const temp = opts.home ? null : tempHome(opts.config ?? TEST_CONFIG);
  const home = opts.home ?? temp!.home;
  const handle = await startDaemon({
    home,
    env: { ...(opts.env ?? {}) },
    ...(opts.clock ? { clock: opts.clock } : {}),
    overrides: { port: opts.port ?? 0 },
    ...(opts.observeAnswer ? { observeAnswer: opts.observeAnswer } : {}),
  });
  const passphrase = opts.env?.WEBHOOK_SECRET ?? readFileSync(handle.passphraseFile!, "utf8").trim();
  const http = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> => {
    const res = await fetch(`${handle.url}${path}`, {
      method,
      headers: { ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
  };
  return {
    url: handle.url,
    socketPath: handle.socketPath,
    home,
    passphrase,
    handle,
    post: (path, body, headers) => http("POST", path, body, headers),
    get: (path, headers) => http("GET", path, undefined, headers),
    socket: (method, path, body) => socketRequest(handle.socketPath, method, path, body),
    close: async () => {
      await handle.stop();
      temp?.cleanup();
    },
  };
}

export interface SpawnedDaemon {
  proc: ChildProcess;
  url: string;
  socketPath: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface LaunchedDaemon {
  proc: ChildProcess;
  /** The webhook base URL once the daemon says it is ready; rejects when it exits first. */
  ready: Promise<string>;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `bin/tradectl daemon --home HOME --port 0` without waiting for it (a crash test may kill it at any moment).
 * `noHome` leaves --home out, for a daemon that finds its folders from the environment (XDG, systemd) as a user's would.
 */
export function launchDaemon(home: string, env: Record<string, string> = {}, args: string[] = [], opts: { noHome?: boolean; keepOutput?: number } = {}): LaunchedDaemon {
  const keepOutput = opts.keepOutput ?? Infinity;
  const proc = spawn(process.execPath, [BIN, "daemon", ...(opts.noHome ? [] : ["--home", home, "--port", "0"]), ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (c: Buffer) => {
    out += c.toString();
    if (out.length > keepOutput) out = out.slice(-keepOutput);
  };
  proc.stdout!.on("data", collect);
  proc.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /webhook\s+(http\S+)\/webhook/.exec(out);
      if (m) {
        proc.stdout!.off("data", check);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`daemon exited with ${code} before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined); // a launch killed before it is ready is not an unhandled rejection
  return { proc, ready, output: () => out, exited };
}

/** Runs `bin/tradectl daemon --home HOME --port 0` and waits for its webhook URL (`noHome`: see launchDaemon). */
export async function spawnDaemon(home: string, env: Record<string, string> = {}, args: string[] = [], opts: { noHome?: boolean } = {}): Promise<SpawnedDaemon> {
  const { proc, ready, output, exited } = launchDaemon(home, env, args, opts);
  let timer: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    ready,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`daemon did not start:\n${output()}`)), 15_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    proc,
    url,
    socketPath: join(home, "tradectl.sock"),
    output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * Starts the daemon expecting it to refuse (exit 1 before it is ready) and returns its output; a daemon that starts
 * instead fails the caller at once, and is stopped, rather than running until a timeout.
 */
export async function refusedToStart(home: string, env: Record<string, string>): Promise<string> {
  let started: SpawnedDaemon;
  try {
    started = await spawnDaemon(home, env);
  } catch (err) {
    const message = (err as Error).message;
    if (!/^daemon exited with 1 before it was ready/.test(message)) throw err;
    return message;
  }
  await started.stop();
  throw new Error(`the daemon started:\n${started.output()}`);
}

/** Runs the CLI as a user would and collects its output and exit code; its environment is PATH, HOME and `env` alone. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    if (input !== undefined) proc.stdin.end(input);
    else proc.stdin.end();
    proc.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A valid alert body with the given passphrase and overrides. */
export function alert(passphrase: string, overrides: Record<string, unknown> = {}, now = Date.now()): Record<string, unknown> {
  return { action: "buy", ticker: "9984", quantity: 100, price: "market", timestamp: String(now), passphrase, ...overrides };
}
