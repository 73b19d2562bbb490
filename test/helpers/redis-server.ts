/**
 * A real redis-server (Debian's package, installed by .ci/run) for a test: on a free port, its files in a temp
 * folder, AOF with appendfsync always, never a system service. `pause`/`resume` send SIGSTOP/SIGCONT (a partition:
 * the sockets stay open, nothing answers); `stop` ends it and removes its folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  proc: ChildProcess;
  pause(): void;
  resume(): void;
  /** A raw command over its own connection (RESP inline), for checks from the test's side. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(opts: { appendfsync?: "always" | "everysec" | "no"; appendonly?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "tradectl-redis-"));
  const port = await freePort();
  const args = [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--appendonly", opts.appendonly === false ? "no" : "yes",
    "--appendfsync", opts.appendfsync ?? "always",
    "--daemonize", "no",
    "--logfile", join(dir, "redis.log"),
  ];
  const proc = spawn("redis-server", args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once("error", (err) => reject(new Error(`redis-server could not start (is Debian's redis-server installed? .ci/run installs it): ${err.message}`)));
    proc.once("spawn", () => resolve());
  });
  await spawned;
  const command = (...a: string[]) => send(port, a);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await command("PING")) === "+PONG") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("redis-server did not answer PING within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    proc,
    pause: () => void proc.kill("SIGSTOP"),
    resume: () => void proc.kill("SIGCONT"),
    command,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGCONT");
        proc.kill("SIGKILL");
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One command in RESP, its first reply line (enough for PING, simple strings and integers). */
function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let buf = "";
    sock.setTimeout(2000, () => sock.destroy(new Error("no reply")));
    sock.on("error", reject);
    sock.on("data", (c: Buffer) => {
      buf += c.toString();
      if (buf.includes("\r\n")) {
        sock.end();
        resolve(buf.slice(0, buf.indexOf("\r\n")));
      }
    });
    sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
  });
}
