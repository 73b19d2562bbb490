/** `tradectl notify test [CHANNEL] | status`: send a test message through the channels, or show their state. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

interface TestResult {
  channel: string;
  kind: string;
  ok: boolean;
  error?: string;
}

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const [action, channel] = args;
  if (action === "test") {
    const data = await ctx.client.post<{ results: TestResult[] }>("/notify/test", channel ? { channel } : {});
    const failed = data.results.filter((r) => !r.ok);
    if (ctx.json) printJson(data);
    else for (const r of data.results) process.stdout.write(`${r.ok ? "sent" : "FAILED"}  ${r.channel} (${r.kind})${r.error ? `: ${r.error}` : ""}\n`);
    if (failed.length) throw new TradectlError("NOTIFY_TEST_FAILED", `${failed.length} of ${data.results.length} channel${data.results.length === 1 ? "" : "s"} did not take the test message`);
    return;
  }
  if (action === "status" || action === undefined) {
    const data = await ctx.client.get<{ channels: Array<Record<string, unknown>> }>("/notify");
    if (ctx.json) return printJson(data);
    return printTable(data.channels, ["name", "kind", "state", "pending", "sent", "failed", "last_sent_at", "last_error"]);
  }
  throw new TradectlError("USAGE", `unknown notify action "${action}": use test [CHANNEL] or status`);
}
