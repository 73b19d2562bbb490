import type { Signal } from "./types.js";

/**
 * The best price estimate for an order, for exposure checks and the /webhook/test report:
 * the limit price when the alert sends one; else the alert's own price hint (entry_price for a
 * buy, exit_price for a sell); else the latest quote; else null (nothing known).
 */
export function estimateOrderPrice(
  signal: Pick<Signal, "action" | "price" | "entry_price" | "exit_price">,
  quotePrice: number | null = null,
): number | null {
  if (typeof signal.price === "number") return signal.price;
  const hint = signal.action === "buy" ? signal.entry_price : signal.exit_price;
  if (hint !== undefined) return hint;
  if (quotePrice !== null && Number.isFinite(quotePrice) && quotePrice > 0) return quotePrice;
  return null;
}
