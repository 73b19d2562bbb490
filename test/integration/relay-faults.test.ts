/**
 * The relay's faults, each against real daemons: a forged signature, a replayed delivery and a stale timestamp are
 * refused by the receiver and recorded by the sender; a receiver that is down gets a signal once when it is back,
 * unless the signal expired first; a receiver that answers slowly holds only its own queue.
 */
import { DatabaseSync } from "node:sqlite";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/domain/clock.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { startProxy } from "../helpers/http-proxy.js";
import { accept, createChannel, entry, invite, orders, publish, relayDaemon, settled, status } from "../helpers/relay.js";
import { until } from "../helpers/until.js";

const refusals = async (d: { socket: (m: string, p: string) => Promise<{ body: any }> }) =>
  (await d.socket("GET", "/audit?type=relay.failed")).body.data.filter((e: any) => e.payload.side === "receiver").map((e: any) => e.payload.reason);

test("a forged signature is refused by the receiver and recorded by the sender", async (t) => {
  const sender = await relayDaemon(t);
  const receiver = await relayDaemon(t);
  const channel = await createChannel(sender, "forged");
  await accept(receiver, await invite(sender, "forged"));
  // The sender now signs with a key the receiver does not hold.
  const db = new DatabaseSync(join(sender.home, "tradectl.db"));
  db.exec("UPDATE relay_receivers SET signing_secret = 'whsec_not-the-secret-the-receiver-holds-000000'");
  db.close();

  await publish(channel, entry());
  const [row] = await settled(sender, "forged", (rs) => rs[0]!.rejected === 1);
  assert.match(row!.last_error, /401 AUTH_FAILED: delivery refused: signature does not match/);
  assert.equal(row!.delivered, 0);
  assert.equal((await orders(receiver)).length, 0);
  assert.deepEqual(await refusals(receiver), ["signature"]);
});

test("a timestamp outside the window is refused by the receiver and recorded by the sender", async (t) => {
  const skewed = new ManualClock(Date.now() + 10 * 60_000); // the sender's clock is 10 minutes ahead
  const sender = await relayDaemon(t, { clock: skewed });
  const receiver = await relayDaemon(t);
  const channel = await createChannel(sender, "stale");
  await accept(receiver, await invite(sender, "stale"));
  await publish(channel, entry({}, skewed.now()));
  const [row] = await settled(sender, "stale", (rs) => rs[0]!.rejected === 1);
  assert.match(row!.last_error, /outside the 300 s window/);
  assert.equal((await orders(receiver)).length, 0);
  assert.deepEqual(await refusals(receiver), ["timestamp"]);
});

test("a replayed delivery (the same id and timestamp again) is refused; the sender's record stays one delivery", async (t) => {
  const proxy = await startProxy();
  defer(t, () => proxy.close());
  const sender = await relayDaemon(t);
  const receiver = await relayDaemon(t, { config: { relay: { publicUrl: proxy.url } } });
  proxy.target = receiver.url;
  const channel = await createChannel(sender, "replay");
  await accept(receiver, await invite(sender, "replay"));
  await publish(channel, entry());
  await settled(sender, "replay", (rs) => rs[0]!.delivered === 1);
  assert.equal((await orders(receiver)).length, 1);

  const captured = proxy.requests.find((r) => r.path.startsWith("/relay/deliver/"))!;
  const replay = await fetch(`${receiver.url}${captured.path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-tradectl-delivery": String(captured.headers["x-tradectl-delivery"]),
      "x-tradectl-timestamp": String(captured.headers["x-tradectl-timestamp"]),
      "x-tradectl-signature": String(captured.headers["x-tradectl-signature"]),
    },
    body: captured.body,
  });
  assert.equal(replay.status, 401);
  const answer = await replay.json();
  assert.equal(answer.error_code, "AUTH_FAILED");
  assert.equal(answer.details.reason, "replayed");
  assert.equal((await orders(receiver)).length, 1, "nothing traded twice");
  assert.deepEqual(await refusals(receiver), ["replayed"]);
  assert.equal((await status(sender, "replay"))[0]!.delivered, 1);
});

/** A receiver that accepted `name` and then went down; `back()` starts it again where it was (home, port). */
async function downReceiver(t: TestContext, sender: TestDaemon, name: string) {
  const first = await relayDaemon(t);
  const { home } = first;
  const port = Number(new URL(first.url).port);
  const channel = await createChannel(sender, name);
  await accept(first, await invite(sender, name));
  await first.close();
  return { channel, back: () => relayDaemon(t, { home, port }) };
}

test("a receiver down during a signal gets it once when it comes back (before the signal expires)", async (t) => {
  const sender = await relayDaemon(t);
  const { channel, back: restart } = await downReceiver(t, sender, "down");

  await publish(channel, entry({ ticker: "7203" }));
  await until("a failed attempt", () => status(sender, "down"), (rs) => rs[0]!.last_error !== null && rs[0]!.pending === 1);
  const back = await restart();
  const [row] = await settled(sender, "down", (rs) => rs[0]!.delivered === 1);
  assert.equal(row!.expired, 0);
  const got = await orders(back);
  assert.deepEqual(got.map((o) => [o.ticker, o.status]), [["7203", "filled"]], "delivered once");
});

test("a receiver down until the signal expired: recorded as expired, never delivered late", async (t) => {
  const clock = new ManualClock(Date.now());
  const sender = await relayDaemon(t, { clock });
  const { channel, back: restart } = await downReceiver(t, sender, "late");

  await publish(channel, entry({ ticker: "7203" }, clock.now()));
  await until("a failed attempt", () => status(sender, "late"), (rs) => rs[0]!.last_error !== null);
  clock.advance(61_000); // past the signal's 60 s
  const [row] = await settled(sender, "late", (rs) => rs[0]!.expired === 1);
  assert.equal(row!.delivered, 0);
  assert.match(row!.last_error, /ECONNREFUSED|UNREACHABLE|127\.0\.0\.1/);

  const back = await restart();
  await publish(channel, entry({ ticker: "6758" }, clock.now()));
  await settled(sender, "late", (rs) => rs[0]!.delivered === 1);
  assert.deepEqual((await orders(back)).map((o) => o.ticker), ["6758"], "the expired signal never reached the broker");
});

test("a receiver that answers slowly does not delay the others (per-receiver queues, bounded concurrency)", async (t) => {
  const sender = await relayDaemon(t, { config: { relay: { concurrency: 2, retryMinMs: 20, retryMaxMs: 100 } } });
  const fast = await relayDaemon(t);
  // The slow receiver: a bot behind a link that holds every request until the test lets it through.
  const bot = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end("ok")));
  await new Promise<void>((r) => bot.listen(0, "127.0.0.1", r));
  defer(t, () => new Promise<void>((r) => bot.close(() => r())));
  const slow = await startProxy(`http://127.0.0.1:${(bot.address() as AddressInfo).port}`);
  defer(t, () => slow.close());
  slow.mode = "hold";

  const channel = await createChannel(sender, "mixed");
  const form = await fetch(await invite(sender, "mixed"), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `delivery_url=${encodeURIComponent(`${slow.url}/in`)}` });
  assert.equal(form.status, 201);
  await accept(fast, await invite(sender, "mixed"));

  for (const ticker of ["9984", "7203", "6758"]) await publish(channel, entry({ ticker }));
  const rows = await until("the fast receiver's three deliveries", () => status(sender, "mixed"), (rs) => rs.find((r) => r.kind === "tradectl")!.delivered === 3);
  assert.equal((await orders(fast)).length, 3);
  const held = rows.find((r) => r.kind === "http")!;
  assert.equal(held.delivered, 0, "the slow one is still holding its deliveries");
  assert.equal(slow.inFlight, 2, "two in flight to the slow receiver: its bound");
  assert.equal(slow.maxInFlight, 2);

  slow.mode = "pass";
  slow.release();
  await settled(sender, "mixed", (rs) => rs.every((r) => r.delivered === 3));
  assert.equal(slow.maxInFlight, 2);
});

test("a delivery slower than relay.slowDeliveryMs is logged as a warning (one line per receiver per 10 s, with a count)", async (t) => {
  const link = await startProxy();
  defer(t, () => link.close());
  const sender = await relayDaemon(t, { config: { relay: { slowDeliveryMs: 50 } } });
  const receiver = await relayDaemon(t, { config: { relay: { publicUrl: link.url } } });
  link.target = receiver.url;
  const channel = await createChannel(sender, "slowlog");
  await accept(receiver, await invite(sender, "slowlog"));
  link.mode = "hold";
  for (const ticker of ["7203", "6758"]) await publish(channel, entry({ ticker }));
  const since = Date.now();
  await until("both deliveries held past the threshold", () => ({ held: link.inFlight, ms: Date.now() - since }), (v) => v.held === 2 && v.ms > 60);
  link.mode = "pass";
  link.release();
  await settled(sender, "slowlog", (rs) => rs[0]!.delivered === 2);
  await sender.close();
  const logs = readdirSync(join(sender.home, "logs")).filter((f) => f.startsWith("tradectl-")).map((f) => readFileSync(join(sender.home, "logs", f), "utf8")).join("");
  const warnings = logs.split("\n").filter((l) => l.includes("over relay.slowDeliveryMs"));
  assert.equal(warnings.length, 1, logs);
  const w = JSON.parse(warnings[0]!);
  assert.equal(w.level, "warn");
  assert.ok(w.hops.received_to_answer > 50);
});
