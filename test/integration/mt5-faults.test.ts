/**
 * Faults at the MT5 edge, each with its expected outcome: the terminal's IPC channel lost on the order path, the
 * bridge hung (SIGSTOP) and killed mid-order, and the daemon killed (SIGKILL) between the legs of a split exit. The
 * fake terminal logs the comment of every order_send that reaches it, so "sent once" is counted, not assumed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { removeDir, startBridge, type BridgeProcess } from "../broker/mt5/bridge-process.js";
import { runCli, startTestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { buy, ENV, mt5Config, order, settled, setup, spawnedSetup } from "../helpers/mt5-daemon.js";
import { tempHome } from "../helpers/temp-home.js";
import { until } from "../helpers/until.js";

const idOf = (res: { body: { data?: { order_id?: string }; details?: { order_id?: string } } }): string => (res.body.data?.order_id ?? res.body.details?.order_id)!;

test("IPC lost at the symbol lookup of an order check: the bridge re-initialises, the order fills, and so do the later ones", async (t) => {
  const { bridge, d } = await setup(t);
  bridge.faults({ ipc_lost_at: { symbol_info: 1 } });
  const first = await d.post("/webhook", buy());
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(bridge.control(), { ipc_lost_at: {} }, "the channel was lost at symbol_info");
  for (const _ of [1, 2]) assert.equal((await d.post("/webhook", buy())).status, 200);
  // An exit, whose legs are planned from the positions: lost there too, and it still closes all 300.
  bridge.faults({ ipc_lost_at: { positions_get: 1 } });
  const exit = await d.post("/webhook", buy({ action: "sell", quantity: 300 }));
  assert.equal(exit.status, 200, JSON.stringify(exit.body));
  assert.equal((await order(d, idOf(exit))).filled_quantity, 300);
  const exitId = idOf(exit);
  assert.deepEqual(bridge.sent().slice(3), [exitId, `${exitId}.2`, `${exitId}.3`], "one leg per position");
  assert.equal(new Set(bridge.sent()).size, 6, "every id sent once");
  assert.deepEqual(bridge.fakeState().positions, []);
});

test("a hung bridge (SIGSTOP): /health is unhealthy with the reason within its budget, status and the CLI answer at once", { timeout: 60_000 }, async (t) => {
  // An order timeout far longer than this test may run: only a status path that never waits on the bridge passes.
  const { bridge, d, home } = await setup(t, { mt5: { timeoutMs: 600_000 } });
  assert.equal((await d.post("/webhook", buy())).status, 200);
  await until("the bridge healthy", () => d.get("/health"), (h) => h.status === 200);
  bridge.signal("SIGSTOP");
  defer(t, () => bridge.signal("SIGCONT"));

  const status = await d.socket("GET", "/status");
  assert.equal(status.status, 200);
  assert.equal(status.body.data.current_positions[0].quantity, 100);
  const cli = await runCli(["status", "--json", "--home", home]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).broker.kind, "mt5");

  const health = await d.get("/health");
  assert.equal(health.status, 503);
  assert.deepEqual([health.body.components.database, health.body.components.broker], ["healthy", "unhealthy"]);
  assert.match(JSON.stringify(health.body.errors), /did not answer (its health check|GET \/health) within 3000 ms/);
  const known = await until("status to show the bridge down", async () => (await d.socket("GET", "/status")).body.data, (s) => !s.broker.connected);
  assert.equal(known.trading_active, false);
  assert.match(known.broker.message, /within 3000 ms/);

  bridge.signal("SIGCONT");
  await until("the bridge healthy again", () => d.get("/health"), (h) => h.status === 200);
});

test("the bridge hung (SIGSTOP) mid-order: unknown and re-checked while it hangs, found once it runs; one send", async (t) => {
  const { bridge, d } = await setup(t, { mt5: { timeoutMs: 800 } });
  bridge.faults({ hang_after_fill: -1 });
  const res = await d.post("/webhook", buy());
  const id = idOf(res);
  await until("the terminal to deal", () => bridge.fakeState().deals.length, (n) => n === 1);
  bridge.signal("SIGSTOP");
  defer(t, () => bridge.signal("SIGCONT"));
  bridge.faults({ release: true }); // read by the terminal once the process runs again
  await until(`order ${id} unknown`, () => order(d, id), (o) => o.status === "unknown");
  const rechecks = async () => (await d.socket("GET", "/status")).body.data.reconciliation.rechecks as number;
  const from = await rechecks();
  await until("two re-checks while the bridge is stopped", rechecks, (n) => n >= from + 2);
  assert.equal((await order(d, id)).status, "unknown");
  bridge.signal("SIGCONT");
  const o = await settled(d, id);
  assert.deepEqual([o.status, o.filled_quantity], ["filled", 100]);
  assert.deepEqual(bridge.sent(), [id]);
});

test("the bridge killed mid-order and restarted: the order is unknown until the restarted bridge finds its deal; one send", async (t) => {
  let bridge = await startBridge();
  const { dir } = bridge;
  const port = Number(new URL(bridge.url).port);
  const { home, cleanup } = tempHome(mt5Config(bridge.url, { timeoutMs: 800 }));
  const d = await startTestDaemon({ env: ENV, home });
  defer(t, async () => {
    await d.close();
    await bridge.stop();
    removeDir(dir);
    cleanup();
  });
  bridge.faults({ hang_after_fill: -1 });
  const id = idOf(await d.post("/webhook", buy()));
  await until("the terminal to deal", () => bridge.fakeState().deals.length, (n) => n === 1);
  await bridge.stop("SIGKILL");
  await until(`order ${id} unknown`, () => order(d, id), (o) => o.status === "unknown");
  bridge.faults({});
  bridge = await startBridge({ dir, port }); // the same terminal state and idempotency table, at the same address
  const o = await settled(d, id);
  assert.deepEqual([o.status, o.filled_quantity], ["filled", 100]);
  assert.deepEqual(bridge.sent(), [id]);
});

test("a rejected second leg of a split exit: the order ends partially_filled with the remainder stated, the rest stays held", async (t) => {
  const { bridge, d } = await setup(t);
  const entries: string[] = [];
  for (const _ of [1, 2]) entries.push(idOf(await d.post("/webhook", buy())));
  assert.deepEqual(entries.map((id) => id.slice(-3)), ["001", "002"]);
  const next = entries[0]!.replace(/001$/, "003"); // the exit, the day's next order; its second leg is "<id>.2"
  bridge.faults({ send_retcode: { code: 10006, count: 1, comment: `${next}.2` } });
  const res = await d.post("/webhook", buy({ action: "sell", quantity: 200 }));
  assert.equal(idOf(res), next);
  const o = await settled(d, next);
  assert.deepEqual([o.status, o.filled_quantity, o.error_code], ["partially_filled", 100, "MT5_REJECTED"]);
  assert.match(o.error_message ?? "", /100 of 200 dealt; the remaining 100 was not/);
  const positions = (await d.socket("GET", "/positions")).body.data.positions;
  assert.deepEqual(positions.map((p: { ticker: string; quantity: number }) => [p.ticker, p.quantity]), [["9984", 100]]);
  assert.equal(bridge.fakeState().positions.length, 1, "the journal agrees with the terminal");
});

for (const c of [
  { at: "while its first leg is in flight", faults: { hang_after_fill: -1 }, reached: (b: BridgeProcess) => b.fakeState().deals.length === 3 },
  { at: "after its first leg, before the second is sent", faults: { hang_at: { order_check: 2 } }, reached: (b: BridgeProcess) => JSON.stringify(b.control().hang_at) === "{}" },
]) {
  test(`daemon killed ${c.at} of a split exit: the restart accounts for every leg, sends the rest once, fills all`, async (t) => {
    const { bridge, spawn, get } = await spawnedSetup(t, { timeoutMs: 1500 });
    const first = await spawn();
    const post = (url: string, body: unknown) => fetch(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const _ of [1, 2]) assert.equal((await post(first.url, buy())).status, 200); // two positions of 100
    bridge.faults(c.faults);
    const pending = post(first.url, buy({ action: "sell", quantity: 200 })).catch(() => null);
    await until(`the daemon to be ${c.at}`, () => c.reached(bridge), (x) => x);
    await first.stop("SIGKILL");
    await pending;
    bridge.faults({ release: true });
    const [, , exitId] = bridge.sent();
    assert.ok(exitId, "the first leg reached the terminal");

    const second = await spawn();
    const o = await until(`order ${exitId} to settle`, () => get(`/orders/${exitId}`), (x) => !["pending", "submitted", "unknown"].includes(x.status));
    assert.deepEqual([o.status, o.filled_quantity], ["filled", 200]);
    assert.deepEqual(bridge.sent().slice(2), [exitId, `${exitId}.2`], "each leg sent once, the second only after the restart");
    assert.equal(new Set(bridge.sent()).size, bridge.sent().length, "no client id reached order_send twice");
    assert.deepEqual(bridge.fakeState().positions, []);
    assert.deepEqual((await get("/positions")).positions, []);
    assert.equal(await second.stop("SIGTERM"), 0);
  });
}
