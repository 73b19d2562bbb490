import { test } from "node:test";
import assert from "node:assert/strict";
import { parseOandaV1, V1TickScanner } from "../../src/feeds/formats/oanda-v1.js";
import { parseOandaV20 } from "../../src/feeds/formats/oanda-v20.js";
import { parseSseEvent } from "../../src/feeds/formats/sse-events.js";
import { parseFeedTime } from "../../src/feeds/time.js";
import { createDecoder } from "../../src/feeds/decoders.js";

test("times: RFC 3339 with micro/nanoseconds, UNIX seconds strings, numbers", () => {
  assert.equal(parseFeedTime("2014-01-30T20:47:11.855887Z"), Date.parse("2014-01-30T20:47:11.855Z"));
  assert.equal(parseFeedTime("2025-06-02T00:00:01.123456789Z"), Date.parse("2025-06-02T00:00:01.123Z"));
  assert.equal(parseFeedTime("1748822401.123456789"), 1748822401123);
  assert.equal(parseFeedTime("1748822401"), 1748822401000);
  assert.equal(parseFeedTime(1748822401.5), 1748822401500);
  assert.equal(parseFeedTime(1748822401500), 1748822401500);
  assert.equal(parseFeedTime("yesterday"), null);
  assert.equal(parseFeedTime(undefined), null);
});

test("v1: wrapped and unwrapped ticks, heartbeat, disconnect, transaction (seed 003 examples)", () => {
  const wrapped = parseOandaV1({ tick: { instrument: "AUD_CAD", time: "2014-01-30T20:47:08.066398Z", bid: 0.98114, ask: 0.98139 } });
  assert.deepEqual(wrapped, { type: "price", instrument: "AUD_CAD", bid: 0.98114, ask: 0.98139, time: Date.parse("2014-01-30T20:47:08.066Z"), tradeable: true });
  const bare = parseOandaV1({ instrument: "AUD_CHF", time: "2014-01-30T20:47:11.855887Z", bid: 0.79357, ask: 0.7939 });
  assert.equal(bare.type, "price");
  assert.equal(parseOandaV1({ heartbeat: { time: "2014-05-26T13:58:40Z" } }).type, "heartbeat");
  assert.deepEqual(parseOandaV1({ disconnect: { code: 60, message: "Access Token connection limit exceeded", moreInfo: "x" } }), {
    type: "disconnect",
    code: 60,
    message: "Access Token connection limit exceeded",
  });
  const tx = parseOandaV1({
    transaction: { id: 10002, accountId: 12345, time: "2014-05-26T13:58:45.000000Z", type: "ORDER_FILLED", instrument: "EUR_USD", units: 10, side: "sell", price: 1, pl: 1.234 },
  });
  assert.equal(tx.type, "transaction");
  if (tx.type === "transaction") {
    assert.equal(tx.tx.id, "10002");
    assert.equal(tx.tx.seq, 10002);
    assert.equal(tx.tx.account_id, "12345");
    assert.equal(tx.tx.side, "sell");
    assert.equal(tx.tx.units, 10);
    assert.equal(tx.tx.pl, 1.234);
  }
  assert.equal(parseOandaV1({ tick: { instrument: "X", bid: 2, ask: 1 } }).type, "unknown", "crossed");
  assert.equal(parseOandaV1([1, 2]).type, "unknown");
  assert.equal(parseOandaV1({ tick: { instrument: "X", bid: 1, ask: 2, status: "halted" } }).type === "price", true);
});

test("v20: PRICE with string prices, tradeable flag, HEARTBEAT with lastTransactionID, typed transactions", () => {
  const p = parseOandaV20({
    type: "PRICE",
    time: "1748822401.000000000",
    bids: [{ price: "150.123", liquidity: 1000000 }],
    asks: [{ price: "150.131", liquidity: 1000000 }],
    closeoutBid: "150.120",
    closeoutAsk: "150.134",
    tradeable: false,
    instrument: "USD_JPY",
  });
  assert.deepEqual(p, { type: "price", instrument: "USD_JPY", bid: 150.123, ask: 150.131, time: 1748822401000, tradeable: false });
  const onlyCloseout = parseOandaV20({ type: "PRICE", instrument: "EUR_USD", bids: [], asks: [], closeoutBid: "1.1", closeoutAsk: "1.2" });
  assert.equal(onlyCloseout.type, "price");
  assert.deepEqual(parseOandaV20({ type: "HEARTBEAT", lastTransactionID: "1234", time: "2025-06-02T00:00:00.000000000Z" }), {
    type: "heartbeat",
    time: Date.parse("2025-06-02T00:00:00Z"),
    lastTransactionId: "1234",
  });
  const fill = parseOandaV20({ type: "ORDER_FILL", id: "1235", accountID: "101-1", time: "2025-06-02T00:00:00Z", instrument: "9984", units: "-100", price: "3012", pl: "-5.5" });
  assert.equal(fill.type, "transaction");
  if (fill.type === "transaction") {
    assert.equal(fill.tx.seq, 1235);
    assert.equal(fill.tx.side, "sell");
    assert.equal(fill.tx.units, 100);
    assert.equal(fill.tx.price, 3012);
    assert.equal(fill.tx.pl, -5.5);
  }
  assert.equal(parseOandaV20({ type: "PRICE", instrument: "EUR_USD", bids: [], asks: [] }).type, "unknown");
  assert.equal(parseOandaV20({ type: "ORDER_FILL", id: "abc" }).type, "unknown");
});

test("sse: tick, heartbeat, bad data", () => {
  assert.deepEqual(parseSseEvent({ event: "tick", data: '{"instrument":"9984","bid":3000,"ask":3001,"time":1748822401000}' }), {
    type: "price",
    instrument: "9984",
    bid: 3000,
    ask: 3001,
    time: 1748822401000,
    tradeable: true,
  });
  assert.equal(parseSseEvent({ event: "heartbeat", data: "" }).type, "heartbeat");
  assert.equal(parseSseEvent({ event: "tick", data: "{oops" }).type, "unknown");
});

test("fast RFC 3339 path agrees with Date.parse, offsets included", () => {
  for (const s of [
    "2025-06-02T00:00:00Z",
    "2025-06-02T09:00:00.5+09:00",
    "2025-12-31T23:59:59.999999999Z",
    "2024-02-29T12:34:56.078-05:30",
    "2025-06-02t00:00:00.1z",
  ]) {
    assert.equal(parseFeedTime(s), Date.parse(s.toUpperCase().replace(/(\.\d{3})\d+/, "$1")), s);
  }
  assert.equal(parseFeedTime("2025-13-02T00:00:00Z"), null);
  assert.equal(parseFeedTime("2025-06-02T00:00:00"), Date.parse("2025-06-02T00:00:00"), "no zone: general parser");
});

test("v1 tick scanner: same message as JSON.parse + parseOandaV1, or null (never a different answer)", () => {
  const scanner = new V1TickScanner();
  const slow = (line: string) => {
    try {
      return parseOandaV1(JSON.parse(line));
    } catch {
      return null;
    }
  };
  const check = (line: string, expectFast: boolean) => {
    const fast = scanner.scan(line);
    const copy = fast && { ...fast };
    assert.equal(fast !== null, expectFast, `fast path taken for ${line}`);
    if (copy) assert.deepEqual(copy, slow(line), line);
  };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 5000; i++) {
    const decimals = Math.floor(rnd() * 7);
    const bid = Number((rnd() * 10 ** (1 + Math.floor(rnd() * 5))).toFixed(decimals)) || 1;
    const ask = Number((bid + rnd() * 0.01).toFixed(decimals + 1));
    const time = `2025-06-02T0${Math.floor(rnd() * 10)}:00:0${Math.floor(rnd() * 10)}.${String(Math.floor(rnd() * 1e6)).padStart(6, "0")}Z`;
    check(`{"tick":{"instrument":"USD_JPY","time":"${time}","bid":${bid},"ask":${ask}}}`, true);
    check(`{"instrument":"EUR_USD","time":"${time}","bid":${bid},"ask":${ask}}`, true);
  }
  const t = "2014-01-30T20:47:08.066398Z";
  check(`{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":0.98114,"ask":0.98139}}`, true);
  check(`{"tick":{"instrument":"新規","time":"${t}","bid":1,"ask":2}}`, true);
  for (const odd of [
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":9.8114e-1,"ask":0.98139}}`,
    `{"tick": {"instrument":"AUD_CAD","time":"${t}","bid":0.98114,"ask":0.98139}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":0.98114,"ask":0.98139,"status":"halted"}}`,
    `{"tick":{"instrument":"AUD\\u005fCAD","time":"${t}","bid":0.98114,"ask":0.98139}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":0.98139,"ask":0.98114}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":-1,"ask":0.98114}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":01,"ask":2}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":1.,"ask":2}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":1.1234567890123456,"ask":2}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":1,"ask":2}}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"${t}","bid":1,"ask":2}`,
    `{"tick":{"instrument":"","time":"${t}","bid":1,"ask":2}}`,
    `{"tick":{"instrument":"AUD_CAD","time":"not a time","bid":1,"ask":2}}`,
    `{"heartbeat":{"time":"${t}"}}`,
  ]) {
    check(odd, false);
  }
  // Within a longer text, only the given range counts.
  const two = `{"tick":{"instrument":"X","time":"${t}","bid":1,"ask":2}}\n{"tick":{"instrument":"Y","time":"${t}","bid":3,"ask":4}}`;
  assert.equal(scanner.scan(two, 0, two.indexOf("\n"))?.instrument, "X");
  assert.equal(scanner.scan(two, two.indexOf("\n") + 1)?.bid, 3);
  assert.equal(scanner.scan(two), null);
});

test("v1 decoder: a raw control character inside a tick's strings is an invalid line, not a thrown error", () => {
  const messages: unknown[] = [];
  const invalid: string[] = [];
  const decoder = createDecoder("oanda-v1", { message: (m) => messages.push({ ...m }), invalid: (r) => invalid.push(r) });
  const good = '{"tick":{"instrument":"USD_JPY","time":"2014-01-30T20:47:08.066398Z","bid":101.1,"ask":101.2}}';
  const bad = good.replace("USD_JPY", "USD\tJPY");
  const badTime = good.replace("2014-01-30T20:47:08", "2014-01-30\tT20:47:08");
  assert.doesNotThrow(() => decoder.push(new TextEncoder().encode(`${bad}\n${badTime}\n${good}\n`)));
  assert.deepEqual(invalid, ["line is not JSON", "line is not JSON"]);
  assert.equal(messages.length, 1, "the good tick after them is still read");
});
