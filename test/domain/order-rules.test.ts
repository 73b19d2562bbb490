import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isFrozen, respectStopsLevel, roundMt5, roundTse, safeSide, tsePriceBand, tsePriceLimit, tseTickSize, type SymbolGrid } from "../../src/domain/price-grid.js";
import { pendingPrice, stopPrice } from "../../src/domain/price-units.js";
import { computeQuantity } from "../../src/domain/sizing.js";
import { nextStopLoss, stopHit } from "../../src/domain/protective-stop.js";

describe("TSE grid (呼値の単位) and daily limit (値幅制限)", () => {
  test("tick by price band, standard and TOPIX500 tables, at the band edges", () => {
    assert.equal(tseTickSize(3000), 1);
    assert.equal(tseTickSize(3001), 5);
    assert.equal(tseTickSize(30_000), 10);
    assert.equal(tseTickSize(30_050), 50);
    assert.equal(tseTickSize(1000, "topix500"), 0.1);
    assert.equal(tseTickSize(1000.5, "topix500"), 0.5);
    assert.equal(tseTickSize(9984, "topix500"), 1);
  });
  test("rounding toward the safe side lands on the grid of the band it lands in", () => {
    assert.equal(roundTse(3000.3, "down"), 3000);
    assert.equal(roundTse(3000.3, "up"), 3005);
    assert.equal(roundTse(3003, "down"), 3000);
    assert.equal(roundTse(3003, "up"), 3005);
    assert.equal(roundTse(12_345, "down"), 12_340);
    assert.equal(roundTse(12_345, "up"), 12_350);
    assert.equal(roundTse(1234.56, "down", "topix500"), 1234.5);
    assert.equal(roundTse(1234.56, "up", "topix500"), 1235);
    assert.equal(roundTse(999.97, "up", "topix500"), 1000);
    assert.equal(roundTse(5000, "up"), 5000, "a price on the grid stays");
  });
  test("price limit by base price", () => {
    assert.equal(tsePriceLimit(99), 30);
    assert.equal(tsePriceLimit(100), 50);
    assert.equal(tsePriceLimit(2999), 500);
    assert.equal(tsePriceLimit(3000), 700);
    assert.equal(tsePriceLimit(9999), 1500);
    assert.equal(tsePriceLimit(10_000), 3000);
    assert.deepEqual(tsePriceBand(3000), { lower: 2300, upper: 3700 });
  });
  test("safe sides", () => {
    assert.equal(safeSide("buy_limit"), "down");
    assert.equal(safeSide("sell_limit"), "up");
    assert.equal(safeSide("buy_stop"), "up");
    assert.equal(safeSide("sell_stop"), "down");
    assert.equal(safeSide("long_sl"), "down");
    assert.equal(safeSide("short_sl"), "up");
    assert.equal(safeSide("long_tp"), "up");
    assert.equal(safeSide("short_tp"), "down");
  });
});

describe("MT5 grid", () => {
  const grid: SymbolGrid = { tickSize: 0.00005, digits: 5, point: 0.00001, stopsLevel: 30, freezeLevel: 10 };
  test("tick size and digits", () => {
    assert.equal(roundMt5(1.123456, grid, "down"), 1.12345);
    assert.equal(roundMt5(1.123436, grid, "down"), 1.1234);
    assert.equal(roundMt5(1.123456, grid, "up"), 1.1235);
    assert.equal(roundMt5(1.12345, grid, "up"), 1.12345);
  });
  test("a stop closer than trade_stops_level is moved away, then rounded away", () => {
    // long, bid 1.10000: SL must be ≤ 1.09970, TP ≥ 1.10030
    assert.equal(respectStopsLevel(1.09990, "long_sl", 1.1, grid), 1.0997);
    assert.equal(respectStopsLevel(1.10010, "long_tp", 1.1, grid), 1.1003);
    assert.equal(respectStopsLevel(1.09, "long_sl", 1.1, grid), 1.09);
    assert.equal(respectStopsLevel(1.10012, "short_sl", 1.1, grid), 1.1003);
  });
  test("freeze level", () => {
    assert.equal(isFrozen(1.09995, 1.1, grid), true);
    assert.equal(isFrozen(1.0999, 1.1, grid), false);
  });
});

describe("SL/TP units and pending offsets", () => {
  test("pips and percent from the reference, on the losing/winning side", () => {
    assert.equal(stopPrice(2900, "price", "sl", true, 3000, 1), 2900);
    assert.equal(stopPrice(50, "pips", "sl", true, 3000, 1), 2950);
    assert.equal(stopPrice(2, "percent", "tp", true, 3000, 1), 3060);
    assert.equal(stopPrice(2, "percent", "sl", false, 3000, 1), 3060);
    assert.equal(stopPrice(20, "pips", "tp", false, 1.1, 0.0001), 1.1 - 0.002);
  });
  test("pending price offsets from the market", () => {
    const m = { bid: 2999, ask: 3001 };
    assert.equal(pendingPrice(1, "percent", "limit", true, m, 1), 3001 - 30.01);
    assert.equal(pendingPrice(10, "pips", "stop", true, m, 1), 3011);
    assert.equal(pendingPrice(10, "pips", "limit", false, m, 1), 3009);
    assert.equal(pendingPrice(10, "pips", "stop", false, m, 1), 2989);
  });
});

describe("sizing", () => {
  const tse = { contractSize: 100, lotStep: 1, minLot: 1 };
  const account = { balance: 10_000_000, equity: 12_000_000 };
  test("cash, equity percent and risk percent round down to the lot", () => {
    assert.deepEqual(computeQuantity({ sizing: { mode: "cash", value: 1_000_000 }, price: 3000, stopLoss: null, account, lot: tse }).ok && 300, 300);
    const eq = computeQuantity({ sizing: { mode: "equity_percent", value: 10 }, price: 3000, stopLoss: null, account, lot: tse });
    assert.equal(eq.ok && eq.quantity, 400); // 1.2M / 3000 = 400
    const risk = computeQuantity({ sizing: { mode: "risk_percent", value: 1 }, price: 3000, stopLoss: 2900, account, lot: tse });
    assert.equal(risk.ok && risk.quantity, 1000); // 100k at risk / 100 per share
    const fx = computeQuantity({ sizing: { mode: "risk_percent", value: 1 }, price: 1.1, stopLoss: 1.095, account: { balance: 10_000, equity: 10_000 }, lot: { contractSize: 100_000, lotStep: 0.01, minLot: 0.01 } });
    assert.equal(fx.ok && fx.quantity, 20_000); // 100 / 0.005 = 20,000 units = 0.20 lots
  });
  test("risk sizing without a stop loss is refused", () => {
    const r = computeQuantity({ sizing: { mode: "risk_percent", value: 1 }, price: 3000, stopLoss: null, account, lot: tse });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, "SIZING_NEEDS_STOP_LOSS");
  });
  test("below the minimum lot is refused, never rounded up", () => {
    const r = computeQuantity({ sizing: { mode: "cash", value: 250_000 }, price: 3000, stopLoss: null, account, lot: tse });
    assert.equal(!r.ok && r.code, "SIZE_BELOW_MINIMUM");
  });
});

describe("breakeven and trailing", () => {
  const rules = { breakeven: { trigger: 50, offset: 5 }, trailing: { trigger: 100, distance: 60, step: 10 } };
  test("breakeven at its trigger, trailing after, in steps, never loosening", () => {
    const long = { long: true, entry: 3000, stopLoss: 2900 };
    assert.equal(nextStopLoss(long, 3040, rules), null);
    assert.equal(nextStopLoss(long, 3050, rules), 3005);
    assert.equal(nextStopLoss({ ...long, stopLoss: 3005 }, 3100, rules), 3040);
    assert.equal(nextStopLoss({ ...long, stopLoss: 3040 }, 3105, rules), null, "a move below the step waits");
    assert.equal(nextStopLoss({ ...long, stopLoss: 3040 }, 3110, rules), 3050);
    assert.equal(nextStopLoss({ ...long, stopLoss: 3050 }, 3070, rules), null, "the price falling back never loosens it");
  });
  test("shorts mirror", () => {
    const short = { long: false, entry: 3000, stopLoss: 3100 };
    assert.equal(nextStopLoss(short, 2950, rules), 2995);
    assert.equal(nextStopLoss({ ...short, stopLoss: 2995 }, 2900, rules), 2960);
  });
  test("stop hits at the bid (long) and ask (short)", () => {
    assert.equal(stopHit(true, 2900, 3100, 2900, 2902), "sl");
    assert.equal(stopHit(true, 2900, 3100, 3100, 3102), "tp");
    assert.equal(stopHit(false, 3100, 2900, 3098, 3100), "sl");
    assert.equal(stopHit(true, 2900, 3100, 3000, 3002), null);
  });
});
