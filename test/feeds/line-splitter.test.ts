import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../../src/feeds/line-splitter.js";

function run(chunks: (string | Buffer)[], opts: ConstructorParameters<typeof LineSplitter>[0] = {}): { lines: string[]; oversize: number } {
  const lines: string[] = [];
  let oversize = 0;
  const s = new LineSplitter({ ...opts, onOversize: () => oversize++ });
  for (const c of chunks) s.push(c, (l) => lines.push(l));
  s.end((l) => lines.push(l));
  return { lines, oversize };
}

test("holds back a partial last line across chunks and tolerates \\r\\n", () => {
  const r = run(['{"a":1}\r\n{"b"', ':2}\n\n{"c":', "3}"]);
  assert.deepEqual(r.lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test("decodes a UTF-8 character cut across chunk boundaries at every offset", () => {
  const text = '{"comment":"新規買い ソフトバンクG"}\n{"x":"€"}\n';
  const bytes = Buffer.from(text, "utf8");
  for (let i = 1; i < bytes.length; i++) {
    for (const j of [i + 1, i + 3]) {
      if (j >= bytes.length) continue;
      const r = run([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
      assert.deepEqual(r.lines, ['{"comment":"新規買い ソフトバンクG"}', '{"x":"€"}'], `cut at ${i},${j}`);
    }
  }
  const oneByOne = run([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(oneByOne.lines.length, 2);
});

test("drops a runaway line, reports it once, and keeps buffering bounded", () => {
  const lines: string[] = [];
  let reports = 0;
  const s = new LineSplitter({ maxLineBytes: 100, onOversize: () => reports++ });
  s.push('{"ok":1}\n{"big":"', (l) => lines.push(l));
  for (let i = 0; i < 1000; i++) {
    s.push("x".repeat(50), (l) => lines.push(l));
    assert.ok(s.bufferedBytes <= 100);
  }
  s.push('"}\n{"ok":2}\n', (l) => lines.push(l));
  assert.deepEqual(lines, ['{"ok":1}', '{"ok":2}']);
  assert.equal(reports, 1);
});

test("a long line inside one chunk is dropped too; lines at the limit pass", () => {
  const r = run(["a".repeat(10) + "\n" + "b".repeat(11) + "\n" + "c\n"], { maxLineBytes: 10 });
  assert.deepEqual(r.lines, ["a".repeat(10), "c"]);
  assert.equal(r.oversize, 1);
});

test("the cap counts UTF-8 bytes, also when the line is decoded with its whole chunk", () => {
  // 4 characters, 12 bytes: over a 10-byte cap although only 4 characters long.
  const r = run(["ok\n新規買い\nあ\n"], { maxLineBytes: 10 });
  assert.deepEqual(r.lines, ["ok", "あ"]);
  assert.equal(r.oversize, 1);
  const held = run(["{\"c\":\"新", "規\"}\r\n", "\n  \n{\"d\":1}\n"]);
  assert.deepEqual(held.lines, ['{"c":"新規"}', '{"d":1}']);
});
