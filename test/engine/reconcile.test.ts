import { test } from "node:test";
import type { BrokerDeal, BrokerPosition } from "../../src/engine/broker.js";
import { belongsTo, reconcile, type JournalOpenOrder } from "../../src/engine/reconcile.js";

function deal(over: Partial<BrokerDeal>): BrokerDeal {
  return {
    ticket: "1",
    order: "10",
    position_id: "10",
    ticker: "7203",
    symbol: "7203.T",
    side: "buy",
    entry: "in",
    quantity: 100,
    price: 2500,
    fee: 0,
    profit: 0,
    time: 1_000,
    comment: "",
    magic: 7,
    ...over,
  };
}

function openOrder(over: Partial<JournalOpenOrder>): JournalOpenOrder {
  return { order_id: "ORD_20250101_001", ticker: "7203", action: "buy", quantity: 100, status: "unknown", ...over };
}

function position(ticker: string, quantity: number): BrokerPosition {
  return { ticker, symbol: `${ticker}.T`, quantity, avg_price: 2500, current_price: 2500 };
}

test("an order whose id is a deal comment was filled; its fill explains the broker position", (t) => {
  const report = reconcile({
    orders: [openOrder({})],
    journalPositions: [],
    brokerPositions: [position("7203", 100)],
    deals: [deal({ comment: "ORD_20250101_001", ticket: "55", fee: 12 })],
    magic: 7,
  });
  t.assert.deepEqual(report.orders, [
    {
      kind: "filled",
      order_id: "ORD_20250101_001",
      ticker: "7203",
      fill: { price: 2500, quantity: 100, fee: 12, broker_order_id: "10", broker_deal_id: "55", time: 1_000 },
      partial: false,
      deal_ids: ["55"],
    },
  ]);
  t.assert.deepEqual(report.differences, []);
  t.assert.deepEqual(report.blocked_tickers, []);
});

test("an order with no deal is confirmed absent", (t) => {
  const report = reconcile({
    orders: [openOrder({ status: "submitted" })],
    journalPositions: [],
    brokerPositions: [],
    deals: [deal({ comment: "ORD_20250101_002" })],
  });
  t.assert.deepEqual(report.orders, [{ kind: "absent", order_id: "ORD_20250101_001", ticker: "7203" }]);
  t.assert.deepEqual(report.differences, []);
});

test("deals of another magic (a manual trade, another robot) are not ours", (t) => {
  const report = reconcile({
    orders: [openOrder({})],
    journalPositions: [],
    brokerPositions: [],
    deals: [deal({ comment: "ORD_20250101_001", magic: 99 })],
    magic: 7,
  });
  t.assert.equal(report.orders[0]!.kind, "absent");
});

test("legs of a split exit add up to one fill at the volume-weighted price", (t) => {
  const report = reconcile({
    orders: [openOrder({ action: "sell", quantity: 300, order_id: "ORD_20250101_003" })],
    journalPositions: [{ ticker: "7203", quantity: 300 }],
    brokerPositions: [],
    deals: [
      deal({ comment: "ORD_20250101_003", side: "sell", entry: "out", quantity: 100, price: 2600, ticket: "71", time: 5 }),
      deal({ comment: "ORD_20250101_003.2", side: "sell", entry: "out", quantity: 200, price: 2450, ticket: "72", time: 6 }),
      deal({ comment: "ORD_20250101_0031", quantity: 100, ticket: "73" }),
    ],
  });
  const r = report.orders[0]!;
  t.assert.equal(r.kind, "filled");
  if (r.kind !== "filled") return;
  t.assert.equal(r.fill.quantity, 300);
  t.assert.equal(r.fill.price, 2500);
  t.assert.deepEqual(r.deal_ids, ["71", "72"]);
  t.assert.equal(r.partial, false);
  t.assert.deepEqual(report.differences, []);
});

test("a partial fill is flagged", (t) => {
  const report = reconcile({
    orders: [openOrder({ quantity: 300 })],
    journalPositions: [],
    brokerPositions: [position("7203", 100)],
    deals: [deal({ comment: "ORD_20250101_001" })],
  });
  const r = report.orders[0]!;
  t.assert.equal(r.kind === "filled" && r.partial, true);
  t.assert.deepEqual(report.blocked_tickers, []);
});

test("unexplained position differences are listed per ticker and block that ticker", (t) => {
  const report = reconcile({
    orders: [],
    journalPositions: [
      { ticker: "7203", quantity: 100 },
      { ticker: "9984", quantity: 200 },
    ],
    brokerPositions: [position("7203", 100), position("6758", 100), position("6758", 100)],
    deals: [],
  });
  t.assert.deepEqual(report.differences, [
    { ticker: "6758", journal_quantity: 0, pending_fills: 0, broker_quantity: 200, unexplained: 200 },
    { ticker: "9984", journal_quantity: 200, pending_fills: 0, broker_quantity: 0, unexplained: -200 },
  ]);
  t.assert.deepEqual(report.blocked_tickers, ["6758", "9984"]);
});

test("a fill found at the broker for an exit explains a position the journal still holds", (t) => {
  const report = reconcile({
    orders: [openOrder({ action: "sell", quantity: 100 })],
    journalPositions: [{ ticker: "7203", quantity: 100 }],
    brokerPositions: [],
    deals: [deal({ comment: "ORD_20250101_001", side: "sell", entry: "out" })],
  });
  t.assert.equal(report.orders[0]!.kind, "filled");
  t.assert.deepEqual(report.differences, []);
});

test("belongsTo matches the id and its numbered legs only", (t) => {
  t.assert.equal(belongsTo("ORD_20250101_001", "ORD_20250101_001"), true);
  t.assert.equal(belongsTo("ORD_20250101_001.2", "ORD_20250101_001"), true);
  t.assert.equal(belongsTo("ORD_20250101_0012", "ORD_20250101_001"), false);
  t.assert.equal(belongsTo("ORD_20250101_001.x", "ORD_20250101_001"), false);
});
