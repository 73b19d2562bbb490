/**
 * Just after a start no feed has quoted yet: a market alert (no price hint) must wait for its instrument's first
 * quote, not be answered 422 NO_PRICE; an order still waiting at shutdown is resumed by the next start and waits
 * again. The price stream is the fake OANDA server, held silent until the test releases a tick.
 */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { ManualClock } from "../../src/domain/clock.js";
import { alert, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { tempHome } from "../helpers/temp-home.js";
import { startFakeOandaProcess } from "../feeds/fake-oanda-process.js";

const SECRET = "first-quote-webhook-secret-0123";
const ENV = { WEBHOOK_SECRET: SECRET, OANDA_TOKEN: "oanda-token-for-first-quote-test" };

async function orderStatus(d: TestDaemon, id: string): Promise<string> {
  return (await d.socket("GET", `/orders/${id}`)).body.data.status;
}

async function pendingOrders(d: TestDaemon): Promise<string[]> {
  const res = await d.socket("GET", "/orders?status=pending");
  return (res.body.data.orders as Array<{ order_id: string }>).map((o) => o.order_id);
}

test("a market alert right after a start waits for the first quote (not 422 NO_PRICE), and so does its order after a restart", async (t) => {
  const fake = await startFakeOandaProcess(t, ["--tick-ms", "0", "--heartbeat-ms", "500", "--stall"]);
  const { home, cleanup } = tempHome({
    risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100 },
    webhook: { syncBudgetMs: 500 },
    feeds: [{ name: "prices", kind: "oanda-v1", stream: "prices", url: fake.url, accountId: "acct-1", instruments: ["9984", "7203"], staleAfterMs: 600_000 }],
  });
  defer(t, cleanup);
  // The engine's wait is bounded on this clock, which does not move: only a quote can end it.
  const clock = new ManualClock(Date.now());
  let d = await startTestDaemon({ home, env: ENV, clock });
  defer(t, () => d.close());

  // 7203: the daemon is stopped while its order waits, and the next start resumes it.
  const first = await d.post("/webhook", alert(SECRET, { ticker: "7203" }, clock.now()));
  assert.equal(first.status, 202, JSON.stringify(first.body));
  const waiting = first.body.data.order_id as string;
  assert.equal(await orderStatus(d, waiting), "pending");
  await d.handle.stop();
  d = await startTestDaemon({ home, env: ENV, clock });
  assert.deepEqual(await pendingOrders(d), [waiting], "resumed, still waiting, not rejected");

  // 9984: a new alert right after the start; the quote comes while it waits.
  const answer = d.post("/webhook", alert(SECRET, { ticker: "9984" }, clock.now() + 1));
  let id: string | undefined;
  while (!id) {
    id = (await pendingOrders(d)).find((o) => o !== waiting);
    if (!id) await delay(10);
  }
  await fake.control({ stall: false, emitTick: { instrument: "9984", bid: 3012, ask: 3013 } });
  const res = await answer;
  assert.ok(res.status === 200 || res.status === 202, `${res.status} ${JSON.stringify(res.body)}`);
  while ((await orderStatus(d, id)) === "pending") await delay(10);
  const filled = (await d.socket("GET", `/orders/${id}`)).body.data;
  assert.deepEqual([filled.status, filled.fill_price], ["filled", 3013], "priced at the first quote");

  await fake.control({ emitTick: { instrument: "7203", bid: 2795, ask: 2796 } });
  while ((await orderStatus(d, waiting)) === "pending") await delay(10);
  const resumed = (await d.socket("GET", `/orders/${waiting}`)).body.data;
  assert.deepEqual([resumed.status, resumed.fill_price], ["filled", 2796]);
});
