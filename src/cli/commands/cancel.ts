/** `tradectl cancel ORDER_ID`: cancel one pending (limit/stop) order through the daemon's admission. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";
import { printOrderAnswer } from "./order-answer.js";

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const id = args[0];
  if (!id || !/^ORD_\d{8}_\d{3,}$/.test(id)) throw new TradectlError("USAGE", "give the ORDER_ID of a pending order (ORD_YYYYMMDD_NNN)");
  const ctx = makeContext(opts);
  const data = await ctx.client.post<Record<string, unknown>>(`/orders/${id}/cancel`, {});
  if (ctx.json) return printJson(data);
  printOrderAnswer(data);
}
