/** The facts of the daily summary, from the control facade (the same numbers `tradectl status` shows). */
import { jstDayStart } from "../domain/jst.js";
import type { Control } from "../engine/control.js";
import type { OrderStatus } from "../domain/types.js";

const COUNTED: OrderStatus[] = ["filled", "rejected", "failed", "expired", "unknown"];

interface StatusFacts {
  daily_stats: { entries: number; exits: number; realized_pnl: number; unrealized_pnl: number; total_pnl: number };
  current_positions: Array<{ ticker: string; quantity: number; entry_price: number; unrealized_pnl: number }>;
  kill_switch: { active: boolean; reason: string | null };
  streams: Array<{ name: string; state: string }>;
}

export async function dailyFacts(control: Control, now: number): Promise<Record<string, unknown>> {
  const s = (await control.status()) as unknown as StatusFacts;
  const from = jstDayStart(now);
  const orders = Object.fromEntries(COUNTED.map((status) => [status, control.orders({ from, status, limit: 1 }).total]));
  return {
    ...s.daily_stats,
    orders,
    positions: s.current_positions.map(({ ticker, quantity, entry_price, unrealized_pnl }) => ({ ticker, quantity, entry_price, unrealized_pnl })),
    kill_switch_active: s.kill_switch.active,
    kill_switch_reason: s.kill_switch.reason,
    streams_down: s.streams.filter((x) => x.state !== "live" && x.state !== "market-closed").map((x) => x.name),
  };
}
