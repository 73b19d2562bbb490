/** `tradectl relay subscriptions` and `relay subscription pause|resume ID`: the channels this daemon receives. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

export async function list(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const subs = await ctx.client.get<Array<Record<string, unknown>>>("/relay/subscriptions");
  if (ctx.json) return printJson(subs);
  printTable(
    subs.map((s) => ({ ...s, paused_by: (s.paused_by as string[]).join(",") || null })),
    ["id", "channel_name", "state", "paused_by", "sizing", "received", "last_received_at", "sender_url"],
  );
}

export async function setState(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const [action, id] = args;
  if (action !== "pause" && action !== "resume") throw new TradectlError("USAGE", `unknown relay subscription action "${action}": use pause or resume`);
  const r = await ctx.client.post<{ id: string; state: string; paused_by: string[]; sender_told: boolean; sender_error: string | null }>(`/relay/subscriptions/${encodeURIComponent(id!)}/${action}`);
  if (ctx.json) return printJson(r);
  const by = r.paused_by.length ? ` (paused by ${r.paused_by.join(" and ")})` : "";
  const told = r.sender_told ? "; the sender was told" : `; the sender could not be told (${r.sender_error}): deliveries are refused here meanwhile`;
  process.stdout.write(`${r.id}: ${r.state}${by}${told}\n`);
}
