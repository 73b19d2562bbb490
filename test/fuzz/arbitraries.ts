/**
 * fast-check generators of hostile input, shared by the property tests and the loopback fuzz: odd numbers (huge,
 * tiny, -0, beyond a Date, beyond 2^53), odd strings (lone surrogates, digit runs, near-valid times and tickers),
 * values of any shape, objects with repeated, `__proto__` and `constructor` keys, JSON nested past any limit, text
 * that is almost JSON.
 */
import fc from "fast-check";

/** JSON text of an object with these entries, in order and repeated as given, parsed as a server parses it. */
export function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  return JSON.parse(objectText(entries)) as Record<string, unknown>;
}

export function objectText(entries: Array<[string, unknown]>, space = ""): string {
  return `{${entries.map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${space}${JSON.stringify(v)}`).join(",")}}`;
}

/** A value wrapped in 0..maxLevels arrays or objects. */
export function nested(inner: fc.Arbitrary<unknown>, maxLevels: number): fc.Arbitrary<unknown> {
  return fc.tuple(inner, fc.integer({ min: 0, max: maxLevels }), fc.boolean()).map(([v, levels, arrays]) => {
    let out = v;
    for (let i = 0; i < levels; i++) out = arrays ? [out] : { k: out };
    return out;
  });
}

export function oddNumber(now: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.constantFrom(0, -0, 100, 150, 1e9, 1e9 + 100, 1e21, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 8.64e15, 8.64e15 + 1, 9e15),
    fc.integer({ min: now - 400_000, max: now + 400_000 }),
  );
}

export function oddString(now: number, tokens: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.stringMatching(/^[0-9]{1,20}$/),
    oddNumber(now).map(String),
    fc.integer({ min: now - 400_000, max: now + 400_000 }).map(String),
    fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom("market", "buy", "sell", "9984", "TSE:9984", "130A", "NASDAQ:AAPL", "take_profit", "2026-02-30T00:00:00Z", "\ud800", "\udfff\ud800", "𝟗𝟗𝟖𝟒", ...tokens),
  );
}

export function oddValue(now: number, tokens: readonly string[] = []): fc.Arbitrary<unknown> {
  return fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      oddNumber(now),
      oddString(now, tokens),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 5 }), tie("v"), { maxKeys: 3 }),
    ),
  })).v;
}

/** Field names an alert has, and the ones that make trouble. */
export const ALERT_KEYS = ["action", "ticker", "quantity", "price", "timestamp", "passphrase", "entry_price", "stop_loss", "take_profit", "exit_price", "exit_reason", "atr", "rr_ratio", "rsi", "expires_at", "confidence", "test_mode", "comment", "__proto__", "constructor"] as const;

/** Entries of an alert-like object: known and unknown keys, repeated, with odd values. */
export function alertEntries(now: number, tokens: readonly string[] = []): fc.Arbitrary<Array<[string, unknown]>> {
  return fc.array(fc.tuple(fc.oneof(fc.constantFrom(...ALERT_KEYS), fc.string({ maxLength: 8 })), oddValue(now, tokens)), { maxLength: 14 });
}

/** Text that is JSON, nearly JSON (a character dropped, added or changed), or anything at all. */
export function jsonishText(maxDepth: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.json({ maxDepth: 4 }),
    nested(fc.jsonValue({ maxDepth: 2 }), maxDepth).map((v) => JSON.stringify({ a: v })),
    fc.tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom(...'{}[]",:\\0 e-.ntf'), fc.integer({ min: 0, max: 2 })).map(([t, at, c, op]) => {
      const i = at % (t.length + 1);
      return op === 0 ? t.slice(0, i) + t.slice(i + 1) : op === 1 ? t.slice(0, i) + c + t.slice(i) : t.slice(0, i) + c + t.slice(i + 1);
    }),
    fc.string({ unit: "binary", maxLength: 200 }),
  );
}
