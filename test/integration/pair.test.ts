/**
 * A hot-standby pair on one real redis-server, two in-process daemons on the paper broker: idempotency, rate limits,
 * the kill switch and the daily counters hold across both; the follower's alerts fill through the leader; order ids
 * are unique across the two journals; Redis unreachable refuses entries with the reason.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { alert } from "../helpers/daemon.js";
import { clusterOf, PAIR_SECRET, startPair, until } from "../helpers/pair.js";

const buy = (over: Record<string, unknown> = {}, now = Date.now()) => alert(PAIR_SECRET, { ticker: "9984", quantity: 100, ...over }, now);

test("a repeat sent to the other daemon gets the first answer, and one order exists in both journals", async (t) => {
  const { a, b } = await startPair(t);
  const body = buy();
  const first = await a.post("/webhook", body);
  assert.ok([200, 202].includes(first.status), JSON.stringify(first.body));
  const repeat = await b.post("/webhook", body);
  assert.equal(repeat.status, first.status);
  assert.deepEqual(repeat.body, first.body);
  const again = await a.post("/webhook", body);
  assert.deepEqual(again.body, first.body);
  const id = first.body.data.order_id as string;
  for (const d of [a, b]) {
    const orders = await until(`${id} in ${d.home}`, async () => (await d.socket("GET", "/orders")).body.data.orders as Array<{ order_id: string }>, (o) => o.length >= 1);
    assert.deepEqual(orders.map((o) => o.order_id), [id]);
  }
});

test("the follower's alerts fill through the leader, and the two journals never mint the same order id", async (t) => {
  const { a, b } = await startPair(t);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    for (const [d, ticker] of [[a, "9984"], [b, "7203"]] as const) {
      const res = await d.post("/webhook", buy({ ticker }, Date.now() + i));
      assert.ok([200, 202].includes(res.status), JSON.stringify(res.body));
      ids.push(res.body.data.order_id as string);
    }
  }
  assert.equal(new Set(ids).size, ids.length, `order ids are unique across the pair: ${ids.join(" ")}`);
  for (const d of [a, b]) {
    await until(
      `every order filled in ${d.home}`,
      async () => (await d.socket("GET", "/orders")).body.data.orders as Array<{ order_id: string; status: string }>,
      (o) => ids.every((id) => o.some((x) => x.order_id === id && x.status === "filled")),
    );
    const positions = (await d.socket("GET", "/positions")).body.data.positions as Array<{ ticker: string; quantity: number }>;
    assert.deepEqual(positions.map((p) => [p.ticker, p.quantity]), [["7203", 300], ["9984", 300]]);
  }
});

test("rate limits hold across both daemons: one window per address", async (t) => {
  const { a, b } = await startPair(t, { extra: { webhook: { rateLimits: { perMinute: 4, perHour: 100, perDay: 100, statusPerMinute: 30, adminPer5Minutes: 5 } } } });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? b : a).post("/webhook", { junk: true })).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
});

test("a kill on one daemon stops entries on both at once; a resume on the other lifts it on both", async (t) => {
  const { a, b } = await startPair(t);
  const killed = await a.socket("POST", "/admin/kill-switch", { reason: "test stop" });
  assert.equal(killed.status, 200, JSON.stringify(killed.body));
  assert.equal(killed.body.data.pair, "both daemons");
  const refused = await b.post("/webhook", buy());
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.error_code, "SERVICE_UNAVAILABLE");
  assert.equal(refused.body.details.reason, "test stop");
  const status = await until("b to show the kill", async () => (await b.socket("GET", "/status")).body.data, (s) => s.system_enabled === false);
  assert.equal(status.kill_switch.reason, "test stop");

  const resumed = await b.socket("POST", "/admin/resume", {});
  assert.equal(resumed.status, 200);
  assert.equal((await a.post("/webhook", buy())).status === 503, false);
});

test("daily entries and the cooldown count the pair's entries, not one daemon's", async (t) => {
  const { a, b } = await startPair(t, { extra: { risk: { maxDailyEntries: 2 } } });
  assert.ok([200, 202].includes((await a.post("/webhook", buy({}, Date.now()))).status));
  assert.ok([200, 202].includes((await b.post("/webhook", buy({ ticker: "7203" }, Date.now() + 1))).status));
  const third = await a.post("/webhook", buy({ ticker: "6758" }, Date.now() + 2));
  assert.equal(third.status, 403, JSON.stringify(third.body));
  assert.equal(third.body.details.limit_type, "daily_trade_count");
  assert.equal(third.body.details.current_value, 2);
  const fourth = await b.post("/webhook", buy({ ticker: "6758" }, Date.now() + 3));
  assert.equal(fourth.status, 403);
  const c = await clusterOf(a.socketPath);
  assert.equal(c.role, "leader");
});

test("/health has the seed's redis component with latency and role, and warns about persistence that can lose an alert; events tell the leader", async (t) => {
  const { startRedis } = await import("../helpers/redis-server.js");
  const { defer } = await import("../helpers/defer.js");
  const redis = await startRedis({ appendfsync: "everysec" });
  defer(t, () => redis.stop());
  const { a, b } = await startPair(t, { redis });
  const h = await until("the persistence read", () => a.get("/health"), (r) => Array.isArray(r.body.warnings));
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.equal(h.body.components.redis, "healthy");
  assert.equal(h.body.details.redis.role, "leader");
  assert.equal(typeof h.body.details.redis.latency_ms, "number");
  assert.match(h.body.warnings[0].message, /appendfsync everysec.*can lose up to 1 s/);
  assert.equal((await b.get("/health")).body.details.redis.role, "follower");
  const { DatabaseSync } = await import("node:sqlite");
  const { join } = await import("node:path");
  const changes = await until(
    "b's journal to hold the leader change",
    () => {
      const db = new DatabaseSync(join(b.home, "tradectl.db"), { readOnly: true });
      const rows = db.prepare("SELECT payload FROM events WHERE type = 'cluster.leader_changed'").all() as Array<{ payload: string }>;
      db.close();
      return rows.map((r) => JSON.parse(r.payload) as { leader: string; node: string });
    },
    (rows) => rows.length > 0,
  );
  assert.deepEqual([changes[0]!.node, changes[0]!.leader], ["b", "a"]);
  const status = (await b.socket("GET", "/status")).body.data.cluster;
  assert.deepEqual([status.node, status.role, status.leader, status.redis.state], ["b", "follower", "a", "connected"]);
  assert.equal(typeof status.lease.lease_age_ms, "number");
});

/** The fills in a daemon's journal, oldest first: [order id, action, quantity]. */
function fillsOf(home: string): Array<[string, string, number]> {
  const db = new DatabaseSync(join(home, "tradectl.db"), { readOnly: true });
  const rows = db.prepare("SELECT order_id, action, quantity FROM fills ORDER BY rowid").all() as Array<{ order_id: string; action: string; quantity: number }>;
  db.close();
  return rows.map((r) => [r.order_id, r.action, r.quantity]);
}

test("a reverse admitted on the follower fills through the leader: its close, then its open, both journals alike", async (t) => {
  const { a, b } = await startPair(t, { extra: { risk: { allowShort: true } } });
  const entry = await a.post("/webhook", buy({}, Date.now()));
  assert.ok([200, 202].includes(entry.status), JSON.stringify(entry.body));
  await until("b to hold the long", async () => (await b.socket("GET", "/positions")).body.data.positions as unknown[], (p) => p.length === 1);

  const body = buy({ action: "reverse" }, Date.now() + 1);
  const res = await b.post("/webhook", body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const orders = res.body.data.orders as Array<{ order_id: string; action: string; quantity: number }>;
  assert.deepEqual(orders.map((o) => [o.action, o.quantity]), [["sell", 100], ["sell", 100]], "the close of the long, then the open of the short");
  const [close, open] = orders.map((o) => o.order_id) as [string, string];
  assert.equal(res.body.data.order_id, close);
  assert.equal(Number(open.slice(13)), Number(close.slice(13)) + 1, `one reservation minted both ids: ${close} ${open}`);

  for (const d of [a, b]) {
    await until(`both orders filled in ${d.home}`, async () => Promise.all([close, open].map(async (id) => (await d.socket("GET", `/orders/${id}`)).body.data?.status)), (s) => s.every((x) => x === "filled"));
    const positions = (await d.socket("GET", "/positions")).body.data.positions as Array<{ ticker: string; quantity: number }>;
    assert.deepEqual(positions.map((p) => [p.ticker, p.quantity]), [["9984", -100]]);
    assert.deepEqual(fillsOf(d.home).map((f) => f[0]), [entry.body.data.order_id, close, open], "dealt in order: the entry, the close, the open");
  }
  // A repeat at the leader gets the follower's answer, both orders in it.
  const again = await a.post("/webhook", body);
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, res.body);
});

test("exits while the kill switch is on, in a pair: a close_long at the follower goes through the leader, an entry does not", async (t) => {
  const { a, b } = await startPair(t);
  const entry = await a.post("/webhook", buy({}, Date.now()));
  assert.ok([200, 202].includes(entry.status), JSON.stringify(entry.body));
  await until("b to hold the long", async () => (await b.socket("GET", "/positions")).body.data.positions as unknown[], (p) => p.length === 1);
  assert.equal((await a.socket("POST", "/admin/kill-switch", { reason: "stop entries" })).status, 200);

  const refused = await b.post("/webhook", buy({ ticker: "7203" }, Date.now() + 1));
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.details.reason, "stop entries");
  const close = await b.post("/webhook", buy({ action: "close_long" }, Date.now() + 2));
  assert.equal(close.status, 202, JSON.stringify(close.body));
  for (const d of [a, b]) {
    await until(`the close filled in ${d.home}`, async () => (await d.socket("GET", `/orders/${close.body.data.order_id}`)).body.data?.status, (s) => s === "filled");
    assert.deepEqual((await d.socket("GET", "/positions")).body.data.positions, []);
  }
});
