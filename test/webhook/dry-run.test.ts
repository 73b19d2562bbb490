import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { evaluateRisk, type RiskEvaluation, type RiskInput } from "../../src/domain/risk.js";
import type { Judgement } from "../../src/engine/admission.js";
import { estimateOrderPrice } from "../../src/domain/order-price.js";
import { buildDryRun } from "../../src/webhook/dry-run.js";
import { WebhookTestDataSchema } from "../../src/webhook/schemas.js";
import { validateAlert } from "../../src/webhook/validate-alert.js";

function jst(y: number, mo: number, d: number, h: number, mi: number): number {
  return Date.UTC(y, mo - 1, d, h - 9, mi);
}
const NOW = jst(2026, 1, 13, 10, 30);
const MIN = 60_000;
const SECRET = "your-secret-passphrase-here-0123456789";
const SEED_TEST_BODY = { action: "buy", ticker: "9984", quantity: 100, price: "market", passphrase: SECRET, test_mode: true };

/** The engine's judgement for a signal whose risk evaluation is `risk` (see engine/admission.ts, in its order). */
function judgementOf(risk: RiskEvaluation, killed: boolean): Judgement {
  if (killed) return { verdict: "refuse", reason: "kill_switch", message: "Kill switch active - trading is stopped", details: {}, remember: false, risk };
  if (!risk.ok) return { verdict: "refuse", reason: "risk", message: risk.message, details: risk.details, remember: true, risk };
  return { verdict: "accept", quantity: risk.quantity, isExit: risk.is_exit, risk };
}

const validateData = new Ajv({ strict: true, allErrors: true }).compile(WebhookTestDataSchema);

function run(
  body: Record<string, unknown>,
  opts: { state?: Partial<RiskInput["state"]>; config?: Partial<RiskInput["config"]>; quote?: number | null; killed?: boolean; now?: number } = {},
) {
  const now = opts.now ?? NOW;
  const validation = validateAlert(body, { now, timestampWindowMs: 300_000, signalTtlMs: 60_000, requestId: "req_test_1234567890", signalId: "sig_1", mode: "test" });
  const risk = validation.ok
    ? evaluateRisk({
        signal: { ...validation.signal, priceEstimate: estimateOrderPrice(validation.signal, opts.quote ?? null) },
        now,
        config: { maxDailyEntries: 3, cooldownMinutes: 30, marketHours: "tse", maxDailyLoss: 0, maxExposure: 0, ...opts.config },
        state: { entriesToday: 2, lastEntryAt: now - 45 * MIN, realizedPnlToday: 0, exposure: 0, heldQuantity: 0, ...opts.state },
      })
    : null;
  const data = buildDryRun({ requestId: "req_test_1234567890", now, body, validation, judgement: risk && judgementOf(risk, opts.killed ?? false), quotePrice: opts.quote ?? null });
  assert.ok(validateData(data), JSON.stringify(validateData.errors));
  assert.equal(JSON.stringify(data).includes(SECRET), false, "passphrase leaked into the report");
  return data;
}

describe("/webhook/test report", () => {
  test("the seed's example, string for string", () => {
    const data = run(SEED_TEST_BODY, { quote: 3000 });
    assert.equal(data.request_id, "req_test_1234567890");
    assert.deepEqual(data.validation_results, {
      passphrase: "✅ Valid",
      action: "✅ Valid (buy)",
      ticker: "✅ Valid (9984)",
      quantity: "✅ Valid (100)",
      price: "✅ Valid (market)",
      json_format: "✅ Valid",
    });
    assert.equal(data.risk_checks["daily_limit"], "✅ OK (2/3)");
    assert.equal(data.risk_checks["cooldown"], "✅ OK (45 minutes since last trade)");
    assert.equal(data.risk_checks["market_hours"], "✅ OK (10:30 JST, within trading hours)");
    assert.equal(data.risk_checks["daily_loss"], "✅ Not applied (off)");
    assert.equal("position" in data.risk_checks, false);
    assert.equal(data.would_execute, true);
    assert.equal(data.estimated_order_amount, 300000);
    assert.equal(data.timestamp, new Date(NOW).toISOString());
    assert.deepEqual(data.errors, []);
    assert.deepEqual(data.ignored_fields, []);
    assert.equal(data.risk_limit, undefined);
  });

  test("the normalised ticker is shown", () => {
    assert.equal(run({ ...SEED_TEST_BODY, ticker: "TSE:130A" }).validation_results["ticker"], "✅ Valid (130A)");
  });

  test("an invalid alert: ❌ lines, the errors, risk not evaluated, nothing would execute", () => {
    const data = run({ ...SEED_TEST_BODY, ticker: "999", quantity: 150 });
    assert.equal(data.validation_results["ticker"], "❌ Invalid ticker format. Expected 4-digit code.");
    assert.equal(data.validation_results["quantity"], "❌ Quantity must be multiple of 100");
    assert.equal(data.validation_results["price"], "✅ Valid (market)");
    assert.deepEqual(data.errors.map((e) => e.field), ["ticker", "quantity"]);
    assert.equal(data.risk_checks["daily_limit"], "➖ Not evaluated (invalid signal)");
    assert.equal(data.would_execute, false);
    assert.equal(data.estimated_order_amount, null);
  });

  test("a risk refusal: ❌ Blocked with the reason, and the 403 details", () => {
    const data = run(SEED_TEST_BODY, { state: { entriesToday: 3 }, quote: 3000 });
    assert.equal(data.risk_checks["daily_limit"], "❌ Blocked (3/3)");
    assert.equal(data.would_execute, false);
    assert.equal(data.risk_limit?.limit_type, "daily_trade_count");
    assert.equal(data.estimated_order_amount, 300000, "the amount is still estimated");
  });

  test("market closed and cooldown lines", () => {
    const data = run(SEED_TEST_BODY, { now: jst(2026, 1, 13, 12, 0), state: { lastEntryAt: jst(2026, 1, 13, 11, 50) } });
    assert.equal(data.risk_checks["market_hours"], "❌ Blocked (12:00 JST, lunch break; opens 2026-01-13 (Tue) 12:30 JST)");
    assert.equal(data.risk_checks["cooldown"], "❌ Blocked (10 minutes since last trade, 20 minutes left)");
  });

  test("kill switch: nothing would execute", () => {
    const data = run(SEED_TEST_BODY, { killed: true, quote: 3000 });
    assert.equal(data.risk_checks["kill_switch"], "❌ Trading stopped (kill switch active)");
    assert.equal(data.would_execute, false);
  });

  test("estimated amount: limit price, else entry_price, else quote, else null", () => {
    assert.equal(run({ ...SEED_TEST_BODY, price: 2990 }, { quote: 3000 }).estimated_order_amount, 299000);
    assert.equal(run({ ...SEED_TEST_BODY, entry_price: 3000.5 }, { quote: 3100 }).estimated_order_amount, 300050);
    assert.equal(run({ ...SEED_TEST_BODY, quantity: 300 }, { quote: 3000 }).estimated_order_amount, 900000);
    assert.equal(run(SEED_TEST_BODY, { quote: null }).estimated_order_amount, null);
  });

  test("an exit: entry-only rules do not apply, the clamped quantity is estimated", () => {
    const data = run({ ...SEED_TEST_BODY, action: "sell", quantity: 300 }, { state: { heldQuantity: 100, entriesToday: 3 }, quote: 3000 });
    assert.equal(data.would_execute, true);
    assert.equal(data.risk_checks["daily_limit"], "✅ Not applied (exit, not counted)");
    assert.equal(data.risk_checks["position"], "✅ OK (sell 300 clamped to held 100)");
    assert.equal(data.estimated_order_amount, 300000);
  });

  test("a sell with no position", () => {
    const data = run({ ...SEED_TEST_BODY, action: "sell" }, { state: { heldQuantity: 0 } });
    assert.match(data.risk_checks["position"] ?? "", /^❌ Blocked \(no 9984 position to sell/);
    assert.equal(data.would_execute, false);
  });

  test("unknown fields are listed as ignored (a typo shows), the passphrase and test_mode are not", () => {
    const data = run({ ...SEED_TEST_BODY, stoploss: 2900, comment: "x" }, { quote: 3000 });
    assert.deepEqual(data.ignored_fields, ["stoploss", "comment"]);
  });

  test("a body that is not an object", () => {
    const validation = validateAlert([1], { now: NOW, timestampWindowMs: 300_000, signalTtlMs: 60_000, requestId: "r", signalId: "s", mode: "test" });
    const data = buildDryRun({ requestId: "r", now: NOW, validation, judgement: null });
    assert.equal(data.validation_results["json_format"], "❌ Body must be a JSON object, got array");
    assert.equal(data.would_execute, false);
  });
});
