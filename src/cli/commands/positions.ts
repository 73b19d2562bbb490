/** `tradectl positions`: open positions marked to market. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const data = await ctx.client.get<{ positions: Array<Record<string, unknown>> }>("/positions");
  if (ctx.json) return printJson(data);
  printTable(data.positions, ["ticker", "quantity", "entry_price", "current_price", "unrealized_pnl", "market_value", "stop_loss", "take_profit"]);
}
