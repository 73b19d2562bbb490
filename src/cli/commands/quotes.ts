/** `tradectl quotes`: the latest quote of every instrument. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const quotes = await ctx.client.get<Array<Record<string, unknown>>>("/quotes");
  if (ctx.json) return printJson(quotes);
  printTable(quotes.map((q) => ({ ...q, time: new Date(q.time as number).toISOString() })), ["instrument", "bid", "ask", "time", "tradeable", "feed"]);
}
