/**
 * Order size from the alert's sizing rule, computed at admission from the account and the instrument: a fixed
 * quantity, an amount of money, a percent of equity, or "lose at most X% of the balance if the stop is hit".
 * Always rounded down to the lot step (never more than the rule allows), refused below the minimum lot.
 */
import type { Sizing } from "./order-vocabulary.js";

export interface LotSpec {
  /** Shares (units) in one broker volume unit (TSE paper: 1 share per unit, lots of 100; MT5: trade_contract_size). */
  contractSize: number;
  /** Smallest volume increment, in volume units. */
  lotStep: number;
  /** Smallest volume, in volume units. */
  minLot: number;
}

export interface SizingInput {
  sizing: Sizing;
  /** The price the order is expected to fill at. */
  price: number | null;
  stopLoss: number | null;
  account: { balance: number; equity: number } | null;
  lot: LotSpec;
}

export type SizingResult =
  | { ok: true; quantity: number; detail: string }
  | { ok: false; code: "SIZING_NEEDS_STOP_LOSS" | "SIZING_NEEDS_PRICE" | "SIZING_NEEDS_ACCOUNT" | "SIZE_BELOW_MINIMUM"; message: string };

export function computeQuantity(input: SizingInput): SizingResult {
  const { sizing, price, stopLoss, account, lot } = input;
  const shareStep = lot.lotStep * lot.contractSize;
  const minShares = lot.minLot * lot.contractSize;
  let raw: number;
  let basis: string;
  if (sizing.mode === "quantity") {
    raw = sizing.value;
    basis = `${sizing.value} requested`;
  } else {
    if (price === null || !(price > 0)) return { ok: false, code: "SIZING_NEEDS_PRICE", message: `${sizing.mode} sizing needs a price: no quote and no price in the alert` };
    if (account === null) return { ok: false, code: "SIZING_NEEDS_ACCOUNT", message: `${sizing.mode} sizing needs the broker's account, which has not been read yet` };
    if (sizing.mode === "cash") {
      raw = sizing.value / price;
      basis = `${fmt(sizing.value)} cash / ${fmt(price)}`;
    } else if (sizing.mode === "equity_percent") {
      const money = (account.equity * sizing.value) / 100;
      raw = money / price;
      basis = `${sizing.value}% of equity ${fmt(account.equity)} = ${fmt(money)} / ${fmt(price)}`;
    } else {
      if (stopLoss === null) return { ok: false, code: "SIZING_NEEDS_STOP_LOSS", message: "risk_percent sizing needs a stop_loss: the risk per share is the distance from the entry to the stop" };
      const perShare = Math.abs(price - stopLoss);
      if (!(perShare > 0)) return { ok: false, code: "SIZING_NEEDS_STOP_LOSS", message: "risk_percent sizing needs a stop_loss away from the entry price" };
      const money = (account.balance * sizing.value) / 100;
      raw = money / perShare;
      basis = `${sizing.value}% of balance ${fmt(account.balance)} = ${fmt(money)} at risk / ${fmt(perShare)} per share to the stop`;
    }
  }
  const quantity = roundDown(raw, shareStep);
  if (quantity < minShares - 1e-9 || quantity <= 0) {
    return { ok: false, code: "SIZE_BELOW_MINIMUM", message: `${basis} gives ${fmt(raw)}, below the minimum of ${fmt(minShares)} (lot ${fmt(shareStep)})` };
  }
  return { ok: true, quantity, detail: `${basis} → ${fmt(quantity)} (rounded down to lots of ${fmt(shareStep)})` };
}

function roundDown(n: number, step: number): number {
  const steps = Math.floor(n / step + 1e-9);
  return Number((steps * step).toFixed(8));
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}
