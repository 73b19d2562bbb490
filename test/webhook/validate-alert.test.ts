import { SIGNAL_EXAMPLE } from "../../src/webhook/schemas.js";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { validateAlert, type ValidateAlertOptions, type ValidateAlertResult } from "../../src/webhook/validate-alert.js";
import type { FieldError } from "../../src/webhook/field-error.js";

const NOW = Date.UTC(2025, 11, 27, 1, 30, 45, 123); // 2025-12-27T01:30:45.123Z
const SECRET = "your-secret-passphrase-here-0123456789";
const OPTS: ValidateAlertOptions = {
  now: NOW,
  timestampWindowMs: 300_000,
  signalTtlMs: 60_000,
  requestId: "req_1234567890abcdef",
  signalId: "sig_0001",
};

function entry(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...SIGNAL_EXAMPLE, timestamp: String(NOW - 1000), passphrase: SECRET, ...over };
}

function exit(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: "sell",
    ticker: "9984",
    quantity: 100,
    price: "market",
    exit_reason: "take_profit",
    exit_price: 3120.75,
    timestamp: String(NOW - 1000),
    passphrase: SECRET,
    ...over,
  };
}

function without(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...body };
  delete copy[field];
  return copy;
}

function ok(r: ValidateAlertResult) {
  if (!r.ok) assert.fail(`expected valid, got ${JSON.stringify(r.errors)}`);
  return r.signal;
}

function errorsOf(r: ValidateAlertResult): FieldError[] {
  if (r.ok) assert.fail("expected validation errors");
  return r.errors;
}

/** The single error of one field. */
function errorOf(body: unknown, field: string, opts: Partial<ValidateAlertOptions> = {}): FieldError {
  const errs = errorsOf(validateAlert(body, { ...OPTS, ...opts }));
  const e = errs.find((x) => x.field === field);
  assert.ok(e, `no error for ${field}: ${JSON.stringify(errs)}`);
  return e;
}

function validates(body: unknown, opts: Partial<ValidateAlertOptions> = {}) {
  return ok(validateAlert(body, { ...OPTS, ...opts }));
}

describe("valid alerts", () => {
  test("the seed's entry signal becomes a normalised Signal", () => {
    const s = validates(entry());
    assert.deepEqual(s, {
      id: "sig_0001",
      request_id: "req_1234567890abcdef",
      source: "webhook",
      action: "buy",
      ticker: "9984",
      quantity: 100,
      price: "market",
      entry_price: 3000.5,
      stop_loss: 2940.25,
      take_profit: 3120.75,
      atr: 30.12,
      rr_ratio: 2.0,
      rsi: 62.5,
      alert_time: NOW - 1000,
      received_at: NOW,
      expires_at: NOW + 60_000,
      idempotency_key: createHash("sha256").update(`${NOW - 1000}9984buy`).digest("hex"),
    });
  });

  test("the seed's exit signal", () => {
    const s = validates(exit());
    assert.equal(s.action, "sell");
    assert.equal(s.exit_reason, "take_profit");
    assert.equal(s.exit_price, 3120.75);
    assert.equal(s.entry_price, undefined);
  });

  test("minimal required fields only", () => {
    const s = validates({ action: "buy", ticker: "7203", quantity: 200, price: 2500, timestamp: String(NOW), passphrase: SECRET });
    assert.equal(s.price, 2500);
    assert.equal(s.quantity, 200);
  });

  test("unknown extra fields are ignored and the passphrase never reaches the Signal", () => {
    const s = validates(entry({ strategy: "my-ema-cross", comment: "hello", interval: "5" }));
    assert.equal("passphrase" in s, false);
    assert.equal("strategy" in s, false);
    assert.equal(JSON.stringify(s).includes(SECRET), false);
  });

  test("confidence 0–1 is kept", () => {
    assert.equal(validates(entry({ confidence: 0.8 })).confidence, 0.8);
    assert.equal(errorOf(entry({ confidence: 1.5 }), "confidence").message, "confidence must be between 0 and 1");
  });

  test("validation does not look at the passphrase (the caller checks it first)", () => {
    assert.equal(validates(without(entry(), "passphrase")).ticker, "9984");
  });
});

describe("required fields", () => {
  for (const field of ["action", "ticker", "quantity", "price", "timestamp"]) {
    test(`missing ${field}`, () => {
      const r = validateAlert(without(entry(), field), OPTS);
      assert.deepEqual(errorsOf(r), [{ field, message: `Missing required field: ${field}`, value: null }]);
    });
  }

  test("a body that is not an object", () => {
    for (const body of [null, [], "x", 42]) {
      const errs = errorsOf(validateAlert(body, OPTS));
      assert.equal(errs.length, 1);
      assert.equal(errs[0]?.field, "body");
      assert.match(errs[0]?.message ?? "", /^Body must be a JSON object/);
    }
  });

  test("test mode: timestamp is optional (the seed's /webhook/test example has none)", () => {
    const s = validates(without(entry(), "timestamp"), { mode: "test" });
    assert.equal(s.alert_time, NOW);
    // but when given it is still checked
    assert.match(errorOf(entry({ timestamp: "garbage" }), "timestamp", { mode: "test" }).message, /Invalid timestamp format/);
  });
});

describe("types", () => {
  const cases: Array<[string, unknown, string]> = [
    ["action", 1, "Invalid type for action: expected string"],
    ["ticker", 9984, "Invalid type for ticker: expected string"],
    ["quantity", true, "Invalid type for quantity: expected integer"],
    ["quantity", "abc", "Invalid type for quantity: expected integer"],
    ["quantity", 1.5, "Invalid type for quantity: expected integer"],
    ["quantity", "1.5", "Invalid type for quantity: expected integer"],
    ["price", true, "Invalid type for price: expected string|number"],
    ["price", null, "Invalid type for price: expected string|number"],
    ["timestamp", true, "Invalid type for timestamp: expected string"],
    ["timestamp", { ms: 1 }, "Invalid type for timestamp: expected string"],
    ["entry_price", "3000", "Invalid type for entry_price: expected number"],
    ["stop_loss", null, "Invalid type for stop_loss: expected number"],
    ["rsi", "62", "Invalid type for rsi: expected number"],
    ["atr", [1], "Invalid type for atr: expected number"],
    ["exit_reason", 3, "Invalid type for exit_reason: expected string"],
  ];
  for (const [field, value, message] of cases) {
    test(`${field} = ${JSON.stringify(value)}`, () => {
      const e = errorOf(entry({ [field]: value }), field);
      assert.equal(e.message, message);
      assert.deepEqual(e.value, value);
    });
  }
});

describe("ticker", () => {
  const valid: Array<[string, string]> = [
    ["9984", "9984"],
    ["1301", "1301"],
    ["TSE:9984", "9984"],
    ["JPX:7203", "7203"],
    ["130A", "130A"],
    ["TSE:130A", "130A"],
    ["1A00", "1A00"],
    ["1A0A", "1A0A"],
    ["999Y", "999Y"],
  ];
  for (const [raw, normalised] of valid) {
    test(`${raw} → ${normalised}`, () => {
      assert.equal(validates(entry({ ticker: raw })).ticker, normalised);
    });
  }

  test(`"999" is refused with the seed's message and value`, () => {
    assert.deepEqual(errorOf(entry({ ticker: "999" }), "ticker"), {
      field: "ticker",
      message: "Invalid ticker format. Expected 4-digit code.",
      value: "999",
    });
  });

  for (const bad of ["99845", "", "9984 ", " 9984", "TSE:", "TSE:999", "12.3"]) {
    test(`${JSON.stringify(bad)} is refused`, () => {
      assert.equal(errorOf(entry({ ticker: bad }), "ticker").message, "Invalid ticker format. Expected 4-digit code.");
    });
  }

  for (const bad of ["130B", "130E", "13A0", "A300", "130a", "AAPL", "TSE9984"]) {
    test(`${bad} is refused (JPX never issues it)`, () => {
      assert.match(errorOf(entry({ ticker: bad }), "ticker").message, /^Invalid ticker format\. Expected 4-digit code, or a JPX alphanumeric code/);
    });
  }

  test("NASDAQ:AAPL: only Tokyo prefixes", () => {
    const e = errorOf(entry({ ticker: "NASDAQ:AAPL" }), "ticker");
    assert.match(e.message, /^Unsupported exchange prefix "NASDAQ"/);
    assert.equal(e.value, "NASDAQ:AAPL");
    assert.match(errorOf(entry({ ticker: "NYSE:9984" }), "ticker").message, /prefix "NYSE"/);
  });
});

describe("quantity", () => {
  test("150 → the seed's message and value", () => {
    assert.deepEqual(errorOf(entry({ quantity: 150 }), "quantity"), {
      field: "quantity",
      message: "Quantity must be multiple of 100",
      value: 150,
    });
  });
  test("0 and -100 must be positive", () => {
    assert.equal(errorOf(entry({ quantity: 0 }), "quantity").message, "Quantity must be positive and multiple of 100");
    assert.equal(errorOf(entry({ quantity: -100 }), "quantity").message, "Quantity must be positive and multiple of 100");
  });
  test('"100" and "0100" are accepted as 100', () => {
    assert.equal(validates(entry({ quantity: "100" })).quantity, 100);
    assert.equal(validates(entry({ quantity: "0100" })).quantity, 100);
    assert.equal(validates(entry({ quantity: 100.0 })).quantity, 100);
  });
  test('"150", "0" and "-100" as strings', () => {
    assert.equal(errorOf(entry({ quantity: "150" }), "quantity").message, "Quantity must be multiple of 100");
    assert.equal(errorOf(entry({ quantity: "0" }), "quantity").message, "Quantity must be positive and multiple of 100");
    assert.equal(errorOf(entry({ quantity: "-100" }), "quantity").message, "Invalid type for quantity: expected integer");
  });
  test("absurdly large quantities are refused", () => {
    assert.match(errorOf(entry({ quantity: 1e12 }), "quantity").message, /at most/);
    assert.match(errorOf(entry({ quantity: "1000000000000" }), "quantity").message, /at most/);
    assert.equal(validates(entry({ quantity: 1_000_000_000 })).quantity, 1_000_000_000);
    assert.equal(validates(entry({ quantity: "1000000000" })).quantity, 1_000_000_000);
  });
});

describe("action and price", () => {
  test('"hold" and "BUY" are not actions', () => {
    assert.deepEqual(errorOf(entry({ action: "hold" }), "action"), { field: "action", message: "Action must be 'buy' or 'sell' (or close_long, close_short, close_all, cancel, reverse, modify)", value: "hold" });
    assert.equal(errorOf(entry({ action: "BUY" }), "action").message, "Action must be 'buy' or 'sell' (or close_long, close_short, close_all, cancel, reverse, modify)");
  });
  test("price: market or a positive number", () => {
    assert.equal(validates(entry({ price: 3000 })).price, 3000);
    assert.equal(validates(entry({ price: 0.5, entry_price: undefined, stop_loss: undefined, take_profit: undefined })).price, 0.5);
    assert.equal(errorOf(entry({ price: 0 }), "price").message, "Price must be greater than 0");
    assert.equal(errorOf(entry({ price: -5 }), "price").message, "Price must be greater than 0");
    assert.equal(errorOf(entry({ price: "limit" }), "price").message, 'Price must be "market" or a number greater than 0');
    assert.equal(errorOf(entry({ price: "3000" }), "price").message, 'Price must be "market" or a number greater than 0');
  });
});

describe("optional numeric fields", () => {
  for (const field of ["entry_price", "stop_loss", "take_profit", "atr", "rr_ratio"]) {
    test(`${field} must be > 0`, () => {
      assert.equal(errorOf(entry({ [field]: 0 }), field).message, `${field} must be greater than 0`);
      assert.equal(errorOf(entry({ [field]: -1 }), field).message, `${field} must be greater than 0`);
    });
  }
  test("exit_price must be > 0", () => {
    assert.equal(errorOf(exit({ exit_price: 0 }), "exit_price").message, "exit_price must be greater than 0");
  });
  test("rsi 0..100: 101 and -1 refused, 0 and 100 accepted", () => {
    assert.deepEqual(errorOf(entry({ rsi: 101 }), "rsi"), { field: "rsi", message: "rsi must be between 0 and 100", value: 101 });
    assert.equal(errorOf(entry({ rsi: -1 }), "rsi").message, "rsi must be between 0 and 100");
    assert.equal(validates(entry({ rsi: 0 })).rsi, 0);
    assert.equal(validates(entry({ rsi: 100 })).rsi, 100);
  });
  test("exit_reason enum", () => {
    assert.equal(errorOf(exit({ exit_reason: "trailing" }), "exit_reason").message, "exit_reason must be one of stop_loss, take_profit, market_close");
    for (const r of ["stop_loss", "take_profit", "market_close"]) assert.equal(validates(exit({ exit_reason: r })).exit_reason, r);
  });
});

describe("buy-only and sell-only fields", () => {
  for (const field of ["entry_price", "stop_loss", "take_profit"]) {
    test(`${field} with a sell is refused`, () => {
      const e = errorOf(exit({ [field]: 3000 }), field);
      assert.equal(e.message, `${field} is only allowed for buy signals`);
      assert.equal(e.value, 3000);
    });
  }
  test("exit_price with a buy is refused", () => {
    assert.equal(errorOf(entry({ exit_price: 3100 }), "exit_price").message, "exit_price is only allowed for sell signals");
  });
  test("stop_loss below and take_profit above the entry for a buy", () => {
    assert.equal(errorOf(entry({ stop_loss: 3000.5 }), "stop_loss").message, "stop_loss must be below entry_price for a buy");
    assert.equal(errorOf(entry({ take_profit: 2999 }), "take_profit").message, "take_profit must be above entry_price for a buy");
    const noEntry = without(entry({ stop_loss: 3200, take_profit: 3100 }), "entry_price");
    assert.equal(errorOf(noEntry, "stop_loss").message, "stop_loss must be below take_profit");
    // a limit price is the reference when no entry_price is given
    const limit = without(entry({ price: 3000, stop_loss: 3050 }), "entry_price");
    assert.equal(errorOf(limit, "stop_loss").message, "stop_loss must be below price for a buy");
  });
});

describe("timestamp", () => {
  test("Unix ms string (seed), number, ISO-8601 (TradingView {{timenow}})", () => {
    assert.equal(validates(entry({ timestamp: String(NOW - 1000) })).alert_time, NOW - 1000);
    assert.equal(validates(entry({ timestamp: NOW - 2000 })).alert_time, NOW - 2000);
    assert.equal(validates(entry({ timestamp: "2025-12-27T01:30:45Z" })).alert_time, Date.UTC(2025, 11, 27, 1, 30, 45));
    assert.equal(validates(entry({ timestamp: "2025-12-27T01:30:45.1Z" })).alert_time, Date.UTC(2025, 11, 27, 1, 30, 45, 100));
    assert.equal(validates(entry({ timestamp: "2025-12-27T10:30:45.123456+09:00" })).alert_time, NOW);
    assert.equal(validates(entry({ timestamp: "2025-12-27T10:30:45+0900" })).alert_time, Date.UTC(2025, 11, 27, 1, 30, 45));
    assert.equal(validates(entry({ timestamp: "2025-12-27T01:31Z" })).alert_time, Date.UTC(2025, 11, 27, 1, 31));
  });

  test("expired: older than the window, with the seed's message", () => {
    const e = errorOf(entry({ timestamp: String(NOW - 300_001) }), "timestamp");
    assert.equal(e.message, "Timestamp expired (must be within 5 minutes)");
    assert.equal(e.value, String(NOW - 300_001));
    assert.equal(validates(entry({ timestamp: String(NOW - 300_000) })).alert_time, NOW - 300_000, "the edge is inside");
  });

  test("in the future beyond the window", () => {
    assert.equal(errorOf(entry({ timestamp: NOW + 300_001 }), "timestamp").message, "Timestamp is in the future (must be within 5 minutes of server time)");
    assert.equal(validates(entry({ timestamp: NOW + 300_000 })).alert_time, NOW + 300_000);
  });

  test("the window comes from the options", () => {
    assert.equal(errorOf(entry({ timestamp: NOW - 31_000 }), "timestamp", { timestampWindowMs: 30_000 }).message, "Timestamp expired (must be within 30 seconds)");
  });

  test("Unix seconds get a hint", () => {
    const e = errorOf(entry({ timestamp: String(Math.floor(NOW / 1000)) }), "timestamp");
    assert.equal(e.message, "Timestamp expired (must be within 5 minutes); the value looks like Unix seconds, send milliseconds");
  });

  for (const bad of ["garbage", "", "12:30", "2025-12-27T01:30:45", "2025-12-27 01:30:45Z", "-1735279200000", "1.5e12", "{{timenow}}"]) {
    test(`unparseable ${JSON.stringify(bad)}`, () => {
      assert.match(errorOf(entry({ timestamp: bad }), "timestamp").message, /^Invalid timestamp format: expected Unix milliseconds/);
    });
  }

  test("a number that is not an integer, and impossible dates", () => {
    assert.match(errorOf(entry({ timestamp: 1.5 }), "timestamp").message, /^Invalid timestamp format/);
    assert.equal(errorOf(entry({ timestamp: "2025-02-30T00:00:00Z" }), "timestamp").message, "Invalid timestamp: not a real date and time");
    assert.equal(errorOf(entry({ timestamp: "2025-12-27T24:00:00Z" }), "timestamp").message, "Invalid timestamp: not a real date and time");
  });
});

describe("expires_at", () => {
  test("default: receipt + signalTtlMs", () => {
    assert.equal(validates(entry()).expires_at, NOW + 60_000);
    assert.equal(validates(entry(), { signalTtlMs: 5_000 }).expires_at, NOW + 5_000);
  });
  test("the alert's own expiry wins when given (ms string, number, ISO)", () => {
    assert.equal(validates(entry({ expires_at: String(NOW + 30_000) })).expires_at, NOW + 30_000);
    assert.equal(validates(entry({ expires_at: NOW + 120_000 })).expires_at, NOW + 120_000);
    assert.equal(validates(entry({ expires_at: "2025-12-27T01:35:00Z" })).expires_at, Date.UTC(2025, 11, 27, 1, 35));
  });
  test("an expiry a Date cannot hold (8.64e15 < x < 2^53) is a field error (writing the field report threw: a 500)", () => {
    for (const v of [8.64e15 + 1, 9e15, 2 ** 53 - 1, "8640000000000001", "9007199254740991"]) {
      for (const mode of ["live", "test"] as const) {
        const r = validateAlert(entry({ expires_at: v }), { ...OPTS, mode });
        assert.deepEqual(errorsOf(r), [{ field: "expires_at", message: "Invalid expires_at: not a real date and time", value: v }], `${v} ${mode}`);
        assert.deepEqual(r.fields["expires_at"], { ok: false, message: "Invalid expires_at: not a real date and time" });
      }
    }
    const last = validateAlert(entry({ expires_at: 8.64e15 }), OPTS);
    assert.equal(ok(last).expires_at, 8.64e15);
    assert.deepEqual(last.fields["expires_at"], { ok: true, display: "+275760-09-13T00:00:00.000Z" });
  });

  test("an expiry in the past or unparseable is refused", () => {
    assert.equal(errorOf(entry({ expires_at: NOW }), "expires_at").message, "expires_at is in the past: the signal is already stale");
    assert.match(errorOf(entry({ expires_at: "soon" }), "expires_at").message, /^Invalid expires_at format/);
  });
});

describe("idempotency key (seed 5.1: timestamp + ticker + action)", () => {
  test("the same instant in any form, with or without the TSE prefix, gives the same key", () => {
    const a = validates(entry({ timestamp: "1766799045000", ticker: "9984" })).idempotency_key;
    const b = validates(entry({ timestamp: 1766799045000, ticker: "TSE:9984" })).idempotency_key;
    const c = validates(entry({ timestamp: "2025-12-27T01:30:45Z", ticker: "9984" })).idempotency_key;
    assert.equal(a, b);
    assert.equal(a, c);
    assert.match(a, /^[0-9a-f]{64}$/);
  });
  test("a different action, ticker or time gives a different key", () => {
    const base = validates(entry()).idempotency_key;
    assert.notEqual(validates(exit({ timestamp: entry()["timestamp"] })).idempotency_key, base);
    assert.notEqual(validates(entry({ ticker: "7203" })).idempotency_key, base);
    assert.notEqual(validates(entry({ timestamp: String(NOW - 999) })).idempotency_key, base);
  });
});

describe("every failing field is listed", () => {
  test("five bad fields → five errors, in field order, each with its value", () => {
    const r = validateAlert(
      entry({ action: "hold", ticker: "999", quantity: 150, timestamp: "garbage", rsi: 101 }),
      OPTS,
    );
    const errs = errorsOf(r);
    assert.deepEqual(
      errs.map((e) => [e.field, e.value]),
      [
        ["action", "hold"],
        ["ticker", "999"],
        ["quantity", 150],
        ["timestamp", "garbage"],
        ["rsi", 101],
      ],
    );
  });

  test("missing and invalid together", () => {
    const errs = errorsOf(validateAlert({ ticker: "NASDAQ:AAPL", quantity: 1.5, passphrase: SECRET }, OPTS));
    assert.deepEqual(
      errs.map((e) => e.field),
      ["action", "ticker", "quantity", "price", "timestamp"],
    );
  });

  test("the field report marks each field", () => {
    const r = validateAlert(entry({ ticker: "TSE:9984", quantity: 150 }), OPTS);
    assert.deepEqual(r.fields["ticker"], { ok: true, display: "9984" });
    assert.deepEqual(r.fields["quantity"], { ok: false, message: "Quantity must be multiple of 100" });
    assert.deepEqual(r.fields["price"], { ok: true, display: "market" });
  });
});

describe("secrets and hostile values", () => {
  test("the passphrase never appears in an error, whichever field it is put in", () => {
    for (const field of ["ticker", "action", "price", "timestamp", "exit_reason", "quantity"]) {
      const r = validateAlert(entry({ [field]: SECRET }), OPTS);
      const errs = errorsOf(r);
      assert.equal(errs.find((e) => e.field === field)?.value, "[REDACTED]");
      assert.equal(JSON.stringify(r).includes(SECRET), false, `leaked through ${field}`);
    }
    const nested = validateAlert(entry({ atr: { note: `pw=${SECRET}` } }), OPTS);
    assert.equal(JSON.stringify(nested).includes(SECRET), false);
  });

  test("valid or not, the serialised result never contains the passphrase", () => {
    for (const body of [entry(), exit(), entry({ quantity: 150 }), entry({ ticker: "999", action: "x" })]) {
      assert.equal(JSON.stringify(validateAlert(body, OPTS)).includes(SECRET), false);
    }
  });

  test("huge values are truncated in errors", () => {
    const long = "9".repeat(10_000);
    const e = errorOf(entry({ ticker: long }), "ticker");
    assert.equal(typeof e.value, "string");
    assert.ok((e.value as string).length <= 101);
    const arr = errorOf(entry({ atr: Array.from({ length: 500 }, (_, i) => i) }), "atr");
    assert.equal(arr.value, "[array of 500 items]");
  });

  test("a value nested 20,000 levels deep is echoed as a summary (its echo overflowed the stack: a 500)", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    assert.equal(errorOf(entry({ atr: deep }), "atr").value, "[array of 1 items]");
    let obj: unknown = { x: 1 };
    for (let i = 0; i < 20_000; i++) obj = { x: obj };
    assert.equal(errorOf(entry({ rsi: obj }), "rsi").value, "[object]");
    // a short nested value is still echoed as it came
    assert.deepEqual(errorOf(entry({ atr: { a: [1, 2] } }), "atr").value, { a: [1, 2] });
  });

  test("__proto__ and constructor keys do nothing", () => {
    const body = JSON.parse(`{"__proto__": {"action": "sell"}, "constructor": 1, "ticker": "9984", "quantity": 100, "price": "market", "timestamp": "${NOW}"}`);
    const errs = errorsOf(validateAlert(body, OPTS));
    assert.deepEqual(errs.map((e) => e.field), ["action"]);
  });
});
