/**
 * The pair's failures with MT5: two daemons as child processes on one real redis-server, the real bridge with the
 * fake terminal, each daemon reaching the bridge through its own recording tap (so a test sees which daemon sent
 * what, also where the bridge's own idempotency table would hide a second send from the terminal).
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import bcrypt from "bcryptjs";
import { Redis } from "ioredis";
import { BRIDGE_TOKEN, removeDir, startBridge, type BridgeProcess } from "../broker/mt5/bridge-process.js";
import { alert } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { startTap, type HttpTap } from "../helpers/http-tap.js";
import { clusterOf, PAIR_SECRET, spawnPairDaemon, until } from "../helpers/pair.js";
import { startRedis, type RedisServer } from "../helpers/redis-server.js";
import { socketRequest } from "../helpers/socket-request.js";

const ENV = { WEBHOOK_SECRET: PAIR_SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync("admin-password-123", 4), MT5_BRIDGE_TOKEN: BRIDGE_TOKEN };
const MAGIC = 515151;
const LEASE_MS = 1500;

const mt5 = (url: string, timeoutMs = 4000) => ({
  webhook: { syncBudgetMs: 300 },
  risk: { allowShort: true },
  broker: { kind: "mt5", mt5: { url, timeoutMs, magic: MAGIC, syncSeconds: 1 } },
  instruments: { "9984": { symbol: "9984.T", contractSize: 100 }, "7203": { symbol: "7203.T", contractSize: 100 } },
});

interface World {
  redis: RedisServer;
  bridge: BridgeProcess;
  taps: { a: HttpTap; b: HttpTap };
}

async function world(t: TestContext): Promise<World> {
  const redis = await startRedis();
  defer(t, () => redis.stop());
  const bridge = await startBridge();
  defer(t, async () => {
    await bridge.stop();
    removeDir(bridge.dir);
  });
  const taps = { a: await startTap(bridge.url), b: await startTap(bridge.url) };
  defer(t, () => Promise.all([taps.a.close(), taps.b.close()]));
  return { redis, bridge, taps };
}

/** a (started first, so it leads) and b, each through its own tap; `timeoutA` is a's bridge timeout. */
async function daemons(t: TestContext, w: World, timeoutA = 4000, leaseMs = LEASE_MS) {
  const a = await spawnPairDaemon(t, w.redis.url, "a", mt5(w.taps.a.url, timeoutA), ENV, leaseMs);
  await until("a to lead", () => clusterOf(a.socketPath), (c) => c.role === "leader");
  const b = await spawnPairDaemon(t, w.redis.url, "b", mt5(w.taps.b.url), ENV, leaseMs);
  await until("b to follow", () => clusterOf(b.socketPath), (c) => c.leader === "a");
  return { a, b };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
const orderOf = (res: { body: Record<string, any> }) => (res.body.data?.order_id ?? res.body.details?.order_id) as string;
const get = async (socket: string, path: string) => (await socketRequest(socket, "GET", path)).body.data;

test("the leader SIGKILLed with orders in flight: the follower takes over, no acknowledged alert is lost, no client id reaches order_send twice", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w);
  const before = (await clusterOf(b.socketPath)).lease.token!;

  // X: dealt at the terminal, its reply held back; Y and Z (one accepted by each daemon) queue behind it.
  w.bridge.faults({ hang_after_fill: -1 });
  const x = post(a.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100 }, Date.now()));
  await until("the terminal to deal X", () => w.bridge.fakeState().deals.length, (n) => n === 1);
  const acked = [await x, await post(a.url, alert(PAIR_SECRET, { ticker: "7203", quantity: 100 }, Date.now() + 1)), await post(b.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 200 }, Date.now() + 2))];
  for (const r of acked) assert.equal(r.status, 202, JSON.stringify(r.body));
  const ids = acked.map(orderOf);
  const xId = w.bridge.fakeState().deals[0]!.comment;
  assert.equal(xId, ids[0]);

  await a.stop("SIGKILL");
  const led = await until("b to take over", () => clusterOf(b.socketPath), (c) => c.role === "leader");
  assert.ok(led.lease.token! > before, "a new fencing token");
  w.bridge.faults({ release: true });

  const orders = await until(
    "every acknowledged alert filled by b",
    async () => Promise.all(ids.map((id) => get(b.socketPath, `/orders/${id}`))),
    (os: Array<{ status: string }>) => os.every((o) => o?.status === "filled"),
    30_000,
  );
  assert.deepEqual(orders.map((o: { filled_quantity: number }) => o.filled_quantity), [100, 100, 200]);
  const deals = w.bridge.fakeState().deals.map((d) => d.comment).sort();
  assert.deepEqual(deals, [...ids].sort(), "one deal per acknowledged alert");
  assert.equal(w.bridge.fakeState().stats.order_send, 3, "order_send reached once per order");
  const sent = [...w.taps.a.sends(), ...w.taps.b.sends()];
  assert.equal(new Set(sent).size, sent.length, `no client id sent twice across the pair: ${sent.join(" ")}`);
  assert.ok(!w.taps.b.sends().includes(xId), "X, dealt before the crash, was looked up by the new leader, not sent again");
  const positions = (await get(b.socketPath, "/positions")).positions as Array<{ ticker: string; quantity: number }>;
  assert.deepEqual(positions.map((p) => [p.ticker, p.quantity]), [["7203", 100], ["9984", 300]]);
});

test("a partition (redis-server paused): entries refused with the reason, nothing sent twice when it resumes", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w);

  w.bridge.faults({ hang_after_fill: -1 });
  const x = await post(b.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100 }, Date.now()));
  assert.equal(x.status, 202, JSON.stringify(x.body));
  await until("the terminal to deal X", () => w.bridge.fakeState().deals.length, (n) => n === 1);

  w.redis.pause();
  for (const d of [a, b]) {
    const refused = await post(d.url, alert(PAIR_SECRET, { ticker: "7203", quantity: 100 }, Date.now()));
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error_code, "SERVICE_UNAVAILABLE");
    assert.equal(refused.body.details.component, "redis");
    assert.match(refused.body.message, /Redis unreachable/);
  }
  await until("a to lose its lease", () => clusterOf(a.socketPath), (c) => c.role === "follower");
  const status = await get(b.socketPath, "/status");
  assert.notEqual(status.cluster.redis.state, "connected");

  w.redis.resume();
  w.bridge.faults({ release: true });
  const leader = await until("a leader again", async () => [await clusterOf(a.socketPath), await clusterOf(b.socketPath)], (cs) => cs.some((c) => c.role === "leader"), 30_000);
  const socket = leader[0]!.role === "leader" ? a.socketPath : b.socketPath;
  const o = await until("X settled", () => get(socket, `/orders/${orderOf(x)}`), (v: { status: string }) => v.status === "filled", 30_000);
  assert.equal(o.filled_quantity, 100);
  assert.equal(w.bridge.fakeState().deals.length, 1);
  assert.equal(w.bridge.fakeState().stats.order_send, 1);
  const sent = [...w.taps.a.sends(), ...w.taps.b.sends()];
  assert.equal(new Set(sent).size, sent.length, `no client id sent twice: ${sent.join(" ")}`);
  const after = await post(leader[0]!.role === "leader" ? a.url : b.url, alert(PAIR_SECRET, { ticker: "7203", quantity: 100 }, Date.now() + 5));
  assert.ok([200, 202].includes(after.status), JSON.stringify(after.body));
});

test("a deposed leader's late send is fenced: it checks its token right before the send and leaves the order to the new leader", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w, 60_000);

  // The terminal answers order_check slowly; a is frozen while it waits, so its lease runs out before the send. Its
  // bridge timeout is long, so that when it thaws the check's answer (not a timeout) comes first and a goes on to send.
  w.bridge.faults({ call_delay_s: 0.6 });
  const res = await post(a.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100 }, Date.now()));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = orderOf(res);
  await until("a to ask for the order check", () => w.taps.a.requests.filter((r) => r.path.startsWith("/order/check") && r.clientOrderId === id).length, (n) => n === 1);
  a.proc.kill("SIGSTOP");
  defer(t, () => void a.proc.kill("SIGCONT"));
  await until("b to take over", () => clusterOf(b.socketPath), (c) => c.role === "leader");
  await until("b to send the order", () => w.taps.b.sends(), (s) => s.includes(id), 30_000);
  a.proc.kill("SIGCONT");
  w.bridge.faults({});
  await until("a to see it lost the lease", () => clusterOf(a.socketPath), (c) => c.role === "follower" && c.leader === "b");
  await until("a's copy of the order settled by the mirror", () => get(a.socketPath, `/orders/${id}`), (o: { status: string }) => o.status === "filled", 30_000);
  assert.deepEqual(w.taps.a.sends(), [], "the deposed leader never sent it");
  assert.deepEqual(w.taps.b.sends(), [id]);
  assert.equal(w.bridge.fakeState().deals.length, 1);
});

test("the leader SIGKILLed between a reverse's close and its open: the new leader sends the open once, and no client id reaches order_send twice", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w);
  const entry = await post(a.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100 }, Date.now()));
  assert.ok([200, 202].includes(entry.status), JSON.stringify(entry.body));
  await until("the long at the terminal", () => w.bridge.fakeState().positions.length, (n) => n === 1);
  await until("b to know the long", async () => (await get(b.socketPath, "/positions")).positions, (p: unknown[]) => p.length === 1);

  // The reverse, admitted by the follower: the leader deals its close, then asks the terminal to check its open, and
  // that check hangs: a dies there, after the close and before the open was sent.
  w.bridge.faults({ hang_at: { order_check: 2 } });
  const res = await post(b.url, alert(PAIR_SECRET, { action: "reverse", ticker: "9984", quantity: 100 }, Date.now() + 1));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const [close, open] = (res.body.data.orders as Array<{ order_id: string }>).map((o) => o.order_id) as [string, string];
  await until("a to check the open", () => w.taps.a.requests.filter((r) => r.path.startsWith("/order/check") && r.clientOrderId === open).length, (n) => n === 1);
  assert.deepEqual(w.bridge.sent(), [orderOf(entry), close], "the close dealt, the open not sent");
  await a.stop("SIGKILL");
  w.bridge.faults({ release: true });
  await until("b to take over", () => clusterOf(b.socketPath), (c) => c.role === "leader");

  const orders = await until(
    "the close and the open filled at b",
    async () => Promise.all([close, open].map((id) => get(b.socketPath, `/orders/${id}`))),
    (os: Array<{ status: string }>) => os.every((o) => o?.status === "filled"),
    30_000,
  );
  assert.deepEqual(orders.map((o: { action: string; filled_quantity: number }) => [o.action, o.filled_quantity]), [["sell", 100], ["sell", 100]]);
  const sent = w.bridge.sent();
  assert.equal(new Set(sent).size, sent.length, `no client id reached order_send twice: ${sent.join(" ")}`);
  assert.deepEqual(sent, [orderOf(entry), close, open], "the open sent once, after the close, which was not sent again");
  assert.deepEqual(w.taps.b.sends(), [open], "the new leader looked the close up and sent only the open");
  const at = w.bridge.fakeState().positions;
  assert.deepEqual(at.map((p) => [p.comment, p.volume]), [[open, 1]], "the terminal holds the short alone");
  const positions = (await get(b.socketPath, "/positions")).positions as Array<{ ticker: string; quantity: number }>;
  assert.deepEqual(positions.map((p) => [p.ticker, p.quantity]), [["9984", -100]]);
});

/** Entries of the pair's queue read by the leader and not acknowledged yet. */
async function unacknowledged(w: World): Promise<number> {
  const r = new Redis(w.redis.url, { lazyConnect: true });
  try {
    await r.connect();
    return Number(((await r.xpending("test:{pair}:queue", "leader")) as [number])[0]);
  } finally {
    r.disconnect();
  }
}

test("a pending order in a pair: placed once by the leader, acknowledged while it rests, working then filled in the follower's journal with the position's stops", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w);
  const res = await post(b.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100, price: 8950, stop_loss: 8800, take_profit: 9300 }, Date.now()));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = orderOf(res);
  await until("the order resting at the terminal", () => w.bridge.fakeState().orders?.length ?? 0, (n) => n === 1);
  const copy = await until("the follower's copy working", () => get(b.socketPath, `/orders/${id}`), (o: { status: string }) => o.status === "working");
  assert.deepEqual([copy.order_type, copy.limit_price, copy.stop_loss, copy.take_profit], ["limit", 8950, 8800, 9300], "the vocabulary's columns journaled on the follower");
  await until("the entry acknowledged while the order rests", () => unacknowledged(w), (n) => n === 0);

  w.bridge.faults({ prices: { "9984.T": { bid: 8948, ask: 8949 } } });
  await until("the follower's copy filled", () => get(b.socketPath, `/orders/${id}`), (o: { status: string }) => o.status === "filled", 30_000);
  const positions = (await get(b.socketPath, "/positions")).positions as Array<{ ticker: string; quantity: number; stop_loss: number; take_profit: number }>;
  assert.deepEqual(positions.map((p) => [p.ticker, p.quantity, p.stop_loss, p.take_profit]), [["9984", 100, 8800, 9300]], "the position's stops on the follower too");
  // Every sweep of the leader (a third of the lease) saw the order after it rested: none sent it again.
  assert.deepEqual([...w.taps.a.sends(), ...w.taps.b.sends()], [id]);
  assert.deepEqual(w.bridge.sent(), [id]);
});

test("Redis down: the leader sends an exit within its lease, hands it to the pair when Redis is back, and nothing is sent twice", async (t) => {
  const w = await world(t);
  const { a, b } = await daemons(t, w, 4000, 8000);
  const entry = await post(a.url, alert(PAIR_SECRET, { ticker: "9984", quantity: 100 }, Date.now()));
  assert.ok([200, 202].includes(entry.status), JSON.stringify(entry.body));
  await until("b to know the long", async () => (await get(b.socketPath, "/positions")).positions, (p: unknown[]) => p.length === 1);

  w.redis.pause();
  const close = await post(a.url, alert(PAIR_SECRET, { action: "close_long", ticker: "9984" }, Date.now() + 1));
  assert.ok([200, 202].includes(close.status), JSON.stringify(close.body));
  const id = orderOf(close);
  assert.ok(Number(id.slice(13)) > 900_000, `an id of the leader's own range: ${id}`);
  await until("the close dealt at the terminal while Redis is paused", () => w.bridge.sent(), (s) => s.includes(id));
  await until("the leader's close filled while Redis is paused", () => get(a.socketPath, `/orders/${id}`), (o: { status: string }) => o.status === "filled");
  const entryRefused = await post(b.url, alert(PAIR_SECRET, { ticker: "7203", quantity: 100 }, Date.now() + 2));
  assert.equal(entryRefused.status, 503, "entries are refused meanwhile");

  w.redis.resume();
  const copy = await until("the close in the follower's journal", () => get(b.socketPath, `/orders/${id}`), (o: { status: string } | null) => o?.status === "filled", 30_000);
  assert.equal(copy.filled_quantity, 100);
  assert.deepEqual((await get(b.socketPath, "/positions")).positions, []);
  await until("every entry acknowledged", () => unacknowledged(w), (n) => n === 0, 30_000);
  const sent = w.bridge.sent();
  assert.deepEqual(sent, [orderOf(entry), id], "each order sent once");
  const tapped = [...w.taps.a.sends(), ...w.taps.b.sends()];
  assert.equal(new Set(tapped).size, tapped.length, `no client id sent twice: ${tapped.join(" ")}`);
});
