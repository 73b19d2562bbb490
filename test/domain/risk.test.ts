import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { evaluateRisk, type RiskInput } from "../../src/domain/risk.js";
import { estimateOrderPrice } from "../../src/domain/order-price.js";

function jst(y: number, mo: number, d: number, h: number, mi: number, s = 0): number {
  return Date.UTC(y, mo - 1, d, h - 9, mi, s);
}
const MIN = 60_000;
const NOW = jst(2026, 1, 13, 10, 30); // Tuesday, morning session

function input(over: {
  signal?: Partial<RiskInput["signal"]>;
  config?: Partial<RiskInput["config"]>;
  state?: Partial<RiskInput["state"]>;
  now?: number;
} = {}): RiskInput {
  return {
    now: over.now ?? NOW,
    signal: { action: "buy", ticker: "9984", quantity: 100, priceEstimate: 3000, ...over.signal },
    config: { maxDailyEntries: 3, cooldownMinutes: 30, marketHours: "tse", maxDailyLoss: 0, maxExposure: 0, ...over.config },
    state: { entriesToday: 2, lastEntryAt: NOW - 45 * MIN, realizedPnlToday: 0, exposure: 0, heldQuantity: 0, ...over.state },
  };
}

function refused(r: ReturnType<typeof evaluateRisk>) {
  assert.equal(r.ok, false, "expected a refusal");
  if (r.ok) throw new Error("unreachable");
  return r;
}

describe("entries", () => {
  test("a buy within every limit passes, with the seed's check details", () => {
    const r = evaluateRisk(input());
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.is_exit, false);
    assert.equal(r.quantity, 100);
    assert.equal(r.checks.daily_limit.detail, "2/3");
    assert.equal(r.checks.cooldown.detail, "45 minutes since last trade");
    assert.equal(r.checks.market_hours.detail, "10:30 JST, within trading hours");
    assert.equal(r.checks.daily_loss.applied, false);
    assert.equal(r.checks.max_exposure.applied, false);
  });

  test("daily_trade_count: the 4th entry of the day is refused until JST midnight", () => {
    const r = refused(evaluateRisk(input({ state: { entriesToday: 3 } })));
    assert.equal(r.limit_type, "daily_trade_count");
    assert.equal(r.current_value, 3);
    assert.equal(r.max_value, 3);
    assert.equal(r.reset_at, "2026-01-13T15:00:00.000Z"); // 2026-01-14 00:00 JST
    assert.deepEqual(r.details, { limit_type: "daily_trade_count", current_value: 3, max_value: 3, reset_at: "2026-01-13T15:00:00.000Z" });
    assert.equal(r.message, "Daily entry limit reached (3/3)");
  });

  test("daily_trade_count resets: counters of another JST day count as zero", () => {
    const stale = input({ state: { entriesToday: 3, day: "20260112" } });
    assert.equal(evaluateRisk(stale).ok, true);
    const today = input({ state: { entriesToday: 3, day: "20260113" } });
    assert.equal(evaluateRisk(today).ok, false);
  });

  test("maxDailyEntries 0 blocks every entry", () => {
    const r = refused(evaluateRisk(input({ config: { maxDailyEntries: 0 }, state: { entriesToday: 0 } })));
    assert.equal(r.limit_type, "daily_trade_count");
  });

  test("cooldown: refused inside the window, reset_at = last entry + cooldown, ok from then on", () => {
    const last = NOW - 10 * MIN;
    const r = refused(evaluateRisk(input({ state: { lastEntryAt: last } })));
    assert.equal(r.limit_type, "cooldown");
    assert.equal(r.current_value, 10);
    assert.equal(r.max_value, 30);
    assert.equal(r.reset_at, new Date(last + 30 * MIN).toISOString());
    assert.match(r.message, /10 minutes since last trade, 20 minutes left/);
    assert.equal(evaluateRisk(input({ now: last + 30 * MIN, state: { lastEntryAt: last } })).ok, true);
    assert.equal(evaluateRisk(input({ now: last + 30 * MIN - 1, state: { lastEntryAt: last } })).ok, false);
  });

  test("cooldown: no previous trade, and cooldown 0 = off", () => {
    const r = evaluateRisk(input({ state: { lastEntryAt: null } }));
    assert.equal(r.ok, true);
    assert.equal(r.checks.cooldown.detail, "no previous trade");
    const off = evaluateRisk(input({ config: { cooldownMinutes: 0 }, state: { lastEntryAt: NOW - MIN } }));
    assert.equal(off.ok, true);
    assert.equal(off.checks.cooldown.applied, false);
  });

  test("market_hours: a buy at lunch is refused until 12:30 JST", () => {
    const r = refused(evaluateRisk(input({ now: jst(2026, 1, 13, 12, 0), state: { lastEntryAt: null } })));
    assert.equal(r.limit_type, "market_hours");
    assert.equal(r.reset_at, new Date(jst(2026, 1, 13, 12, 30)).toISOString());
    assert.match(r.message, /^Market closed \(12:00 JST, lunch break; opens 2026-01-13 \(Tue\) 12:30 JST\)$/);
  });

  test("market_hours: on a holiday, reset_at is the next exchange day's open", () => {
    const r = refused(evaluateRisk(input({ now: jst(2026, 1, 12, 10, 0), state: { lastEntryAt: null } })));
    assert.equal(r.limit_type, "market_hours");
    assert.equal(r.reset_at, new Date(jst(2026, 1, 13, 9, 0)).toISOString());
  });

  test("market_hours follows the configured calendar", () => {
    const sat = jst(2026, 1, 10, 10, 0);
    assert.equal(evaluateRisk(input({ now: sat, config: { marketHours: "always" }, state: { lastEntryAt: null } })).ok, true);
    assert.equal(evaluateRisk(input({ now: sat, config: { marketHours: "fx" }, state: { lastEntryAt: null } })).ok, false);
  });

  test("daily_loss: refused once the day's realized loss reaches the limit; resets at midnight; 0 = off", () => {
    const cfg = { maxDailyLoss: 50_000 };
    assert.equal(evaluateRisk(input({ config: cfg, state: { realizedPnlToday: -49_999 } })).ok, true);
    const r = refused(evaluateRisk(input({ config: cfg, state: { realizedPnlToday: -50_000 } })));
    assert.equal(r.limit_type, "daily_loss");
    assert.equal(r.current_value, 50_000);
    assert.equal(r.max_value, 50_000);
    assert.equal(r.reset_at, "2026-01-13T15:00:00.000Z");
    assert.equal(evaluateRisk(input({ config: cfg, state: { realizedPnlToday: -80_000, day: "20260112" } })).ok, true);
    assert.equal(evaluateRisk(input({ state: { realizedPnlToday: -1e9 } })).ok, true, "off");
    assert.equal(evaluateRisk(input({ config: cfg, state: { realizedPnlToday: 20_000 } })).ok, true, "a profit");
  });

  test("max_exposure: the order's value counts; exactly at the limit passes; no reset by time", () => {
    const cfg = { maxExposure: 1_000_000 };
    assert.equal(evaluateRisk(input({ config: cfg, state: { exposure: 700_000 } })).ok, true); // 700k + 300k
    const r = refused(evaluateRisk(input({ config: cfg, state: { exposure: 800_000 } })));
    assert.equal(r.limit_type, "max_exposure");
    assert.equal(r.current_value, 1_100_000);
    assert.equal(r.max_value, 1_000_000);
    assert.equal(r.reset_at, null);
  });

  test("max_exposure fails closed without a price estimate; off when 0", () => {
    const r = refused(evaluateRisk(input({ config: { maxExposure: 1_000_000 }, signal: { priceEstimate: null } })));
    assert.equal(r.limit_type, "max_exposure");
    assert.match(r.message, /no price/);
    assert.equal(evaluateRisk(input({ signal: { priceEstimate: null } })).ok, true);
  });

  test("several failures: the one that clears last is reported", () => {
    // daily count (midnight) and cooldown (in 20 min) → daily count
    let r = refused(evaluateRisk(input({ state: { entriesToday: 3, lastEntryAt: NOW - 10 * MIN } })));
    assert.equal(r.limit_type, "daily_trade_count");
    // lunch (12:30) and a cooldown ending 12:10 → market hours
    const noon = jst(2026, 1, 13, 12, 0);
    r = refused(evaluateRisk(input({ now: noon, state: { lastEntryAt: noon - 20 * MIN } })));
    assert.equal(r.limit_type, "market_hours");
    // lunch and the daily count → daily count (midnight is later)
    r = refused(evaluateRisk(input({ now: noon, state: { entriesToday: 3 } })));
    assert.equal(r.limit_type, "daily_trade_count");
    // exposure (no reset) beats everything with a time
    r = refused(evaluateRisk(input({ now: noon, config: { maxExposure: 1 }, state: { entriesToday: 3 } })));
    assert.equal(r.limit_type, "max_exposure");
    // every failing check is still in checks
    assert.equal(r.checks.market_hours.ok, false);
    assert.equal(r.checks.daily_limit.ok, false);
  });
});

describe("exits", () => {
  const exit = { signal: { action: "sell" as const }, state: { heldQuantity: 100 } };

  test("a sell of a held position passes past the entry limit, in cooldown, past loss and exposure limits", () => {
    const r = evaluateRisk(
      input({
        ...exit,
        config: { maxDailyLoss: 10_000, maxExposure: 1 },
        state: { heldQuantity: 100, entriesToday: 3, lastEntryAt: NOW - MIN, realizedPnlToday: -1e6, exposure: 1e9 },
      }),
    );
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.is_exit, true);
    assert.equal(r.quantity, 100);
    assert.equal(r.checks.daily_limit.applied, false);
    assert.equal(r.checks.cooldown.applied, false);
    assert.equal(r.checks.daily_loss.applied, false);
    assert.equal(r.checks.max_exposure.applied, false);
  });

  test("a sell is still refused outside market hours", () => {
    const r = refused(evaluateRisk(input({ ...exit, now: jst(2026, 1, 13, 15, 31) })));
    assert.equal(r.limit_type, "market_hours");
    assert.equal(r.is_exit, true);
    assert.equal(r.reset_at, new Date(jst(2026, 1, 14, 9, 0)).toISOString());
  });

  test("a sell with no position is refused (no short selling), with no reset", () => {
    const r = refused(evaluateRisk(input({ signal: { action: "sell" }, state: { heldQuantity: 0 } })));
    assert.equal(r.limit_type, "no_position");
    assert.equal(r.reset_at, null);
    assert.equal(r.current_value, 0);
    assert.match(r.message, /short selling is not supported/);
  });

  test("no_position outranks a closed market", () => {
    const r = refused(evaluateRisk(input({ signal: { action: "sell" }, state: { heldQuantity: 0 }, now: jst(2026, 1, 10, 10, 0) })));
    assert.equal(r.limit_type, "no_position");
  });

  test("a sell of more than is held is clamped to the held quantity", () => {
    const r = evaluateRisk(input({ signal: { action: "sell", quantity: 300 }, state: { heldQuantity: 100 } }));
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.quantity, 100);
    assert.equal(r.checks.position.detail, "sell 300 clamped to held 100");
  });
});

describe("estimateOrderPrice", () => {
  test("limit price, then the alert's hint, then the quote, else null", () => {
    assert.equal(estimateOrderPrice({ action: "buy", price: 2990 }, 3000), 2990);
    assert.equal(estimateOrderPrice({ action: "buy", price: "market", entry_price: 3000.5 }, 3010), 3000.5);
    assert.equal(estimateOrderPrice({ action: "sell", price: "market", exit_price: 3120.75 }, 3010), 3120.75);
    assert.equal(estimateOrderPrice({ action: "buy", price: "market" }, 3010), 3010);
    assert.equal(estimateOrderPrice({ action: "buy", price: "market" }, null), null);
    assert.equal(estimateOrderPrice({ action: "buy", price: "market" }), null);
    assert.equal(estimateOrderPrice({ action: "buy", price: "market" }, 0), null);
  });
});
