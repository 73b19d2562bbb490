/** `tradectl resume [--reason TEXT]`: lift the kill switch. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(_args: string[], opts: GlobalOptions & { reason?: string }): Promise<void> {
  const ctx = makeContext(opts);
  const data = await ctx.client.post<Record<string, unknown>>("/admin/resume", { ...(opts.reason ? { reason: opts.reason } : {}), actor: process.env.USER ?? "cli" });
  if (ctx.json) return printJson(data);
  process.stdout.write(`trading resumed at ${data.resumed_at}\n`);
}
