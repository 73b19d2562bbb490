/**
 * Pre-trade risk rules, as one pure function: the caller gathers the state (from the journal),
 * this decides. A refusal is a value with a reason, never an exception.
 *
 * Entries (`buy`) pass every check: market hours, daily loss, daily entry count, cooldown,
 * exposure. Exits (`sell`) are checked only against market hours and the held position: reducing
 * risk is never blocked by the entry count, the cooldown, the loss limit or the exposure limit.
 * (The kill switch is checked by the engine before this.)
 *
 * Decisions the seed leaves open:
 * - No short selling. A `sell` with no held position is refused (`no_position`); a `sell` of more
 *   than is held is clamped to the held quantity (the strategy meant "close it"; typically a
 *   later buy of its own was refused here, so it believes it holds more). The quantity to order
 *   is returned as `quantity`.
 * - `maxDailyEntries: 0` blocks every entry (a count limit of zero means zero); `maxDailyLoss`
 *   and `maxExposure` of 0 mean "off". `cooldownMinutes: 0` means no cooldown.
 * - The exposure check needs a price; with a limit configured and no price estimate it refuses
 *   (fails closed) rather than guessing.
 * - When several checks fail, the one reported is the one that clears last (no reset first,
 *   then the latest `reset_at`), so a retry at `reset_at` is not refused by another rule.
 * - Counters belong to the JST trading day. If `state.day` (YYYYMMDD) is given and is not
 *   today's JST date, the day's counters (entries, realized P&L) are taken as zero.
 */
import { jstDateKey, nextJstMidnight } from "./jst.js";
import { describeMarket, jstStamp } from "./market-hours.js";
import type { MarketCalendar } from "./market-hours.js";
import type { Action } from "./types.js";

export type RiskLimitType =
  | "market_hours"
  | "daily_trade_count"
  | "cooldown"
  | "daily_loss"
  | "max_exposure"
  | "no_position"
  /** Entries of a ticker whose position differs from the broker's, until a sync finds them equal again. */
  | "reconciliation_mismatch";

/** The checks, by the names the /webhook/test report uses. */
export type RiskCheckName = "market_hours" | "daily_limit" | "cooldown" | "daily_loss" | "max_exposure" | "position";

export interface RiskRules {
  maxDailyEntries: number;
  cooldownMinutes: number;
  marketHours: MarketCalendar;
  /** Largest tolerated realized loss per JST day, as a positive amount; 0 = off. */
  maxDailyLoss: number;
  /** Largest total position value after the order; 0 = off. */
  maxExposure: number;
}

export interface RiskState {
  /** Entries (buys sent to the broker) so far on the JST trading day. */
  entriesToday: number;
  /** Unix ms of the last entry, any day; null if none. */
  lastEntryAt: number | null;
  /** Realized P&L of the JST trading day (negative = loss). */
  realizedPnlToday: number;
  /** Current total value of open positions. */
  exposure: number;
  /** Quantity held of the signal's ticker. */
  heldQuantity: number;
  /** JST date (YYYYMMDD) the day counters belong to; when given and not today, they count as 0. */
  day?: string;
}

export interface RiskInput {
  signal: {
    action: Action;
    ticker: string;
    quantity: number;
    /** Price per share used for exposure (see estimateOrderPrice); null when unknown. */
    priceEstimate: number | null;
  };
  now: number;
  config: RiskRules;
  state: RiskState;
}

export interface RiskCheck {
  limit_type: RiskLimitType;
  /** False when the check refuses the signal. */
  ok: boolean;
  /** False when the rule does not apply (an exit, or the limit is off); then `ok` is true. */
  applied: boolean;
  /** Short detail for people, e.g. "2/3", "45 minutes since last trade". */
  detail: string;
  current_value: number | null;
  max_value: number | null;
  /** Unix ms when a refusal clears by itself; null when it does not (or nothing to clear). */
  reset_at: number | null;
}

export type RiskChecks = Record<RiskCheckName, RiskCheck>;

/** The `details` object of a 403 RISK_LIMIT_EXCEEDED response (seed 2.1). */
export type RiskLimitDetails = {
  limit_type: RiskLimitType;
  current_value: number | null;
  max_value: number | null;
  /** ISO-8601 (UTC); null when the limit does not clear by time alone. */
  reset_at: string | null;
};

export type RiskEvaluation =
  | {
      ok: true;
      is_exit: boolean;
      /** Quantity to order: the signal's, or for an exit at most the held quantity. */
      quantity: number;
      checks: RiskChecks;
    }
  | ({
      ok: false;
      is_exit: boolean;
      message: string;
      details: RiskLimitDetails;
      checks: RiskChecks;
    } & RiskLimitDetails);

const MINUTE = 60_000;

function fmtAmount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function minutesLabel(n: number): string {
  return `${n} minute${n === 1 ? "" : "s"}`;
}

function notApplied(limit_type: RiskLimitType, detail: string): RiskCheck {
  return { limit_type, ok: true, applied: false, detail, current_value: null, max_value: null, reset_at: null };
}

function checkMarketHours(input: RiskInput): RiskCheck {
  const status = describeMarket(input.config.marketHours, input.now);
  return {
    limit_type: "market_hours",
    ok: status.open,
    applied: true,
    detail: status.open ? status.label : `${status.label}; opens ${jstStamp(status.next_open ?? input.now)}`,
    current_value: null,
    max_value: null,
    reset_at: status.open ? null : status.next_open,
  };
}

function checkDailyLimit(input: RiskInput, entriesToday: number, isExit: boolean): RiskCheck {
  if (isExit) return notApplied("daily_trade_count", "exit, not counted");
  const max = input.config.maxDailyEntries;
  const ok = entriesToday < max;
  return {
    limit_type: "daily_trade_count",
    ok,
    applied: true,
    detail: max <= 0 ? `${entriesToday}/${max}, entries disabled` : `${entriesToday}/${max}`,
    current_value: entriesToday,
    max_value: max,
    reset_at: ok ? null : nextJstMidnight(input.now),
  };
}

function checkCooldown(input: RiskInput, isExit: boolean): RiskCheck {
  if (isExit) return notApplied("cooldown", "exit, no cooldown");
  const cooldown = input.config.cooldownMinutes;
  if (cooldown <= 0) return notApplied("cooldown", "off");
  const last = input.state.lastEntryAt;
  if (last === null) {
    return { ...notApplied("cooldown", "no previous trade"), applied: true };
  }
  const elapsedMs = Math.max(0, input.now - last);
  const elapsedMin = Math.floor(elapsedMs / MINUTE);
  const ok = elapsedMs >= cooldown * MINUTE;
  const remainingMin = Math.ceil((cooldown * MINUTE - elapsedMs) / MINUTE);
  return {
    limit_type: "cooldown",
    ok,
    applied: true,
    detail: ok
      ? `${minutesLabel(elapsedMin)} since last trade`
      : `${minutesLabel(elapsedMin)} since last trade, ${minutesLabel(remainingMin)} left`,
    current_value: elapsedMin,
    max_value: cooldown,
    reset_at: ok ? null : last + cooldown * MINUTE,
  };
}

function checkDailyLoss(input: RiskInput, realizedPnlToday: number, isExit: boolean): RiskCheck {
  if (isExit) return notApplied("daily_loss", "exit, not limited");
  const max = input.config.maxDailyLoss;
  if (max <= 0) return notApplied("daily_loss", "off");
  const loss = Math.max(0, -realizedPnlToday);
  const ok = loss < max;
  return {
    limit_type: "daily_loss",
    ok,
    applied: true,
    detail: `loss ${fmtAmount(loss)} of ${fmtAmount(max)}`,
    current_value: loss,
    max_value: max,
    reset_at: ok ? null : nextJstMidnight(input.now),
  };
}

function checkExposure(input: RiskInput, isExit: boolean): RiskCheck {
  if (isExit) return notApplied("max_exposure", "exit, reduces exposure");
  const max = input.config.maxExposure;
  if (max <= 0) return notApplied("max_exposure", "off");
  const price = input.signal.priceEstimate;
  if (price === null || !Number.isFinite(price) || price <= 0) {
    return {
      limit_type: "max_exposure",
      ok: false,
      applied: true,
      detail: `no price to value the order (current ${fmtAmount(input.state.exposure)} of ${fmtAmount(max)})`,
      current_value: input.state.exposure,
      max_value: max,
      reset_at: null,
    };
  }
  const after = input.state.exposure + input.signal.quantity * price;
  const ok = after <= max;
  return {
    limit_type: "max_exposure",
    ok,
    applied: true,
    detail: `${fmtAmount(after)} of ${fmtAmount(max)} after this order`,
    current_value: after,
    max_value: max,
    reset_at: null,
  };
}

function checkPosition(input: RiskInput, isExit: boolean): RiskCheck {
  if (!isExit) return notApplied("no_position", "entry");
  const held = Math.max(0, input.state.heldQuantity);
  const wanted = input.signal.quantity;
  if (held <= 0) {
    return {
      limit_type: "no_position",
      ok: false,
      applied: true,
      detail: `no ${input.signal.ticker} position to sell (short selling is not supported)`,
      current_value: 0,
      max_value: wanted,
      reset_at: null,
    };
  }
  return {
    limit_type: "no_position",
    ok: true,
    applied: true,
    detail: wanted > held ? `sell ${wanted} clamped to held ${held}` : `held ${held}`,
    current_value: held,
    max_value: wanted,
    reset_at: null,
  };
}

function refusalMessage(check: RiskCheck): string {
  switch (check.limit_type) {
    case "market_hours":
      return `Market closed (${check.detail})`;
    case "daily_trade_count":
      return `Daily entry limit reached (${check.current_value ?? 0}/${check.max_value ?? 0})`;
    case "cooldown":
      return `Cooldown active (${check.detail})`;
    case "daily_loss":
      return `Daily loss limit reached (${check.detail})`;
    case "max_exposure":
      return `Exposure limit exceeded (${check.detail})`;
    case "no_position":
      return `Nothing to sell (${check.detail})`;
    case "reconciliation_mismatch": // not a rule of evaluateRisk: the webhook adds it from the reconciler
      return `Position differs from the broker (${check.detail})`;
  }
}

/** Orders failing checks so the one that clears last comes first. */
function clearsLater(a: RiskCheck, b: RiskCheck): number {
  const ra = a.reset_at ?? Number.POSITIVE_INFINITY;
  const rb = b.reset_at ?? Number.POSITIVE_INFINITY;
  return rb - ra || 0;
}

export function evaluateRisk(input: RiskInput): RiskEvaluation {
  const isExit = input.signal.action === "sell";
  const sameDay = input.state.day === undefined || input.state.day === jstDateKey(input.now);
  const entriesToday = sameDay ? input.state.entriesToday : 0;
  const realizedPnlToday = sameDay ? input.state.realizedPnlToday : 0;

  const checks: RiskChecks = {
    position: checkPosition(input, isExit),
    market_hours: checkMarketHours(input),
    daily_loss: checkDailyLoss(input, realizedPnlToday, isExit),
    daily_limit: checkDailyLimit(input, entriesToday, isExit),
    cooldown: checkCooldown(input, isExit),
    max_exposure: checkExposure(input, isExit),
  };

  // Stable sort keeps the declaration order above as the tie-break.
  const failed = Object.values(checks).filter((c) => !c.ok).sort(clearsLater);
  const worst = failed[0];
  if (worst === undefined) {
    const quantity = isExit ? Math.min(input.signal.quantity, Math.max(0, input.state.heldQuantity)) : input.signal.quantity;
    return { ok: true, is_exit: isExit, quantity, checks };
  }
  const details: RiskLimitDetails = {
    limit_type: worst.limit_type,
    current_value: worst.current_value,
    max_value: worst.max_value,
    reset_at: worst.reset_at === null ? null : new Date(worst.reset_at).toISOString(),
  };
  return { ok: false, is_exit: isExit, message: refusalMessage(worst), details, ...details, checks };
}
