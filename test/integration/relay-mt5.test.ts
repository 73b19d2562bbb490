/**
 * The last hop, receiver's answer → fill, when the fill comes after the answer: a receiver trading through MT5 (the
 * real bridge with the fake MetaTrader5 package) answers a delivery as queued, then reports the fill, signed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { BRIDGE_TOKEN, removeDir, startBridge } from "../broker/mt5/bridge-process.js";
import { startTestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { accept, createChannel, entry, invite, orders, publish, RELAY_TEST_CONFIG, relayDaemon, settled, status } from "../helpers/relay.js";
import { tempHome } from "../helpers/temp-home.js";
import { until } from "../helpers/until.js";

test("a receiver that answers before its broker fills reports the fill, and the sender keeps the answer → fill hop", async (t) => {
  const bridge = await startBridge();
  defer(t, () => removeDir(bridge.dir));
  defer(t, () => bridge.stop());
  const { home, cleanup } = tempHome({
    ...RELAY_TEST_CONFIG,
    webhook: { syncBudgetMs: 0 }, // answer at once: queued
    broker: { kind: "mt5", mt5: { url: bridge.url, timeoutMs: 5000, syncSeconds: 60 } },
    instruments: { "7203": { symbol: "7203.T", contractSize: 100 } },
  });
  defer(t, cleanup);
  const env = { WEBHOOK_SECRET: "relay-mt5-secret-0123456789", ADMIN_PASSWORD_HASH: bcrypt.hashSync("admin-password-123", 4), MT5_BRIDGE_TOKEN: BRIDGE_TOKEN };
  const receiver = await startTestDaemon({ home, env });
  defer(t, () => receiver.close());
  const sender = await relayDaemon(t);

  const channel = await createChannel(sender, "mt5");
  await accept(receiver, await invite(sender, "mt5"));
  await publish(channel, entry({ ticker: "7203" }));
  await settled(sender, "mt5", (rs) => rs[0]!.delivered === 1);
  await until("the receiver's fill at MT5", () => orders(receiver), (o) => o[0]?.status === "filled");
  const [row] = await until("the fill reported to the sender", () => status(sender, "mt5"), (rs) => rs[0]!.hops.answer_to_fill.count === 1);
  assert.ok(row!.hops.answer_to_fill.p50_ms >= 0);
  const delivered = (await sender.socket("GET", "/audit?type=relay.delivered")).body.data[0].payload;
  assert.equal(delivered.admission, "queued", "answered before the fill");
});
