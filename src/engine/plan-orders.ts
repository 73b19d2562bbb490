/**
 * What an admitted signal asks the broker to do, as orders: the seed's buy/sell one order each; a close one order
 * per position it closes; a cancel one per pending order; a modify one; a reverse a close and then an open. Prices
 * are put on the instrument's grid (toward the safe side), units turned into prices, sizes computed from the
 * account. Reads only; a refusal says why in the words of the answer.
 */
import { frozen, onGrid, type InstrumentSpec } from "../domain/instrument-spec.js";
import type { OrderType, Protection } from "../domain/order-vocabulary.js";
import type { PriceRole } from "../domain/price-grid.js";
import { distanceOf, pendingPrice, stopPrice } from "../domain/price-units.js";
import { tightens } from "../domain/protective-stop.js";
import { computeQuantity } from "../domain/sizing.js";
import type { Action, OrderKind, Position, Quote, Signal } from "../domain/types.js";
import type { PositionStops, StoredOrder } from "./ports.js";

export interface PlannedOrder {
  kind: OrderKind;
  ticker: string;
  action: Action;
  effect: "open" | "close" | null;
  quantity: number;
  order_type: OrderType;
  limit_price: number | null;
  stop_loss: number | null;
  take_profit: number | null;
  reference_price: number | null;
  order_expires_at: number | null;
  target_order_id: string | null;
  protection: Protection | null;
  sent: Record<string, unknown> | null;
}

export interface PlanDeps {
  position(ticker: string): Position | undefined;
  positions(): Position[];
  stops(ticker: string): PositionStops | undefined;
  working(ticker?: string): StoredOrder[];
  quote(ticker: string): Quote | undefined;
  instrument(ticker: string): InstrumentSpec;
  account(): { balance: number; equity: number } | null;
  allowShort(): boolean;
}

export type PlanRefusal = { ok: false; reason: "risk" | "order"; message: string; details: Record<string, unknown> };
export type Plan = { ok: true; orders: PlannedOrder[]; entry: PlannedOrder | null } | PlanRefusal;

export function planOrders(signal: Signal, d: PlanDeps): Plan {
  switch (signal.action) {
    case "buy":
      return single(entryOrder(signal, true, d, null));
    case "sell":
      return single(seedSell(signal, d));
    case "close_long":
      return closes(signal, d, "long");
    case "close_short":
      return closes(signal, d, "short");
    case "close_all":
      return closes(signal, d, "both");
    case "cancel":
      return cancels(signal, d);
    case "modify":
      return modify(signal, d);
    case "reverse":
      return reverse(signal, d);
  }
}

function single(r: PlannedOrder | PlanRefusal): Plan {
  if ("ok" in r) return r;
  return { ok: true, orders: [r], entry: r.effect === "close" || r.action === "sell" ? null : r };
}

const orderRefusal = (code: string, message: string, extra: Record<string, unknown> = {}): PlanRefusal => ({ ok: false, reason: "order", message, details: { code, message, ...extra } });

function noPosition(ticker: string, what: string): PlanRefusal {
  const message = `${ticker === "*" ? "no" : `no ${ticker}`} ${what} position to close`;
  return { ok: false, reason: "risk", message, details: { limit_type: "no_position", current_value: 0, max_value: null, reset_at: null, message } };
}

const base = (signal: Signal, action: Action, ticker = signal.ticker): PlannedOrder => ({
  kind: "trade",
  ticker,
  action,
  effect: null,
  quantity: signal.quantity,
  order_type: "market",
  limit_price: null,
  stop_loss: null,
  take_profit: null,
  reference_price: signal.entry_price ?? signal.exit_price ?? null,
  order_expires_at: null,
  target_order_id: null,
  protection: null,
  sent: null,
});

/** The seed's sell: an exit of a held long (risk clamps the quantity), at market or at a limit on the grid. */
function seedSell(signal: Signal, d: PlanDeps): PlannedOrder | PlanRefusal {
  const o = base(signal, "sell");
  if (typeof signal.price === "number") {
    const g = onGrid(d.instrument(signal.ticker), signal.price, "sell_limit", d.quote(signal.ticker)?.bid ?? null);
    if (!g.ok) return orderRefusal(g.code, g.message);
    o.order_type = "limit";
    o.limit_price = g.value.price;
    o.reference_price ??= g.value.price;
    if (g.value.note) o.sent = { notes: [`price ${g.value.note}`] };
  }
  return o;
}

/**
 * An entry (buy, or the open of a reverse): the order type and price on the grid, the spread filter, SL/TP from
 * their units on the grid, the size from `sizing`, breakeven/trailing as price distances.
 */
function entryOrder(signal: Signal, long: boolean, d: PlanDeps, effect: "open" | null): PlannedOrder | PlanRefusal {
  const spec = d.instrument(signal.ticker);
  const q = d.quote(signal.ticker);
  const notes: string[] = [];
  const o = base(signal, long ? "buy" : "sell");
  o.effect = effect;
  if (signal.max_spread !== undefined) {
    if (!q) return { ok: false, reason: "risk", message: `no quote for ${signal.ticker}: the spread cannot be checked against max_spread`, details: { limit_type: "max_spread", current_value: null, max_value: signal.max_spread, reset_at: null } };
    const spread = (q.ask - q.bid) / spec.pipSize;
    if (spread > signal.max_spread + 1e-9) {
      const message = `spread ${round(spread)} pips is above max_spread ${signal.max_spread}`;
      return { ok: false, reason: "risk", message, details: { limit_type: "max_spread", current_value: round(spread), max_value: signal.max_spread, reset_at: null, message } };
    }
  }
  const type: OrderType = signal.order_type ?? (typeof signal.price === "number" ? "limit" : "market");
  o.order_type = type;
  if (type !== "market" && typeof signal.price === "number") {
    const unit = signal.price_unit ?? "price";
    if (unit !== "price" && !q) return orderRefusal("NO_QUOTE", `price in ${unit} is an offset from the market, and there is no quote for ${signal.ticker}`);
    const raw = pendingPrice(signal.price, unit, type, long, q ?? { bid: signal.price, ask: signal.price }, spec.pipSize);
    const role: PriceRole = `${long ? "buy" : "sell"}_${type}`;
    const g = onGrid(spec, raw, role, q ? (long ? q.ask : q.bid) : null);
    if (!g.ok) return orderRefusal(g.code, g.message);
    o.limit_price = g.value.price;
    if (g.value.note || unit !== "price") notes.push(`price ${unit === "price" ? "" : `${signal.price} ${unit} → ${round(raw)}, `}${g.value.note ?? `${g.value.price}`}`);
    o.order_expires_at = signal.order_expires_at ?? null;
  }
  // What the position's stops are measured from: the order's own price, else the quote's side, else the alert's hint.
  const ref = o.limit_price ?? (q ? (long ? q.ask : q.bid) : null) ?? signal.entry_price ?? null;
  o.reference_price = signal.entry_price ?? o.limit_price;
  const market = o.limit_price ?? (q ? (long ? q.bid : q.ask) : null);
  for (const kind of ["sl", "tp"] as const) {
    const value = kind === "sl" ? signal.stop_loss : signal.take_profit;
    if (value === undefined) continue;
    const unit = (kind === "sl" ? signal.sl_unit : signal.tp_unit) ?? "price";
    if (unit !== "price" && ref === null) return orderRefusal("NO_QUOTE", `${kind === "sl" ? "stop_loss" : "take_profit"} in ${unit} is a distance from the entry, and there is no quote or price for ${signal.ticker}`);
    const raw = stopPrice(value, unit, kind, long, ref ?? value, spec.pipSize);
    const g = onGrid(spec, raw, `${long ? "long" : "short"}_${kind}`, market);
    if (!g.ok) return orderRefusal(g.code, g.message);
    if (kind === "sl") o.stop_loss = g.value.price;
    else o.take_profit = g.value.price;
    if (g.value.note || unit !== "price") notes.push(`${kind === "sl" ? "stop_loss" : "take_profit"} ${unit === "price" ? "" : `${value} ${unit} → ${round(raw)}, `}${g.value.note ?? `${g.value.price}`}`);
  }
  let sizing: string | null = null;
  if (signal.sizing) {
    const r = computeQuantity({ sizing: signal.sizing, price: ref, stopLoss: o.stop_loss, account: d.account(), lot: spec.lot });
    if (!r.ok) return orderRefusal(r.code, r.message);
    o.quantity = r.quantity;
    sizing = r.detail;
  }
  const protection = protectionOf(signal, ref, spec.pipSize);
  if (protection) o.protection = protection;
  if (notes.length || sizing || protection) o.sent = { quantity: o.quantity, ...(sizing ? { sizing } : {}), ...(notes.length ? { notes } : {}), ...(protection ? { protection } : {}) };
  return o;
}

function protectionOf(signal: Signal, ref: number | null, pip: number): Protection | null {
  const p: Protection = {};
  const r = ref ?? 0;
  if (signal.breakeven) {
    const b = signal.breakeven;
    p.breakeven = { trigger: distanceOf(b.trigger, b.unit, r, pip), offset: distanceOf(b.offset, b.unit, r, pip) };
  }
  if (signal.trailing) {
    const t = signal.trailing;
    p.trailing = { trigger: distanceOf(t.trigger, t.unit, r, pip), distance: distanceOf(t.distance, t.unit, r, pip), step: distanceOf(t.step, t.unit, r, pip) };
  }
  return p.breakeven || p.trailing ? p : null;
}

function closes(signal: Signal, d: PlanDeps, side: "long" | "short" | "both"): Plan {
  const held = signal.ticker === "*" ? d.positions() : [d.position(signal.ticker)].filter((p): p is Position => p !== undefined);
  const orders = held
    .filter((p) => (side === "both" ? p.quantity !== 0 : side === "long" ? p.quantity > 0 : p.quantity < 0))
    .map((p) => {
      const o = base(signal, p.quantity > 0 ? "sell" : "buy", p.ticker);
      o.effect = "close";
      const whole = Math.abs(p.quantity);
      o.quantity = signal.quantity > 0 ? Math.min(signal.quantity, whole) : whole;
      o.sent = { quantity: o.quantity, held: p.quantity };
      return o;
    });
  if (orders.length === 0) return noPosition(signal.ticker, side === "both" ? "open" : side);
  return { ok: true, orders, entry: null };
}

function cancels(signal: Signal, d: PlanDeps): Plan {
  const working = d.working(signal.ticker === "*" ? undefined : signal.ticker).filter((w) => w.kind === "trade" && (signal.side === undefined || w.action === signal.side) && (signal.target_order_id === undefined || w.order_id === signal.target_order_id));
  if (working.length === 0) {
    const what = `${signal.side ? `${signal.side} ` : ""}pending order${signal.ticker === "*" ? "s" : ` of ${signal.ticker}`}`;
    return orderRefusal("NO_PENDING_ORDER", `no ${what} to cancel`);
  }
  const orders = working.map((w) => ({ ...base(signal, w.action, w.ticker), kind: "cancel" as const, quantity: w.quantity, order_type: w.order_type, limit_price: w.limit_price, target_order_id: w.order_id }));
  return { ok: true, orders, entry: null };
}

function modify(signal: Signal, d: PlanDeps): Plan {
  const pos = d.position(signal.ticker);
  if (!pos || pos.quantity === 0) return noPosition(signal.ticker, "open");
  const long = pos.quantity > 0;
  const spec = d.instrument(signal.ticker);
  const q = d.quote(signal.ticker);
  const market = q ? (long ? q.bid : q.ask) : null;
  const current = d.stops(signal.ticker);
  const o = base(signal, long ? "sell" : "buy");
  o.kind = "modify";
  o.quantity = Math.abs(pos.quantity);
  o.stop_loss = current?.stop_loss ?? null;
  o.take_profit = current?.take_profit ?? null;
  const notes: string[] = [];
  for (const kind of ["sl", "tp"] as const) {
    const value = kind === "sl" ? signal.stop_loss : signal.take_profit;
    if (value === undefined) continue;
    const unit = (kind === "sl" ? signal.sl_unit : signal.tp_unit) ?? "price";
    const raw = stopPrice(value, unit, kind, long, pos.avg_price, spec.pipSize);
    const before = kind === "sl" ? current?.stop_loss ?? null : current?.take_profit ?? null;
    if (frozen(spec, before, market)) return orderRefusal("FROZEN", `the ${kind === "sl" ? "stop loss" : "take profit"} ${before} is within trade_freeze_level of the market ${market}: the broker allows no change now`);
    const g = onGrid(spec, raw, `${long ? "long" : "short"}_${kind}`, market);
    if (!g.ok) return orderRefusal(g.code, g.message);
    if (kind === "sl") {
      const trailing = current?.protection?.trailing ?? (signal.trailing ? true : undefined);
      if (trailing && before !== null && !tightens(long, before, g.value.price) && g.value.price !== before) {
        return orderRefusal("TRAILING_WOULD_LOOSEN", `stop_loss ${g.value.price} would loosen the trailing stop at ${before}: a trailing stop is never loosened`, { current_stop_loss: before, requested: g.value.price });
      }
      o.stop_loss = g.value.price;
    } else o.take_profit = g.value.price;
    if (g.value.note || unit !== "price") notes.push(`${kind === "sl" ? "stop_loss" : "take_profit"} ${unit === "price" ? "" : `${value} ${unit} from ${pos.avg_price} → ${round(raw)}, `}${g.value.note ?? `${g.value.price}`}`);
  }
  const added = protectionOf(signal, pos.avg_price, spec.pipSize);
  o.protection = added || current?.protection ? { ...(current?.protection ?? {}), ...(added ?? {}) } : null;
  o.sent = { stop_loss: o.stop_loss, take_profit: o.take_profit, ...(notes.length ? { notes } : {}), ...(o.protection ? { protection: o.protection } : {}) };
  return { ok: true, orders: [o], entry: null };
}

function reverse(signal: Signal, d: PlanDeps): Plan {
  const pos = d.position(signal.ticker);
  if (!pos || pos.quantity === 0) return noPosition(signal.ticker, "open");
  const long = pos.quantity > 0;
  if (long && !d.allowShort()) return orderRefusal("SHORT_SELLING_DISABLED", `reverse of a long ${signal.ticker} position would open a short; short selling is off (risk.allowShort)`);
  const close = base(signal, long ? "sell" : "buy");
  close.effect = "close";
  close.quantity = Math.abs(pos.quantity);
  close.sent = { quantity: close.quantity, held: pos.quantity };
  const open = entryOrder(signal, !long, d, "open");
  if ("ok" in open) return open;
  return { ok: true, orders: [close, open], entry: open };
}

function round(n: number): number {
  return Number(n.toFixed(6));
}
