/**
 * A sender killed with deliveries in flight (bin/tradectl as a child process, SIGKILL): after its restart nothing is
 * lost and nothing reaches the receiver's broker twice. The receiver is reached through a link the test controls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defer } from "../helpers/defer.js";
import { runCli, spawnDaemon } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";
import { startProxy } from "../helpers/http-proxy.js";
import { accept, entry, orders, publish, RELAY_TEST_CONFIG, relayDaemon } from "../helpers/relay.js";
import { until } from "../helpers/until.js";

const SECRET = "relay-restart-secret-0123456789";

test("a sender restarted with deliveries in flight: nothing lost, nothing delivered twice to the receiver's broker", async (t) => {
  const home = testHome(t, RELAY_TEST_CONFIG);
  const env = { WEBHOOK_SECRET: SECRET };
  let sender = await spawnDaemon(home, env);
  defer(t, () => sender.stop());
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, "--home", home, "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  const link = await startProxy();
  defer(t, () => link.close());
  const receiver = await relayDaemon(t, { config: { relay: { publicUrl: link.url } } });
  link.target = receiver.url;
  const channel = await cli("relay", "channel", "create", "durable");
  const invitation = await cli("relay", "invite", "durable");
  await accept(receiver, invitation.url, 1);

  // 1. In flight: the receiver admits the delivery, and its answer is lost on the way back; the sender is killed.
  link.mode = "withhold";
  assert.equal((await publish(channel, entry({ ticker: "7203" }))).status, 202);
  await until("the receiver's fill", () => orders(receiver), (o) => o.length === 1 && o[0]!.status === "filled");
  await until("the receiver's answer (withheld)", () => link.answered, (n) => n === 1);
  await sender.stop("SIGKILL");

  // 2. Journaled but never sent: the receiver is unreachable; the sender is killed again before it can deliver.
  link.mode = "refuse";
  sender = await spawnDaemon(home, env);
  const inbound = (await cli("relay", "channel", "show", "durable")).inbound_url;
  assert.equal((await publish({ ...channel, inbound_url: inbound }, entry({ ticker: "6758" }))).status, 202);
  await sender.stop("SIGKILL");

  link.mode = "pass";
  sender = await spawnDaemon(home, env);
  const [row] = await until("both deliveries recorded", () => cli("relay", "status", "durable"), (rs) => rs[0].delivered === 2 && rs[0].pending === 0);
  assert.equal(row.rejected + row.expired, 0);

  const traded = await orders(receiver);
  assert.deepEqual(traded.map((o) => o.ticker).sort(), ["6758", "7203"], "each signal reached the broker once");
  const ids = link.requests.filter((r) => r.path.startsWith("/relay/deliver/")).map((r) => `${r.headers["x-tradectl-delivery"]}`);
  const first = ids[0]!;
  assert.ok(ids.filter((id) => id === first).length >= 2, "the in-flight delivery was sent again after the restart");
  const audit = (await receiver.socket("GET", "/audit?type=signal.received")).body.data;
  assert.equal(audit.length, 2, "the redelivery was answered with its first outcome, not admitted again");
});
