/** `tradectl relay receivers CHANNEL`: the receivers of a channel, with who paused and what was delivered. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const list = await ctx.client.get<Array<Record<string, unknown>>>(`/relay/channels/${encodeURIComponent(args[0]!)}/receivers`);
  if (ctx.json) return printJson(list);
  printTable(
    list.map((r) => ({ ...r, paused_by: (r.paused_by as string[]).join(",") || null, failed: (r.rejected as number) + (r.expired as number) })),
    ["id", "kind", "state", "paused_by", "delivered", "failed", "skipped", "pending", "endpoint", "last_error"],
  );
}
