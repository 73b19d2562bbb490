/** `tradectl ping`: does the daemon answer on its socket? */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const data = await ctx.client.get<{ pong: boolean; time: string }>("/ping");
  if (ctx.json) return printJson(data);
  process.stdout.write(`pong from ${ctx.socketPath} at ${data.time}\n`);
}
