/** `tradectl close TICKER|--all`: close a position (both sides), or every position, through the daemon's admission. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";
import { printOrderAnswer } from "./order-answer.js";

export async function run(args: string[], opts: GlobalOptions & { all?: boolean }): Promise<void> {
  const ticker = opts.all ? "*" : args[0];
  if (!ticker || (opts.all && args[0])) throw new TradectlError("USAGE", "give a TICKER or --all (not both)");
  const ctx = makeContext(opts);
  const data = await ctx.client.post<Record<string, unknown>>("/close", { ticker });
  if (ctx.json) return printJson(data);
  printOrderAnswer(data);
}
