/** `tradectl order ID`: one order in full. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  printJson(await ctx.client.get(`/orders/${encodeURIComponent(args[0] ?? "")}`));
}
