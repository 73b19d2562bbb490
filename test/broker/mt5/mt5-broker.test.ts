/** The MT5 gateway against the real bridge process and the fake MetaTrader5 terminal. */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { InstrumentConfig } from "../../../src/config/types.js";
import type { OrderRequest } from "../../../src/engine/broker.js";
import { createMt5Broker, type Mt5Broker, type Mt5BrokerDeps } from "../../../src/broker/mt5/mt5-broker.js";
import { BridgeClient } from "../../../src/broker/mt5/client.js";
import { BRIDGE_TOKEN, removeDir, startBridge, type BridgeProcess, type StartOptions } from "./bridge-process.js";
import { until } from "../../helpers/until.js";

const MAGIC = 7;
const INSTRUMENTS: Record<string, InstrumentConfig> = {
  "7203": { symbol: "7203.T", contractSize: 100, calendar: "tse" },
  "9984": { symbol: "9984.T" },
};
const FAST = { retries: 2, minTimeout: 5, factor: 2, maxTimeout: 20 };

function order(id: string, over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    client_order_id: id,
    kind: "trade",
    effect: null,
    ticker: "7203",
    action: "buy",
    quantity: 200,
    order_type: "market",
    limit_price: null,
    order_expires_at: null,
    target_client_order_id: null,
    target_broker_order_id: null,
    stop_loss: null,
    take_profit: null,
    reference_price: null,
    is_exit: false,
    ...over,
  };
}

interface Setup {
  bridge: BridgeProcess;
  broker: Mt5Broker;
  restart(): Promise<void>;
}

async function setup(
  t: TestContext,
  opts: StartOptions & { timeoutMs?: number; deps?: Mt5BrokerDeps; token?: string } = {},
): Promise<Setup> {
  const s = {} as Setup;
  const make = async (dir?: string): Promise<void> => {
    s.bridge = await startBridge({ ...opts, ...(dir ? { dir } : {}) });
    s.broker = createMt5Broker(
      { url: s.bridge.url, timeoutMs: opts.timeoutMs ?? 5000, magic: MAGIC, syncSeconds: 2 },
      INSTRUMENTS,
      opts.token ?? BRIDGE_TOKEN,
      { retry: FAST, reconcileRetry: FAST, ...opts.deps },
    );
  };
  await make();
  const dir = s.bridge.dir;
  s.restart = async () => {
    await s.bridge.stop();
    await make(dir);
  };
  t.after(async () => {
    await s.bridge.stop();
    removeDir(dir);
  });
  return s;
}

test("a market buy fills end to end and shows in positions, deals and findOrder", async (t) => {
  const { bridge, broker } = await setup(t);
  const check = await broker.orderCheck(order("ORD_20250101_001", { stop_loss: 2400, take_profit: 2700 }));
  t.assert.deepEqual([check.ok, check.code], [true, "OK"]);
  assert.ok((check.margin ?? 0) > 0);
  const result = await broker.orderSend(order("ORD_20250101_001", { stop_loss: 2400, take_profit: 2700 }));
  t.assert.equal(result.kind, "filled");
  if (result.kind !== "filled") return;
  t.assert.equal(result.fill.quantity, 200);
  t.assert.equal(result.fill.price, 2501);
  assert.ok(result.fill.broker_deal_id);
  const state = bridge.fakeState();
  t.assert.equal(state.deals.length, 1);
  t.assert.deepEqual([state.deals[0]!.comment, state.deals[0]!.magic, state.deals[0]!.volume], ["ORD_20250101_001", MAGIC, 2]);
  const positions = await broker.positions();
  t.assert.deepEqual(
    positions.map((p) => [p.ticker, p.symbol, p.quantity, p.avg_price]),
    [["7203", "7203.T", 200, 2501]],
  );
  const found = await broker.findOrder("ORD_20250101_001");
  t.assert.equal(found?.kind, "filled");
  t.assert.equal(found?.kind === "filled" ? found.fill.broker_deal_id : null, result.fill.broker_deal_id);
  t.assert.equal(await broker.findOrder("ORD_20250101_999"), null);
  const deals = await broker.deals(Date.now() - 60_000, Date.now() + 60_000);
  t.assert.deepEqual(deals.map((d) => [d.ticker, d.side, d.entry, d.quantity, d.comment]), [["7203", "buy", "in", 200, "ORD_20250101_001"]]);
  const account = await broker.accountInfo();
  t.assert.equal(account.currency, "JPY");
  t.assert.deepEqual(await broker.health(), { kind: "mt5", connected: true, account }, "the health check carries the account");
  const rates = await broker.rates("7203", "M5", 0, 3);
  t.assert.equal(rates.length, 3);
  assert.ok(rates[2]!.time > rates[0]!.time && rates[0]!.time % 300_000 === 0);
});

test("a send right after its passing check (the engine's order) does not check again; a send alone does", async (t) => {
  const { bridge, broker } = await setup(t);
  const req = order("ORD_20250101_050");
  t.assert.equal((await broker.orderCheck(req)).ok, true);
  t.assert.equal((await broker.orderSend(req)).kind, "filled");
  t.assert.equal(bridge.fakeState().stats.calls.order_check, 1);
  t.assert.equal((await broker.orderSend(order("ORD_20250101_051"))).kind, "filled");
  t.assert.equal(bridge.fakeState().stats.calls.order_check, 2);
});

test("final retcodes become rejections with specific codes", async (t) => {
  const cases: [Record<string, unknown>, string, number][] = [
    [{ market_closed: true }, "MT5_MARKET_CLOSED", 0],
    [{ no_money: true }, "MT5_NO_MONEY", 0],
    [{ autotrading_disabled: true }, "MT5_AUTOTRADING_DISABLED", 1],
  ];
  const { bridge, broker } = await setup(t);
  for (const [i, [faults, code, sends]] of cases.entries()) {
    bridge.faults(faults);
    const before = bridge.fakeState().stats.order_send;
    const result = await broker.orderSend(order(`ORD_20250101_01${i}`));
    t.assert.equal(result.kind, "rejected", code);
    if (result.kind === "rejected") {
      t.assert.equal(result.code, code);
      assert.ok(result.message.length > 10);
    }
    t.assert.equal(bridge.fakeState().stats.order_send - before, sends, code);
  }
  bridge.faults({ autotrading_disabled: true });
  const { account: _, ...health } = await broker.health();
  t.assert.deepEqual(health, { kind: "mt5", connected: true, message: "AutoTrading is disabled in the terminal" });
  t.assert.equal(bridge.fakeState().deals.length, 0);
});

test("invalid stops and unknown instruments are refused without a send; a limit order is placed as a pending order", async (t) => {
  const { bridge, broker } = await setup(t);
  const stops = await broker.orderSend(order("ORD_20250101_020", { stop_loss: 2600 }));
  t.assert.equal(stops.kind === "rejected" ? stops.code : stops.kind, "MT5_INVALID_STOPS");
  const unknown = await broker.orderSend(order("ORD_20250101_021", { ticker: "1301" }));
  t.assert.equal(unknown.kind === "rejected" ? unknown.code : unknown.kind, "MT5_UNKNOWN_INSTRUMENT");
  t.assert.equal(bridge.fakeState().stats.order_send, 0);
  const limit = await broker.orderSend(order("ORD_20250101_022", { order_type: "limit", limit_price: 2400 }));
  t.assert.equal(limit.kind, "placed");
  t.assert.deepEqual(bridge.fakeState().orders.map((o) => [o.comment, o.type, o.price_open]), [["ORD_20250101_022", 2, 2400]]);
});

test("no connection to the trade server is retried, then given up without any send", async (t) => {
  const { bridge, broker } = await setup(t, { faults: { no_connection: true } });
  const result = await broker.orderSend(order("ORD_20250101_030"));
  t.assert.equal(result.kind, "rejected");
  if (result.kind === "rejected") {
    t.assert.equal(result.code, "MT5_NO_CONNECTION");
    t.assert.match(result.message, /gave up after 3 attempts/);
  }
  t.assert.equal(bridge.fakeState().stats.order_send, 0);
  t.assert.equal(bridge.fakeState().stats.calls.order_check, 3);
  if (result.kind === "rejected") t.assert.equal(result.temporary, true, "given up for a passing reason: the order failed");
});

test("order_check retries a passing refusal and says when it gave up; a final one is not retried", async (t) => {
  const { bridge, broker } = await setup(t, { faults: { no_connection: true } });
  const check = await broker.orderCheck(order("ORD_20250101_033"));
  t.assert.deepEqual([check.ok, check.code, check.temporary], [false, "MT5_NO_CONNECTION", true]);
  t.assert.match(check.message, /gave up after 3 attempts/);
  t.assert.equal(bridge.fakeState().stats.calls.order_check, 3);
  bridge.faults({ market_closed: true });
  const closed = await broker.orderCheck(order("ORD_20250101_034"));
  t.assert.deepEqual([closed.ok, closed.code, closed.temporary], [false, "MT5_MARKET_CLOSED", undefined]);
  t.assert.equal(bridge.fakeState().stats.calls.order_check, 4);
});

test("a terminal whose IPC is down makes the bridge unhealthy and nothing is sent", async (t) => {
  const { bridge, broker } = await setup(t);
  bridge.faults({ ipc_down: true });
  const health = await broker.health();
  t.assert.equal(health.connected, false);
  const result = await broker.orderSend(order("ORD_20250101_031"));
  t.assert.equal(result.kind === "rejected" ? result.code : result.kind, "MT5_UNAVAILABLE");
  t.assert.equal(bridge.fakeState().stats.order_send, 0);
  bridge.faults({});
  t.assert.equal((await broker.health()).connected, true);
});

test("a wrong token is an operational error, not a rejection", async (t) => {
  const { broker } = await setup(t, { token: "wrong-token-wrong-token" });
  await t.assert.rejects(broker.orderSend(order("ORD_20250101_032")), { code: "BRIDGE_AUTH_FAILED", kind: "internal" });
  t.assert.equal((await broker.health()).connected, false);
});

test("a requote is retried with a fresh price and trades exactly once", async (t) => {
  const { bridge, broker } = await setup(t, { faults: { requote: 1 } });
  const result = await broker.orderSend(order("ORD_20250101_040"));
  t.assert.equal(result.kind, "filled");
  const state = bridge.fakeState();
  t.assert.equal(state.stats.order_send, 2);
  t.assert.equal(state.deals.length, 1);
});

test("requotes beyond the retry budget give up after 3 sends and no deal", async (t) => {
  const { bridge, broker } = await setup(t, { faults: { requote: 10 } });
  const result = await broker.orderSend(order("ORD_20250101_041"));
  t.assert.equal(result.kind === "rejected" ? result.code : result.kind, "MT5_REQUOTE");
  t.assert.equal(result.kind === "rejected" && result.temporary, true);
  t.assert.equal(bridge.fakeState().stats.order_send, 3);
  t.assert.equal(bridge.fakeState().deals.length, 0);
});

for (const c of [
  { code: 10031, fill: false, coid: "ORD_20250101_042", sends: 2, name: "an ambiguous retcode (10031) is reconciled, found absent, and sent once more" },
  { code: 10012, fill: true, coid: "ORD_20250101_043", sends: 1, name: "an ambiguous retcode after a real fill (10012) is reconciled to the fill without a second send" },
]) {
  test(c.name, async (t) => {
    const { bridge, broker } = await setup(t, { faults: { send_retcode: { code: c.code, count: 1, fill: c.fill } } });
    const result = await broker.orderSend(order(c.coid));
    t.assert.equal(result.kind, "filled");
    t.assert.equal(bridge.fakeState().stats.order_send, c.sends);
    t.assert.equal(bridge.fakeState().deals.length, 1);
  });
}

test("a reply that never comes is reconciled to the fill without a second send", async (t) => {
  const bridge = await startBridge({ faults: { hang_after_fill: -1 } });
  t.after(async () => {
    await bridge.stop();
    removeDir(bridge.dir);
  });
  const seen: string[] = [];
  class RecordingClient extends BridgeClient {
    override request<T>(method: "GET" | "POST", path: string, opts?: Parameters<BridgeClient["request"]>[2]) {
      seen.push(`${method} ${path}`);
      return super.request<T>(method, path, opts);
    }
  }
  const client = new RecordingClient({ url: bridge.url, token: BRIDGE_TOKEN, timeoutMs: 300 });
  const broker = createMt5Broker({ url: bridge.url, timeoutMs: 300, magic: MAGIC, syncSeconds: 2 }, INSTRUMENTS, BRIDGE_TOKEN, {
    client,
    retry: FAST,
    reconcileRetry: { retries: 50, minTimeout: 20, factor: 1, maxTimeout: 20 },
  });
  const pending = broker.orderSend(order("ORD_20250101_050"));
  // the fake terminal has dealt but its reply hangs: release it once the gateway is reconciling
  await until("the gateway to look the order up", () => seen.includes("GET deals"));
  t.assert.equal(bridge.fakeState().deals.length, 1);
  bridge.faults({ release: true });
  const result = await pending;
  t.assert.equal(result.kind, "filled");
  if (result.kind === "filled") t.assert.equal(result.fill.quantity, 200);
  t.assert.equal(bridge.fakeState().stats.order_send, 1);
});

test("when reconciliation cannot reach a verdict the outcome is unknown, and later resolves to the one fill", async (t) => {
  const { bridge, broker } = await setup(t, {
    timeoutMs: 200,
    faults: { hang_after_fill: -1 },
    deps: { reconcileRetry: { retries: 1, minTimeout: 5, factor: 1, maxTimeout: 5 } },
  });
  const result = await broker.orderSend(order("ORD_20250101_051"));
  t.assert.equal(result.kind, "unknown");
  bridge.faults({ release: true });
  // Later (a re-check): a gateway that waits long enough for the terminal, which first works off the look-ups that
  // timed out (a 200 ms limit would race that backlog on a loaded machine).
  const later = createMt5Broker({ url: bridge.url, timeoutMs: 10_000, magic: MAGIC, syncSeconds: 2 }, INSTRUMENTS, BRIDGE_TOKEN, { retry: FAST, reconcileRetry: FAST });
  const found = await later.findOrder("ORD_20250101_051");
  t.assert.equal(found?.kind, "filled");
  const again = await later.orderSend(order("ORD_20250101_051"));
  t.assert.equal(again.kind, "filled");
  t.assert.equal(bridge.fakeState().stats.order_send, 1);
  t.assert.equal(bridge.fakeState().deals.length, 1);
});

test("a bridge restart keeps the idempotency table: the same id returns the first fill", async (t) => {
  const s = await setup(t);
  const first = await s.broker.orderSend(order("ORD_20250101_060"));
  t.assert.equal(first.kind, "filled");
  await s.restart();
  const again = await s.broker.orderSend(order("ORD_20250101_060"));
  t.assert.equal(again.kind, "filled");
  t.assert.equal(
    again.kind === "filled" ? again.fill.broker_deal_id : "",
    first.kind === "filled" ? first.fill.broker_deal_id : "x",
  );
  t.assert.equal(s.bridge.fakeState().stats.order_send, 1);
});

test("fill then bridge crash: unknown, and after a restart the in-flight row finds the fill", async (t) => {
  const s = await setup(t, { faults: { crash_after_fill: true } });
  const result = await s.broker.orderSend(order("ORD_20250101_061"));
  t.assert.equal(result.kind, "unknown");
  t.assert.equal(await s.bridge.exited, 70);
  await s.restart();
  const again = await s.broker.orderSend(order("ORD_20250101_061"));
  t.assert.equal(again.kind, "filled");
  t.assert.equal(s.bridge.fakeState().stats.order_send, 1);
  t.assert.equal(s.bridge.fakeState().deals.length, 1);
});

test("an exit closes our positions by ticket, oldest first, and is never sent twice", async (t) => {
  const { bridge, broker } = await setup(t);
  t.assert.equal((await broker.orderSend(order("ORD_20250101_070", { quantity: 100 }))).kind, "filled");
  t.assert.equal((await broker.orderSend(order("ORD_20250101_071", { quantity: 200 }))).kind, "filled");
  const exit = order("ORD_20250101_072", { action: "sell", quantity: 300, is_exit: true });
  const check = await broker.orderCheck(exit);
  t.assert.equal(check.ok, true);
  const result = await broker.orderSend(exit);
  t.assert.equal(result.kind, "filled");
  if (result.kind === "filled") t.assert.deepEqual([result.fill.quantity, result.fill.price], [300, 2500]);
  const state = bridge.fakeState();
  t.assert.deepEqual(state.positions, []);
  t.assert.deepEqual(
    state.deals.filter((d) => d.entry === 1).map((d) => [d.comment, d.volume]),
    [["ORD_20250101_072", 1], ["ORD_20250101_072.2", 2]],
  );
  const sends = state.stats.order_send;
  const again = await broker.orderSend(exit);
  t.assert.equal(again.kind === "filled" ? again.fill.quantity : 0, 300);
  t.assert.equal(bridge.fakeState().stats.order_send, sends);
  const none = await broker.orderSend(order("ORD_20250101_073", { action: "sell", quantity: 100, is_exit: true }));
  t.assert.equal(none.kind === "rejected" ? none.code : none.kind, "MT5_NO_POSITION");
});

test("the client never puts the token into an error", async (t) => {
  const client = new BridgeClient({ url: "http://127.0.0.1:9", token: "secret-token-value-123", timeoutMs: 1000 });
  const err = await client.call("GET", "health").catch((e: unknown) => e);
  assert.ok(err instanceof Error);
  t.assert.equal((err as { code?: string }).code, "BRIDGE_UNREACHABLE");
  t.assert.equal((err as { unknownOutcome?: boolean }).unknownOutcome, false);
  t.assert.doesNotMatch(JSON.stringify(err) + String(err) + String((err as Error).stack), /secret-token-value-123/);
  t.assert.equal((err as Error).cause, undefined);
});

/** Two buys of 100 (two positions of volume 1) and the sell of 200 that closes both, as two legs. */
async function twoPositions(broker: Mt5Broker, exitId: string): Promise<OrderRequest> {
  for (const id of ["ORD_20250101_080", "ORD_20250101_081"]) assert.equal((await broker.orderSend(order(id, { quantity: 100 }))).kind, "filled");
  return order(exitId, { action: "sell", quantity: 200, is_exit: true });
}

test("a rejected later leg of a split exit is partial with the remainder stated, never filled", async (t) => {
  const { bridge, broker } = await setup(t);
  const exit = await twoPositions(broker, "ORD_20250101_082");
  bridge.faults({ send_retcode: { code: 10006, count: 1, comment: "ORD_20250101_082.2" } });
  const result = await broker.orderSend(exit);
  t.assert.equal(result.kind, "partial");
  if (result.kind !== "partial") return;
  t.assert.deepEqual([result.fill.quantity, result.remaining, result.code], [100, 100, "MT5_REJECTED"]);
  t.assert.match(result.message, /100 of 200 dealt; the remaining 100 was not: the trade server rejected/);
  t.assert.deepEqual(bridge.sent().slice(2), ["ORD_20250101_082", "ORD_20250101_082.2"]);
  t.assert.equal(bridge.fakeState().positions.length, 1, "the second position is still open");
});

test("an exit cut after its first leg is found partial; sent again, only the rest goes, as the next leg, once", async (t) => {
  const { bridge, broker } = await setup(t);
  const exit = await twoPositions(broker, "ORD_20250101_083");
  // What a daemon killed after the first leg leaves: that leg dealt, the second never sent.
  const first = bridge.fakeState().positions.sort((a, b) => a.ticket - b.ticket)[0]!;
  const leg = await new BridgeClient({ url: bridge.url, token: BRIDGE_TOKEN, timeoutMs: 5000 }).call<{ outcome: string }>("POST", "order/send", {
    body: { action: "DEAL", symbol: "7203.T", type: "SELL", volume: 1, magic: MAGIC, position: first.ticket, client_order_id: "ORD_20250101_083" },
  });
  t.assert.equal(leg.outcome, "filled");

  const found = await broker.findOrder("ORD_20250101_083", 200);
  t.assert.deepEqual(found?.kind === "partial" ? [found.fill.quantity, found.remaining] : found, [100, 100]);
  t.assert.equal((await broker.findOrder("ORD_20250101_083"))?.kind, "filled", "without the ordered quantity: what was dealt");
  const result = await broker.orderSend(exit);
  t.assert.deepEqual(result.kind === "filled" ? [result.fill.quantity, result.fill.price] : result, [200, 2500]);
  const again = await broker.orderSend(exit);
  t.assert.equal(again.kind === "filled" ? again.fill.quantity : again, 200);
  t.assert.deepEqual(bridge.sent().slice(2), ["ORD_20250101_083", "ORD_20250101_083.2"]);
  t.assert.deepEqual(bridge.fakeState().positions, []);
});

test("a split exit whose rest has no position left to close is partial, and nothing more is sent", async (t) => {
  const { bridge, broker } = await setup(t);
  const exit = await twoPositions(broker, "ORD_20250101_084");
  const client = new BridgeClient({ url: bridge.url, token: BRIDGE_TOKEN, timeoutMs: 5000 });
  const positions = bridge.fakeState().positions.sort((a, b) => a.ticket - b.ticket);
  for (const [i, p] of positions.entries()) {
    // leg 1 of the exit, then a close by hand of the other position
    const id = i === 0 ? "ORD_20250101_084" : "MANUAL_CLOSE";
    await client.call("POST", "order/send", { body: { action: "DEAL", symbol: "7203.T", type: "SELL", volume: 1, magic: MAGIC, position: p.ticket, client_order_id: id } });
  }
  const result = await broker.orderSend(exit);
  t.assert.deepEqual(result.kind === "partial" ? [result.fill.quantity, result.remaining, result.code] : result, [100, 100, "MT5_NO_POSITION"]);
  t.assert.deepEqual(bridge.sent().slice(2), ["ORD_20250101_084", "MANUAL_CLOSE"]);
});
