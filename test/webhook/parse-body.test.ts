import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mediaType, parseBody, type ParseBodyResult } from "../../src/webhook/parse-body.js";

const SECRET = "your-secret-passphrase-here-0123456789";
const ALERT = JSON.stringify({ action: "buy", ticker: "9984", quantity: 100, price: "market", timestamp: "1735279200000", passphrase: SECRET });

function failed(r: ParseBodyResult) {
  if (r.ok) assert.fail("expected a parse failure");
  return r;
}

describe("accepted bodies", () => {
  for (const ct of [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "text/plain",
    "text/plain; charset=utf-8", // what TradingView sends when the alert text is not detected as JSON
    "application/vnd.api+json",
    undefined,
    "",
  ]) {
    test(`Content-Type ${JSON.stringify(ct)}`, () => {
      const r = parseBody(ALERT, ct);
      assert.equal(r.ok, true);
      if (r.ok) assert.equal(r.body["ticker"], "9984");
    });
  }

  test("bytes, a UTF-8 BOM and surrounding whitespace", () => {
    const r = parseBody(new TextEncoder().encode(`\uFEFF\n  ${ALERT}\n\n`), "text/plain");
    assert.equal(r.ok, true);
    const b = parseBody(Buffer.from(ALERT), "application/json");
    assert.equal(b.ok, true);
  });

  test("non-ASCII text survives", () => {
    const r = parseBody(Buffer.from(JSON.stringify({ comment: "ソフトバンクG 買い" })), "application/json");
    assert.equal(r.ok && r.body["comment"], "ソフトバンクG 買い");
  });
});

describe("refused bodies", () => {
  test("empty or blank", () => {
    for (const raw of ["", "   \n"]) {
      const r = failed(parseBody(raw, "application/json"));
      assert.equal(r.reason, "empty_body");
      assert.equal(r.status, 400);
    }
  });

  test("malformed JSON: position only, never the body (it holds the passphrase)", () => {
    const raw = `{"passphrase": "${SECRET}", oops}`;
    const r = failed(parseBody(raw, "text/plain"));
    assert.equal(r.reason, "malformed_json");
    assert.equal(r.status, 400);
    assert.match(r.message, /^Malformed JSON at line 1 column \d+$/);
    assert.deepEqual(r.errors, [{ field: "body", message: r.message, value: null }]);
    assert.equal(JSON.stringify(r).includes(SECRET), false);
    assert.equal(JSON.stringify(r).includes("oops"), false);
  });

  test("malformed JSON on a later line reports that line", () => {
    const r = failed(parseBody('{\n  "a": 1,\n  "b": nope\n}', "application/json"));
    assert.match(r.message, /^Malformed JSON at line 3 column \d+$/);
  });

  test("truncated JSON", () => {
    const r = failed(parseBody(`{"passphrase": "${SECRET}", "ticker": `, "application/json"));
    assert.equal(r.reason, "malformed_json");
    assert.equal(JSON.stringify(r).includes(SECRET), false);
  });

  test("plain text alert that is not JSON (TradingView default message)", () => {
    const r = failed(parseBody("Buy 9984 at 3000", "text/plain"));
    assert.equal(r.reason, "malformed_json");
  });

  test("JSON that is not an object", () => {
    const cases: Array<[string, string]> = [
      ["[1,2]", "an array"],
      ["42", "a number"],
      ['"buy"', "a string"],
      ["null", "null"],
      ["true", "a boolean"],
    ];
    for (const [raw, kind] of cases) {
      const r = failed(parseBody(raw, "application/json"));
      assert.equal(r.reason, "not_an_object");
      assert.equal(r.message, `Body must be a JSON object, got ${kind}`);
    }
  });

  test("other media types → 415", () => {
    for (const ct of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html", "application/xml"]) {
      const r = failed(parseBody(ALERT, ct));
      assert.equal(r.reason, "unsupported_media_type");
      assert.equal(r.status, 415);
      assert.equal(r.errors[0]?.field, "content-type");
    }
  });

  test("a body nesting deeper than 32 levels is refused before it is parsed (redacting ~5,000 levels overflowed the stack: a 500)", () => {
    const deep = `{"passphrase":"${SECRET}","comment":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const r = failed(parseBody(deep, "application/json"));
    assert.equal(r.reason, "too_deep");
    assert.equal(r.status, 400);
    assert.equal(r.message, `JSON nests deeper than 32 levels at line 1 column ${deep.indexOf("[") + 32}`);
    assert.deepEqual(r.errors, [{ field: "body", message: r.message, value: null }]);
    assert.equal(JSON.stringify(r).includes(SECRET), false);
    // 32 levels are fine, and brackets inside strings (escaped quotes too) are text, not nesting
    const at32 = `{"a":${"[".repeat(31)}${"]".repeat(31)}}`;
    assert.equal(parseBody(at32, "application/json").ok, true);
    assert.equal(failed(parseBody(`{"a":${"[".repeat(32)}${"]".repeat(32)}}`, "application/json")).reason, "too_deep");
    assert.equal(parseBody(JSON.stringify({ comment: `"\\${"[{".repeat(100)}` }), "application/json").ok, true);
  });

  test("bytes that are not UTF-8", () => {
    const r = failed(parseBody(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "application/json"));
    assert.equal(r.reason, "invalid_utf8");
  });
});

test("mediaType", () => {
  assert.equal(mediaType("text/plain; charset=utf-8"), "text/plain");
  assert.equal(mediaType(" APPLICATION/JSON "), "application/json");
  assert.equal(mediaType(undefined), null);
  assert.equal(mediaType(""), null);
});
