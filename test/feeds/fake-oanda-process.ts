/** Starts scripts/fake-oanda/main.ts as a real child process for one test. */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface FakeOandaProcess {
  url: string;
  pid: number;
  control(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  log(): Promise<{ id: number; path: string; kind: string; time: number; status: number; lines: number; endReason: string | null }[]>;
}

export async function startFakeOandaProcess(t: TestContext, args: string[] = []): Promise<FakeOandaProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/fake-oanda/main.ts", "--port", "0", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  t.after(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("fake-oanda did not start")), 20_000);
    lines.once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`fake-oanda exited with ${code}`)));
  });
  const url = (JSON.parse(first) as { listening: string }).listening;
  return {
    url,
    pid: child.pid!,
    control: async (body) => {
      const res = await fetch(`${url}/_control`, { method: "POST", body: JSON.stringify(body) });
      return (await res.json()) as Record<string, unknown>;
    },
    log: async () => (await (await fetch(`${url}/_log`)).json()) as Awaited<ReturnType<FakeOandaProcess["log"]>>,
  };
}
