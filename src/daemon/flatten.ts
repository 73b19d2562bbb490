/** kill --flatten: one exit signal per open position, through the same admission as any signal. */
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { timeOrderedId } from "../domain/ids.js";
import type { Signal } from "../domain/types.js";
import type { Engine } from "../engine/engine.js";
import type { PositionLedger } from "../engine/ports.js";

export async function flattenAll(d: { engine: Engine; ledger: PositionLedger; clock: Clock; reason: string; signalTtlMs: number }): Promise<string[]> {
  const now = d.clock.now();
  const requestId = `req_${randomBytes(8).toString("hex")}`;
  const admissions = d.ledger.positions().filter((p) => p.quantity !== 0).map((p) => {
    const signal: Signal = {
      id: timeOrderedId("sig_"),
      request_id: requestId,
      source: "cli",
      // The same close path as close_all: a long is sold, a short bought back.
      action: "close_all",
      ticker: p.ticker,
      quantity: 0,
      price: "market",
      exit_reason: "market_close",
      alert_time: now,
      received_at: now,
      expires_at: now + d.signalTtlMs,
      idempotency_key: createHash("sha256").update(`flatten|${requestId}|${p.ticker}`).digest("hex"),
    };
    return d.engine.admit({ signal, purpose: "flatten" });
  });
  const orders: string[] = [];
  for (const outcome of await Promise.all(admissions)) {
    if (outcome.kind === "accepted") orders.push(outcome.order.order_id);
  }
  return orders;
}
