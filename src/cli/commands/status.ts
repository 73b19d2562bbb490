/** `tradectl status`: the daemon's status object, as text or `--json`. */
import { paint } from "../colour.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { fmt, printJson, printTable } from "../output.js";
import { marginCallText, streamNotes, type StreamNoteInput } from "../stream-notes.js";

interface Status {
  system_enabled: boolean;
  trading_active: boolean;
  market_open: boolean;
  daily_stats: Record<string, number>;
  current_positions: Array<Record<string, unknown>>;
  risk_status: Record<string, unknown>;
  kill_switch: { active: boolean; reason: string | null; actor: string | null; changed_at: string | null };
  streams: Array<Record<string, unknown> & StreamNoteInput>;
  broker: { kind: string; connected: boolean; message?: string };
  cluster?: {
    name: string;
    node: string;
    role: string;
    leader: string | null;
    lease: { token: number | null; lease_age_ms: number | null; lease_ms: number };
    redis: { state: string; latency_ms: number | null; reconnects: number; last_error: string | null; next_retry_ms: number | null; persistence: string | null; persistence_safe: boolean | null };
    queue: { pending_here: number; unacknowledged: number | null; to_publish: number };
  };
  notifications?: Array<Record<string, unknown>>;
  timestamp: string;
}

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const s = await ctx.client.get<Status>("/status");
  if (ctx.json) return printJson(s);
  const c = paint();
  const out = process.stdout;
  const signed = (n: number | undefined) => ((n ?? 0) < 0 ? c.red(fmt(n)) : fmt(n));
  out.write(`system    ${s.system_enabled ? c.green("enabled") : c.red(`KILLED (${s.kill_switch.reason ?? "no reason"}, by ${s.kill_switch.actor ?? "?"} at ${s.kill_switch.changed_at ?? "?"})`)}\n`);
  out.write(
    `trading   ${s.trading_active ? "active" : c.yellow("inactive")}   market ${s.market_open ? "open" : "closed"}   broker ${s.broker.kind} ${s.broker.connected ? c.green("connected") : c.red(`DISCONNECTED${s.broker.message ? ` (${s.broker.message})` : ""}`)}\n`,
  );
  const d = s.daily_stats;
  out.write(`today     entries ${d.entries}  exits ${d.exits}  realized ${signed(d.realized_pnl)}  unrealized ${signed(d.unrealized_pnl)}  total ${signed(d.total_pnl)}\n`);
  const r = s.risk_status;
  out.write(`risk      entries ${r.daily_entries}  cooldown ${r.cooldown}  daily loss ${fmt(r.daily_loss)}  exposure ${fmt(r.total_exposure)}\n`);
  if (s.cluster) {
    const p = s.cluster;
    const redis = p.redis.state === "connected" ? c.green(`redis connected ${p.redis.latency_ms ?? "?"} ms`) : c.red(`redis ${p.redis.state.toUpperCase()} (${p.redis.last_error ?? "no answer"}; reconnect ${p.redis.reconnects}${p.redis.next_retry_ms !== null ? `, next in ${p.redis.next_retry_ms} ms` : ""})`);
    const age = p.lease.lease_age_ms === null ? "?" : `${(p.lease.lease_age_ms / 1000).toFixed(1)} s`;
    out.write(`pair      ${p.name}: ${p.node} is ${p.role === "leader" ? c.green("LEADER") : "follower"}, leader ${p.leader ?? c.red("none")} (token ${p.lease.token ?? "-"}, lease renewed ${age} ago of ${p.lease.lease_ms / 1000} s)   ${redis}\n`);
    out.write(`          queue: ${p.queue.unacknowledged ?? "?"} unacknowledged, ${p.queue.pending_here} executing here, ${p.queue.to_publish} to hand back${p.redis.persistence_safe === false ? c.yellow(`   persistence: ${p.redis.persistence}`) : ""}\n`);
  }
  for (const st of s.streams) if (st.margin_call) out.write(`margin    ${marginCallText(st.margin_call)}\n`);
  out.write("\n");
  printTable(s.current_positions, ["ticker", "quantity", "entry_price", "current_price", "unrealized_pnl"]);
  out.write("\n");
  printTable(s.streams, ["name", "state", "last_message_at", "reconnects", "last_error"]);
  for (const note of s.streams.flatMap(streamNotes)) out.write(`${note.level === "alert" ? "!!" : " !"} ${note.text}\n`);
  if (s.notifications?.length) {
    out.write("\n");
    printTable(s.notifications, ["name", "kind", "state", "pending", "last_sent_at", "last_error"]);
  }
}
