/**
 * How one fill changes a position (signed quantities: a fill can open, add to, reduce, close or flip it) and what it
 * realises. The ledger books fills with it; reports replay the journal's fills with it.
 */
import type { Action } from "./types.js";

export interface HeldPosition {
  quantity: number;
  avg_price: number;
}

export interface FillEffect {
  /** The position after the fill; quantity 0 when it closed. */
  next: HeldPosition;
  /** Shares of the position the fill closed (0 for a fill that opens or adds). */
  closed: number;
  /** Realised P&L of the fill, its fee deducted. */
  realized: number;
  /** True when what is left is a new position (opened, or flipped to the other side). */
  reopened: boolean;
}

export function applyFill(pos: HeldPosition | null | undefined, f: { action: Action; quantity: number; price: number; fee: number }): FillEffect {
  const held = pos?.quantity ?? 0;
  const avg = pos?.avg_price ?? 0;
  const qty = held + (f.action === "buy" ? f.quantity : -f.quantity);
  if (held === 0 || Math.sign(held) === Math.sign(qty - held)) {
    const avgPrice = (Math.abs(held) * avg + f.quantity * f.price) / Math.abs(qty);
    return { next: { quantity: qty, avg_price: avgPrice }, closed: 0, realized: -f.fee, reopened: held === 0 };
  }
  const closed = Math.min(Math.abs(held), f.quantity);
  const realized = -f.fee + closed * (f.price - avg) * Math.sign(held);
  if (qty === 0) return { next: { quantity: 0, avg_price: 0 }, closed, realized, reopened: false };
  if (Math.sign(qty) === Math.sign(held)) return { next: { quantity: qty, avg_price: avg }, closed, realized, reopened: false };
  return { next: { quantity: qty, avg_price: f.price }, closed, realized, reopened: true };
}
