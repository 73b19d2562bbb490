/** `tradectl order ID`: one order in full, as aligned fields (times in JST) or --json. */
import { makeContext, type GlobalOptions } from "../context.js";
import { fmt, jstTime, printJson } from "../output.js";

const TIMES = new Set(["created_at", "updated_at", "submitted_at", "filled_at", "expires_at"]);

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const order = await ctx.client.get<Record<string, unknown>>(`/orders/${encodeURIComponent(args[0] ?? "")}`);
  if (ctx.json) return printJson(order);
  const entries = Object.entries(order).map(([k, v]): [string, string] => [TIMES.has(k) && v ? `${k} (JST)` : k, TIMES.has(k) && v ? jstTime(v as string)! : fmt(v)]);
  const width = Math.max(...entries.map(([k]) => k.length));
  process.stdout.write(`${entries.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
}
