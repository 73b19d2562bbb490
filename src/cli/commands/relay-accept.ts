/** `tradectl relay accept URL [--sizing F]`: this daemon subscribes to a channel through its invitation. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(args: string[], opts: GlobalOptions & { sizing?: string }): Promise<void> {
  const ctx = makeContext(opts);
  const [url] = args;
  const sizing = Number(opts.sizing ?? "1");
  if (!Number.isFinite(sizing) || sizing <= 0) throw new TradectlError("USAGE", "--sizing must be a number above 0, such as 0.5");
  const sub = await ctx.client.post<{ id: string; channel_name: string; sender_url: string; sizing: number }>("/relay/subscriptions", { url, sizing });
  if (ctx.json) return printJson(sub);
  process.stdout.write(`subscribed to ${sub.channel_name} from ${sub.sender_url} as ${sub.id}, sizing ${sub.sizing}\nIts signals are admitted by this daemon's own checks (kill switch, risk limits) with source relay:${sub.channel_name}.\n`);
}
