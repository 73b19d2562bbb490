/** `tradectl relay status [CHANNEL]`: per receiver, its state and counts, and the p50/p99 of each hop. */
import { makeContext, type GlobalOptions } from "../context.js";
import { fmt, printJson, printTable } from "../output.js";
import type { Hop, HopStats, ReceiverInfo } from "../../relay/relay-types.js";

type ReceiverStatus = ReceiverInfo & { channel: string; hops: Record<Hop, HopStats> };

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const rows = await ctx.client.get<ReceiverStatus[]>("/relay/status", { channel: args[0] });
  if (ctx.json) return printJson(rows);
  if (!rows.length) {
    process.stdout.write("(no receivers)\n");
    return;
  }
  for (const r of rows) {
    const by = r.paused_by.length ? ` by ${r.paused_by.join(" and ")}` : "";
    process.stdout.write(
      `${r.channel} → ${r.id} (${r.kind}): ${r.state}${by}; delivered ${r.delivered}, failed ${r.rejected + r.expired} (rejected ${r.rejected}, expired ${r.expired}), skipped ${r.skipped}, pending ${r.pending}\n` +
        (r.last_error ? `  last error: ${r.last_error}\n` : ""),
    );
    printTable(
      Object.entries(r.hops).map(([hop, s]) => ({ hop, count: s.count, p50_ms: s.p50_ms === null ? null : fmt(s.p50_ms), p99_ms: s.p99_ms === null ? null : fmt(s.p99_ms) })),
      ["hop", "count", "p50_ms", "p99_ms"],
    );
    process.stdout.write("\n");
  }
}
