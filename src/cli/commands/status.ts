/** `tradectl status`: the daemon's status object, as text or `--json`. */
import { makeContext, type GlobalOptions } from "../context.js";
import { fmt, printJson, printTable } from "../output.js";

interface Status {
  system_enabled: boolean;
  trading_active: boolean;
  market_open: boolean;
  daily_stats: Record<string, number>;
  current_positions: Array<Record<string, unknown>>;
  risk_status: Record<string, unknown>;
  kill_switch: { active: boolean; reason: string | null; actor: string | null; changed_at: string | null };
  streams: Array<Record<string, unknown>>;
  broker: { kind: string; connected: boolean; message?: string };
  notifications?: Array<Record<string, unknown>>;
  timestamp: string;
}

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const s = await ctx.client.get<Status>("/status");
  if (ctx.json) return printJson(s);
  const out = process.stdout;
  out.write(`system    ${s.system_enabled ? "enabled" : `KILLED (${s.kill_switch.reason ?? "no reason"}, by ${s.kill_switch.actor ?? "?"} at ${s.kill_switch.changed_at ?? "?"})`}\n`);
  out.write(`trading   ${s.trading_active ? "active" : "inactive"}   market ${s.market_open ? "open" : "closed"}   broker ${s.broker.kind} ${s.broker.connected ? "connected" : `DISCONNECTED${s.broker.message ? ` (${s.broker.message})` : ""}`}\n`);
  const d = s.daily_stats;
  out.write(`today     entries ${d.entries}  exits ${d.exits}  realized ${fmt(d.realized_pnl)}  unrealized ${fmt(d.unrealized_pnl)}  total ${fmt(d.total_pnl)}\n`);
  const r = s.risk_status;
  out.write(`risk      entries ${r.daily_entries}  cooldown ${r.cooldown}  daily loss ${fmt(r.daily_loss)}  exposure ${fmt(r.total_exposure)}\n\n`);
  printTable(s.current_positions, ["ticker", "quantity", "entry_price", "current_price", "unrealized_pnl"]);
  out.write("\n");
  printTable(s.streams, ["name", "state", "last_message_at", "reconnects", "last_error"]);
  if (s.notifications?.length) {
    out.write("\n");
    printTable(s.notifications, ["name", "kind", "state", "pending", "last_sent_at", "last_error"]);
  }
}
