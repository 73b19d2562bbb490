/**
 * Properties of the alert's way in, checked on generated input (fast-check): the body parser, the validator and
 * redaction never throw, agree with a simple model, and never let the passphrase out. A failure prints the seed and
 * the shrunk counterexample; TRADECTL_FUZZ_SEED=<seed> replays a run.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Ajv } from "ajv";
import { Redactor, REDACTED } from "../../src/log/redact.js";
import { buildDryRun } from "../../src/webhook/dry-run.js";
import { jsonDepthExceeded, MAX_JSON_DEPTH } from "../../src/webhook/json-depth.js";
import { parseBody } from "../../src/webhook/parse-body.js";
import { redactRawBody } from "../../src/webhook/redact-body.js";
import { signalFieldSchemas, WebhookTestDataSchema } from "../../src/webhook/schemas.js";
import { validateAlert } from "../../src/webhook/validate-alert.js";
import { alertEntries, jsonishText, nested, objectOf, oddString as oddStringOf } from "../fuzz/arbitraries.js";

const seed = process.env.TRADECTL_FUZZ_SEED ? Number(process.env.TRADECTL_FUZZ_SEED) : undefined;
fc.configureGlobal({ numRuns: Number(process.env.TRADECTL_FUZZ_RUNS ?? 300), ...(seed === undefined ? {} : { seed }) });

const NOW = Date.UTC(2026, 10, 24, 1, 0, 0);
/** The passphrase: long and made of characters nothing else generated here strings together by chance. */
const SECRET = "Zq9-secret-passphrase-9qZ-0123456789";

/** Nesting depth of a JSON value, counted without recursion. */
function depthOf(v: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x === "object" && x !== null) {
      max = Math.max(max, d + 1);
      for (const y of Object.values(x)) stack.push([y, d + 1]);
    }
  }
  return max;
}

function parses(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const bodyText = jsonishText(2 * MAX_JSON_DEPTH);
const deepish = (inner: fc.Arbitrary<unknown>) => nested(inner, 2 * MAX_JSON_DEPTH);

const CONTENT_TYPES = ["application/json", "text/plain; charset=utf-8", undefined, "", "application/vnd.x+json", "text/html", "multipart/form-data", "application/x-www-form-urlencoded"];

describe("the body parser", () => {
  test("never throws, and accepts exactly the JSON objects nested at most 32 levels (as JSON.parse reads them)", () => {
    fc.assert(
      fc.property(bodyText, fc.constantFrom(...CONTENT_TYPES), (text, ct) => {
        const r = parseBody(text, ct);
        if (ct === "text/html" || ct === "multipart/form-data" || ct === "application/x-www-form-urlencoded") {
          assert.equal(r.ok ? "ok" : r.status, 415);
          return;
        }
        const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
        const model = parses(body);
        const accept = model.ok && typeof model.value === "object" && model.value !== null && !Array.isArray(model.value) && depthOf(model.value) <= MAX_JSON_DEPTH;
        assert.equal(r.ok, accept, JSON.stringify(r));
        if (r.ok) assert.deepEqual(r.body, (model as { value: unknown }).value);
        else {
          assert.equal(r.status, 400);
          assert.deepEqual(r.errors.map((e) => [e.field, e.value]), [["body", null]]);
        }
      }),
    );
  });

  test("a refusal never quotes the body (it holds the passphrase)", () => {
    const withSecret = fc.tuple(fc.json({ maxDepth: 2 }), fc.nat(), fc.nat()).map(([other, cut, at]) => {
      const text = `{"x":${other},"passphrase":"${SECRET}","y":${other}}`;
      const prefix = text.slice(0, cut % (text.length + 1));
      return `${prefix.slice(0, at % (prefix.length + 1))}${prefix.slice(at % (prefix.length + 1))}`;
    });
    fc.assert(
      fc.property(withSecret, (text) => {
        const r = parseBody(text, "text/plain");
        if (!r.ok) assert.equal(JSON.stringify(r).includes(SECRET.slice(0, 12)), false, JSON.stringify(r));
      }),
    );
  });

  test("bytes are read as UTF-8 or refused as not UTF-8, never mangled", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map((t) => new TextEncoder().encode(t))), (bytes) => {
        const r = parseBody(bytes, "application/json");
        let utf8 = true;
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          utf8 = false;
        }
        if (!utf8) assert.equal(r.ok ? "ok" : r.reason, "invalid_utf8");
        else assert.notEqual(r.ok ? "ok" : r.reason, "invalid_utf8");
      }),
    );
  });

  test("the depth scan agrees with the depth of the value", () => {
    fc.assert(
      fc.property(deepish(fc.jsonValue({ maxDepth: 3 })), fc.integer({ min: 0, max: 80 }), (v, max) => {
        assert.equal(jsonDepthExceeded(JSON.stringify(v), max) === -1, depthOf(v) <= max);
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------------ the validator

const FIELDS = Object.keys(signalFieldSchemas);
const oddString = oddStringOf(NOW, [SECRET, `pw=${SECRET}`]);
/** An alert that passed the passphrase check (the validator runs only then): odd entries, the passphrase too. */
const alertBody = alertEntries(NOW, [SECRET, `pw=${SECRET}`]).map((entries) => objectOf([...entries, ["passphrase", SECRET]]));
/** Sometimes a valid alert with odd extras, so the accepted path sees them too. */
const body = fc.oneof(
  alertBody,
  fc.tuple(alertBody, fc.constantFrom("buy", "sell"), fc.integer({ min: 1, max: 50 })).map(([extra, action, lots]) => {
    const { action: _a, ticker: _t, quantity: _q, price: _p, timestamp: _ts, entry_price: _e, stop_loss: _s, take_profit: _tp, exit_price: _x, ...rest } = extra;
    return { ...rest, action, ticker: "9984", quantity: lots * 100, price: "market", timestamp: String(NOW), passphrase: SECRET } as Record<string, unknown>;
  }),
);
const validateData = new Ajv({ strict: true, allErrors: true }).compile(WebhookTestDataSchema);

describe("the validator", () => {
  test("never throws, never echoes the passphrase, and a signal it accepts is within every bound", (t) => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(body, fc.constantFrom("live" as const, "test" as const), (b, mode) => {
        const r = validateAlert(b, { now: NOW, timestampWindowMs: 300_000, signalTtlMs: 60_000, requestId: "req_p", signalId: "sig_p", mode });
        const text = JSON.stringify(r);
        assert.equal(text.includes(SECRET), false, text);
        for (const f of Object.values(r.fields)) assert.equal(typeof (f.ok ? f.display : f.message), "string");
        seen[r.ok ? "accepted" : "refused"]++;
        if (!r.ok) {
          assert.ok(r.errors.length > 0);
          for (const e of r.errors) assert.ok(FIELDS.includes(e.field), e.field);
        } else {
          const s = r.signal;
          assert.ok(Number.isSafeInteger(s.quantity) && s.quantity >= 100 && s.quantity % 100 === 0 && s.quantity <= 1e9, String(s.quantity));
          assert.match(s.ticker, /^[0-9][0-9A-Z][0-9][0-9A-Z]$/);
          assert.ok(Math.abs(s.alert_time - NOW) <= 300_000);
          assert.ok(s.expires_at > NOW);
          assert.equal(typeof new Date(s.expires_at).toISOString(), "string");
          assert.ok(s.price === "market" || (typeof s.price === "number" && s.price > 0));
        }
        const dry = buildDryRun({ requestId: "req_p", now: NOW, body: b, validation: r, judgement: null });
        assert.ok(validateData(dry), JSON.stringify(validateData.errors));
      }),
    );
    // both ways through were taken, or the property says little
    assert.ok(seen.accepted > 0 && seen.refused > 0, JSON.stringify(seen));
    t.diagnostic(`${seen.accepted} accepted, ${seen.refused} refused`);
  });
});

// ------------------------------------------------------------------------------------------------ redaction

const SENSITIVE = ["passphrase", "password", "api_key", "apiKey", "token", "Authorization", "secret", "cookie"];
const logValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 0 }),
    fc.constantFrom(SECRET, `Bearer ${SECRET}`, `x${SECRET}x`),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...SENSITIVE, "__proto__", "note"), fc.string({ maxLength: 6 })), tie("v")), { maxLength: 4 }).map(objectOf),
  ),
})).v;

describe("redaction", () => {
  const redactor = new Redactor();
  redactor.addSecretValues(SECRET);

  test("a log record never keeps a secret value or a sensitive key's value, and nothing else changes", () => {
    fc.assert(
      fc.property(deepish(logValue), (v) => {
        const out = redactor.redact(v);
        const text = JSON.stringify(out);
        assert.equal(text.includes(SECRET), false, text);
        // the same walk over the input, done here: what must come out
        const expect = (x: unknown): unknown => {
          if (typeof x === "string") return x.split(SECRET).join(REDACTED);
          if (Array.isArray(x)) return x.map(expect);
          if (typeof x === "object" && x !== null) {
            return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, /passphrase|password|api[_-]?key|token|authorization|secret|cookie/i.test(k) ? REDACTED : expect(y)]));
          }
          return x;
        };
        if (depthOf(v) <= 64) assert.equal(text, JSON.stringify(expect(v)));
      }),
    );
  });

  /** The body's text with its passphrase `pass` at some place among odd fields, pretty or not, and a cut of it. */
  const rawAlert = (pass: string) =>
    fc
      .tuple(fc.array(fc.tuple(fc.constantFrom("action", "ticker", "comment", "passphrase", "x"), fc.oneof(oddString, fc.jsonValue({ maxDepth: 2 }))), { maxLength: 5 }), fc.nat(), fc.constantFrom("", " ", "\n  "), fc.nat())
      .map(([entries, at, space, cut]) => {
        const all = [...entries];
        all.splice(at % (entries.length + 1), 0, ["passphrase", pass]);
        // the passphrase that counts is the last one (JSON.parse keeps it)
        const last = all.filter(([k]) => k === "passphrase").at(-1)?.[1];
        const text = `{${all.map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${space}${JSON.stringify(v)}`).join(",")}}`;
        return { text, cut: text.slice(0, cut % (text.length + 1)), last };
      });

  test("the journal's copy of a raw alert never holds the passphrase, parsed, broken or cut short", () => {
    fc.assert(
      fc.property(rawAlert(SECRET), ({ text, cut }) => {
        const parsed = parseBody(text, "application/json");
        // as the webhook stores it: the body's passphrase removed, then every configured secret wherever it is
        for (const stored of [redactor.redactString(redactRawBody(text, parsed.ok ? parsed.body : undefined)), redactor.redactString(redactRawBody(cut))]) {
          assert.equal(stored.includes(SECRET.slice(0, 12)), false, stored);
        }
      }),
    );
  });

  test("a wrong passphrase (not a configured secret) is removed from the body too", () => {
    const wrong = "Wx7-not-the-secret-7xW";
    fc.assert(
      fc.property(rawAlert(wrong), ({ text, cut }) => {
        const parsed = parseBody(text, "application/json");
        assert.equal(redactRawBody(text, parsed.ok ? parsed.body : undefined).includes(wrong.slice(0, 8)), false);
        assert.equal(redactRawBody(cut).includes(wrong.slice(0, 8)), false);
      }),
    );
  });
});
