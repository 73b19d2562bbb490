/**
 * The crash loop's verdict, from the journal (read directly), the API's view of it, the answers the sender kept
 * and (MT5) the fake terminal's own record: nothing acknowledged lost, nothing twice, every repeat answered as the
 * first time, positions equal to the sum of fills everywhere they are kept.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { FINAL_ORDER_STATUSES, type OrderStatus } from "../../src/domain/types.js";
import type { SentAlert } from "./crash-loop.js";
import type { CrashWorld } from "./worlds.js";

/** Each kind of finding has a name, so a run can report some kinds without failing on them (see CRASH_LOOP_REPORT_ONLY). */
export type CheckName =
  | "crash" // a daemon exited by itself, or could not start
  | "lost" // an alert answered 200/202 without an order in a final state
  | "not-final" // an order left pending/submitted/unknown at the end
  | "duplicate-order" // one alert, more than one order
  | "repeat-answer" // a repeat answered otherwise than the first time (status or body bytes)
  | "server-error" // an answer 500 or above other than 503
  | "partial-fill" // an order marked filled for less than its quantity
  | "no-price" // an order refused or failed for want of a quote
  | "positions" // positions differ from the sum of fills (journal, API, ledger, terminal)
  | "broker-fills" // (MT5) what the terminal dealt for an order differs from what the journal recorded
  | "duplicate-send" // (MT5) a client order id reached order_send more than once
  | "api-journal"; // the API's orders differ from the journal's

export interface Finding {
  check: CheckName;
  message: string;
}

export interface Verdict {
  alerts: number;
  acknowledged: number;
  lost: number;
  duplicates: number;
  repeats: number;
  repeatsSame: number;
  orders: number;
  /** Orders by final (or not) status: "filled 90, expired 4". */
  statuses: string;
  /** The first findings of each check (see MAX_MESSAGES_PER_CHECK), then a line per check saying how many more. */
  findings: Finding[];
  /** How many findings each check made in all. */
  counts: Map<CheckName, number>;
}

interface OrderRow {
  order_id: string;
  request_id: string;
  ticker: string;
  action: string;
  quantity: number;
  status: string;
  filled_quantity: number;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
}

export interface ApiView {
  orders: Array<Record<string, unknown>>;
  positions: Array<{ ticker: string; quantity: number }>;
}

const MAX_MESSAGES_PER_CHECK = 20;

export function judge(world: CrashWorld, alerts: SentAlert[], api: ApiView | null, problem: string | null): Verdict {
  const findings: Finding[] = [];
  const counts = new Map<CheckName, number>();
  const found = (check: CheckName, message: string): void => {
    const n = (counts.get(check) ?? 0) + 1;
    counts.set(check, n);
    if (n <= MAX_MESSAGES_PER_CHECK) findings.push({ check, message });
  };
  if (problem) found("crash", problem);

  const db = new DatabaseSync(join(world.home, "tradectl.db"), { readOnly: true });
  const orders = db.prepare("SELECT order_id, request_id, ticker, action, quantity, status, filled_quantity, error_code, error_message, attempts FROM orders").all() as unknown as OrderRow[];
  const fills = db.prepare("SELECT ticker, action, quantity FROM fills").all() as unknown as Array<{ ticker: string; action: string; quantity: number }>;
  const ledger = db.prepare("SELECT ticker, quantity FROM positions").all() as unknown as Array<{ ticker: string; quantity: number }>;
  db.close();

  const byId = new Map(orders.map((o) => [o.order_id, o]));
  const byAlert = new Map<number, OrderRow[]>();
  for (const o of orders) {
    const m = /^cl-(\d+)-\d+$/.exec(o.request_id);
    if (!m) {
      found("duplicate-order", `order ${o.order_id} does not come from any alert sent (request ${o.request_id})`);
      continue;
    }
    const list = byAlert.get(Number(m[1])) ?? [];
    list.push(o);
    byAlert.set(Number(m[1]), list);
  }

  let acknowledged = 0;
  let lost = 0;
  for (const a of alerts) {
    const first = a.first;
    if (first && first.status >= 500 && first.status !== 503) found("server-error", `alert #${a.idx}: ${first.status} ${first.body.slice(0, 300)}`);
    for (const r of a.repeats) if (r.status >= 500 && r.status !== 503) found("server-error", `alert #${a.idx} repeated: ${r.status} ${r.body.slice(0, 300)}`);
    if (!first || (first.status !== 200 && first.status !== 202)) continue;
    acknowledged++;
    const orderId = (JSON.parse(first.body) as { data?: { order_id?: string } }).data?.order_id;
    const o = orderId ? byId.get(orderId) : undefined;
    const mine = o && byAlert.get(a.idx)?.includes(o);
    if (!o || !mine || !FINAL_ORDER_STATUSES.has(o.status as OrderStatus)) {
      lost++;
      found("lost", `alert #${a.idx} (${a.action} ${a.quantity} ${a.ticker}) answered ${first.status} with ${orderId}: ${o ? (mine ? `order ${o.status}` : `order belongs to ${o.request_id}`) : "no such order in the journal"}`);
    }
  }

  let duplicates = 0;
  for (const [idx, list] of byAlert) {
    if (list.length < 2) continue;
    duplicates += list.length - 1;
    const a = alerts[idx];
    const when = a ? `; its timestamp is ${Math.round((a.timestamp - a.sentAt[0]!) / 1000)} s ahead of its first send, sent at +${a.sentAt.map((t) => Math.round((t - a.sentAt[0]!) / 1000)).join(" s, +")} s` : "";
    found("duplicate-order", `alert #${idx} has ${list.length} orders: ${list.map((o) => `${o.order_id} (${o.request_id}, ${o.status})`).join(", ")}${when}`);
  }

  let repeats = 0;
  let repeatsSame = 0;
  for (const a of alerts) {
    for (const r of a.repeats) {
      repeats++;
      if (r.same) repeatsSame++;
      else found("repeat-answer", `alert #${a.idx}: first answer (run ${a.first!.run}) ${a.first!.status} ${a.first!.body}; a repeat in run ${r.run} got ${r.status} ${r.body}`);
    }
  }

  for (const o of orders) {
    if (!FINAL_ORDER_STATUSES.has(o.status as OrderStatus)) found("not-final", `order ${o.order_id} (${o.request_id}) is still ${o.status}`);
    if (o.status === "filled" && o.filled_quantity !== o.quantity) found("partial-fill", `order ${o.order_id} (${o.action} ${o.quantity} ${o.ticker}, sent ${o.attempts}×) is filled with ${o.filled_quantity}`);
    if (o.error_code === "NO_PRICE") found("no-price", `order ${o.order_id} (${o.action} ${o.ticker}) ended ${o.status} NO_PRICE: ${o.error_message}`);
  }

  const signed = (action: string, q: number): number => (action === "sell" ? -q : q);
  const views: Record<string, Map<string, number>> = {
    "orders' fills": sum(orders.map((o) => [o.ticker, signed(o.action, o.filled_quantity)] as const)),
    "fills table": sum(fills.map((f) => [f.ticker, signed(f.action, f.quantity)] as const)),
    "ledger positions": sum(ledger.map((p) => [p.ticker, p.quantity] as const)),
  };
  if (api) views["API positions"] = sum(api.positions.map((p) => [p.ticker, p.quantity] as const));
  if (world.terminal) views["terminal positions"] = world.terminal.positions();
  const tickers = new Set(Object.values(views).flatMap((m) => [...m.keys()]));
  for (const t of tickers) {
    const seen = Object.entries(views).map(([name, m]) => [name, m.get(t) ?? 0] as const);
    if (new Set(seen.map(([, q]) => q)).size > 1) found("positions", `${t}: ${seen.map(([name, q]) => `${name} ${q}`).join(", ")}`);
  }

  if (world.terminal) {
    const dealt = world.terminal.dealtByOrder();
    for (const o of orders) {
      const d = dealt.get(o.order_id) ?? 0;
      if (d !== o.filled_quantity) found("broker-fills", `order ${o.order_id} (${o.action} ${o.quantity} ${o.ticker}, ${o.status}): the terminal dealt ${d}, the journal says ${o.filled_quantity}`);
    }
    const sent = new Map<string, number>();
    for (const c of world.terminal.sends()) sent.set(c, (sent.get(c) ?? 0) + 1);
    for (const [comment, n] of sent) {
      if (n < 2) continue;
      duplicates += n - 1;
      found("duplicate-send", `${comment} reached order_send ${n} times`);
    }
  }

  if (api) {
    const apiStatus = new Map(api.orders.map((o) => [String(o.order_id), String(o.status)]));
    if (apiStatus.size !== orders.length) found("api-journal", `the API lists ${apiStatus.size} orders, the journal holds ${orders.length}`);
    for (const o of orders) {
      if (apiStatus.get(o.order_id) !== o.status) found("api-journal", `order ${o.order_id}: API ${apiStatus.get(o.order_id) ?? "missing"}, journal ${o.status}`);
    }
  }

  const more = [...counts].filter(([, n]) => n > MAX_MESSAGES_PER_CHECK).map(([check, n]) => ({ check, message: `... and ${n - MAX_MESSAGES_PER_CHECK} more` }));
  const byStatus = new Map<string, number>();
  for (const o of orders) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  const statuses = [...byStatus].sort(([, a], [, b]) => b - a).map(([st, n]) => `${st} ${n}`).join(", ");
  return { alerts: alerts.length, acknowledged, lost, duplicates, repeats, repeatsSame, orders: orders.length, statuses, findings: [...findings, ...more], counts };
}

function sum(rows: ReadonlyArray<readonly [string, number]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [t, q] of rows) if (q !== 0) out.set(t, (out.get(t) ?? 0) + q);
  for (const [t, q] of out) if (q === 0) out.delete(t);
  return out;
}
