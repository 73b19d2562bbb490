import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonErrorOffset } from "../../src/webhook/json-error-offset.js";

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const VALID = [
  "{}",
  "[]",
  " { } ",
  '{"a":1}',
  '{"a":[1,2,{"b":null}],"c":"x\\"y\\u00e9\\n","d":-0.5e+10,"e":true,"f":false}',
  "[[[[]]]]",
  '"str"',
  "0",
  "-1.25E-3",
  "null",
  '{"passphrase":"your-secret-passphrase-here","ticker":"9984","quantity":100}',
  '[1, [2, [3]], {"k": [ ]}, { }]',
];

const INVALID: Array<[string, number]> = [
  ['{"a": 1,}', 8],
  ['{"a" 1}', 5],
  ["{a: 1}", 1],
  ['{"a": buy}', 6],
  ["[1,]", 3],
  ["[1 2]", 3],
  ['{"a":1}}', 7],
  ['{"a":', 5],
  ['"abc', 4],
  ["01", 1],
  ["-", 0],
  ["", 0],
  ['{"a":"x\ty"}', 7],
  ['"\\x"', 2],
  ['"\\u12G4"', 5],
  ["tru", 3],
  ["nul", 3],
  ["[1.]", 2],
  ['{\n  "a": 1,\n  "b": nope\n}', 20],
];

test("valid JSON → -1", () => {
  for (const t of VALID) {
    assert.equal(parses(t), true, t);
    assert.equal(jsonErrorOffset(t), -1, t);
  }
});

test("invalid JSON → the offset of the first error", () => {
  for (const [t, offset] of INVALID) {
    assert.equal(parses(t), false, t);
    assert.equal(jsonErrorOffset(t), offset, t);
  }
});

test("agrees with JSON.parse on mutations of a real alert", () => {
  const base = JSON.stringify({ action: "buy", ticker: "9984", quantity: 100, price: "market", rsi: 62.5, x: [1, { y: null }], ok: true });
  const chars = ['"', "{", "}", "[", "]", ",", ":", "1", "-", ".", "e", " ", "\\", "n", "t"];
  let seed = 42;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  for (let i = 0; i < 3000; i++) {
    const pos = rnd(base.length);
    const op = rnd(3);
    const c = chars[rnd(chars.length)] ?? "";
    const t = op === 0 ? base.slice(0, pos) + base.slice(pos + 1) : op === 1 ? base.slice(0, pos) + c + base.slice(pos) : base.slice(0, pos) + c + base.slice(pos + 1);
    assert.equal(jsonErrorOffset(t) === -1, parses(t), t);
  }
});

test("deep nesting does not overflow the stack", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  assert.equal(jsonErrorOffset(deep), -1);
  assert.equal(jsonErrorOffset("[".repeat(100_000)), 100_000);
});
