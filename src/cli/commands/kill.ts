/** `tradectl kill [--reason TEXT] [--flatten]`: stop all trading (persisted, audited). */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(_args: string[], opts: GlobalOptions & { reason?: string; flatten?: boolean }): Promise<void> {
  const ctx = makeContext(opts);
  const data = await ctx.client.post<Record<string, unknown>>("/admin/kill-switch", {
    reason: opts.reason ?? "Manual emergency stop (CLI)",
    flatten: opts.flatten === true,
    actor: process.env.USER ?? "cli",
  });
  if (ctx.json) return printJson(data);
  process.stdout.write(`kill switch ACTIVE since ${data.stopped_at}: ${data.reason}\n`);
  if (Array.isArray(data.flatten_orders)) process.stdout.write(`closing orders: ${data.flatten_orders.join(", ") || "(no positions)"}\n`);
}
