/** `tradectl relay pause|resume CHANNEL RECEIVER`: the sender stops or restarts delivery to one receiver. */
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

async function setPaused(paused: boolean, args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const [channel, receiver] = args;
  const r = await ctx.client.post<{ id: string; state: string; paused_by: string[]; receiver_told: boolean | null }>(
    `/relay/channels/${encodeURIComponent(channel!)}/receivers/${encodeURIComponent(receiver!)}/${paused ? "pause" : "resume"}`,
  );
  if (ctx.json) return printJson(r);
  const by = r.paused_by.length ? ` (paused by ${r.paused_by.join(" and ")})` : "";
  const told = r.receiver_told === false ? "; the receiver could not be told (its list will show it on the next notice)" : "";
  process.stdout.write(`${r.id}: ${r.state}${by}${told}\n`);
}

export const pause = (args: string[], opts: GlobalOptions) => setPaused(true, args, opts);
export const resume = (args: string[], opts: GlobalOptions) => setPaused(false, args, opts);
