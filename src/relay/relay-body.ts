/**
 * What a delivery carries: the signal in the webhook's own alert format (so the receiver validates it with the same
 * rules as an alert on its /webhook), without any passphrase, plus where it came from. One body per publication,
 * signed per delivery.
 */
import type { Signal } from "../domain/types.js";

const OPTIONAL = ["entry_price", "stop_loss", "take_profit", "atr", "rr_ratio", "rsi", "exit_reason", "exit_price", "confidence"] as const;

export interface RelayOrigin {
  channel_id: string;
  channel_name: string;
  publication_id: string;
  /** When the sender received the alert (wall-clock ms). */
  received_at: number;
}

export function deliveryBody(signal: Signal, origin: RelayOrigin): string {
  const alert: Record<string, unknown> = {
    action: signal.action,
    ticker: signal.ticker,
    quantity: signal.quantity,
    price: signal.price,
    timestamp: String(signal.alert_time),
    expires_at: String(signal.expires_at),
  };
  for (const f of OPTIONAL) if (signal[f] !== undefined) alert[f] = signal[f];
  return JSON.stringify({ ...alert, relay: origin });
}

/** TSE lots are 100 shares: a sized quantity is rounded down to whole lots (never more than the sizing asks). */
export const LOT = 100;

export function sizedQuantity(quantity: number, sizing: number): number {
  return Math.floor((quantity * sizing + 1e-9) / LOT) * LOT;
}
