/**
 * `tradectl close` and `tradectl cancel`: a signal of source `cli`, admitted through the same door as any alert
 * (exits: never blocked by entry limits or the kill switch's entry block), answered as the webhook would.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { errorEnvelope } from "../domain/error-envelope.js";
import { timeOrderedId } from "../domain/ids.js";
import type { Signal } from "../domain/types.js";
import type { Engine } from "../engine/engine.js";
import type { OrderJournal } from "../engine/ports.js";
import { webhookAnswer, type WebhookResponse } from "../webhook/answers.js";
import { TradectlError } from "../domain/errors.js";

export interface CliOrderRequest {
  action: "close_all" | "cancel";
  /** A ticker, or "*" (every ticker). */
  ticker: string;
  /** cancel: one pending order. */
  orderId?: string;
}

export async function submitCliSignal(d: { engine: Engine; journal: OrderJournal; clock: Clock; signalTtlMs: number }, req: CliOrderRequest): Promise<WebhookResponse> {
  const now = d.clock.now();
  const requestId = `req_${randomBytes(8).toString("hex")}`;
  let ticker = req.ticker;
  if (req.orderId !== undefined) {
    const target = d.journal.getOrder(req.orderId);
    if (!target) return notFound(`No order ${req.orderId}`, requestId, now);
    if (target.status !== "working") return notFound(`Order ${req.orderId} is ${target.status}, not a pending order that can be cancelled`, requestId, now);
    ticker = target.ticker;
  }
  const signal: Signal = {
    id: timeOrderedId("sig_"),
    request_id: requestId,
    source: "cli",
    action: req.action,
    ticker,
    quantity: 0,
    price: "market",
    alert_time: now,
    received_at: now,
    expires_at: now + d.signalTtlMs,
    idempotency_key: createHash("sha256").update(`cli|${requestId}`).digest("hex"),
    ...(req.orderId !== undefined ? { target_order_id: req.orderId } : {}),
  };
  const outcome = await d.engine.admit({ signal, syncBudgetMs: 10_000, startedAt: performance.now() });
  if (outcome.kind === "dry_run") throw new TradectlError("INTERNAL_ERROR", "unexpected dry run");
  return webhookAnswer(outcome.record);
}

function notFound(message: string, requestId: string, now: number): WebhookResponse {
  return { statusCode: 404, body: errorEnvelope({ requestId, code: "NOT_FOUND", message, now }) };
}
