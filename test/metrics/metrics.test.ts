/**
 * GET /metrics on the control socket (and on its loopback port) in Prometheus text format, read with a text-format
 * parser: every metric the issue lists is there, and the counters count what the daemon did.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { alert, startTestDaemon, TEST_CONFIG } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { socketRequest } from "../helpers/socket-request.js";
import { FAKE_CHAT_ID, FAKE_TELEGRAM_TOKEN, startFakeChatProcess } from "../helpers/fake-chat-process.js";
import { until } from "../helpers/until.js";
import { parseMetrics, sample } from "./prometheus-text.js";
import { makeEnvelope } from "../../src/engine/envelope.js";

test("/metrics parses as Prometheus text and counts alerts, orders, broker calls, commits, streams and notifications", async (t) => {
  const chat = await startFakeChatProcess(t);
  const d = await startTestDaemon({
    config: {
      risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 3 },
      metrics: { port: 0 },
      notify: { batchDelayMs: 0, channels: [{ name: "phone", kind: "telegram", chatId: FAKE_CHAT_ID, apiUrl: chat.telegramApi }] },
    },
    env: { TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN },
  });
  defer(t, () => d.close());
  const now = Date.now();
  assert.equal((await d.post("/webhook", alert(d.passphrase, { entry_price: 3000 }, now))).status, 200);
  assert.equal((await d.post("/webhook", alert(d.passphrase, { quantity: -1 }, now + 1))).status, 400);
  assert.equal((await d.post("/webhook", alert("wrong-passphrase-0123456789", {}, now + 2))).status, 401);
  assert.equal((await d.post("/webhook", alert(d.passphrase, { ticker: "7203" }, now + 3))).status, 200);
  assert.equal((await d.post("/webhook", alert(d.passphrase, { ticker: "6758" }, now + 4))).status, 200);
  const cooldown = await d.post("/webhook", alert(d.passphrase, { ticker: "8306" }, now + 5));
  assert.equal(cooldown.status, 403, "the fourth entry of the day is refused");

  const scrape = async () => {
    const res = await socketRequest(d.socketPath, "GET", "/metrics");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    return parseMetrics(String(res.body));
  };
  // The start and the three fills, told one message a second.
  await until("notifications counted", async () => {
    const s = await scrape();
    return (sample(s, "tradectl_notifications_total", { channel: "phone", outcome: "sent" }) ?? 0) >= 4 && sample(s, "tradectl_notification_pending", { channel: "phone" }) === 0;
  });
  const m = await scrape();
  assert.equal(sample(m, "tradectl_alerts_total", { outcome: "accepted", reason: "settled" }), 3);
  assert.equal(sample(m, "tradectl_alerts_total", { outcome: "refused", reason: "validation_error" }), 1);
  assert.equal(sample(m, "tradectl_alerts_total", { outcome: "refused", reason: "auth_failed" }), 1);
  assert.equal(sample(m, "tradectl_alerts_total", { outcome: "refused", reason: cooldown.body.details.limit_type }), 1);
  assert.equal(sample(m, "tradectl_accept_latency_seconds"), 3);
  assert.equal(sample(m, "tradectl_orders_total", { status: "filled" }), 3);
  assert.equal(sample(m, "tradectl_signal_to_fill_seconds"), 3);
  // The paper broker settles a quoted market order inside the admission's own transaction: one synchronous call.
  assert.ok(sample(m, "tradectl_broker_call_seconds", { call: "settle_now" })! >= 3);
  assert.ok(sample(m, "tradectl_journal_commit_seconds", { kind: "durable" })! >= 3);
  assert.ok(sample(m, "tradectl_journal_commit_seconds", { kind: "batch" })! >= 1);
  assert.ok(sample(m, "tradectl_journal_wal_bytes")! > 0);
  assert.equal(sample(m, "tradectl_stream_state", { stream: "replay", state: "live" }), 1);
  assert.equal(sample(m, "tradectl_stream_state", { stream: "replay", state: "stale" }), 0);
  assert.equal(sample(m, "tradectl_stream_up", { stream: "replay" }), 1);
  assert.equal(sample(m, "tradectl_stream_reconnects_total", { stream: "replay" }), 0);
  assert.ok(sample(m, "tradectl_stream_last_message_age_seconds", { stream: "replay" })! >= 0);
  assert.equal(sample(m, "tradectl_broker_up"), 1);
  assert.equal(sample(m, "tradectl_kill_switch_active"), 0);
  assert.equal(sample(m, "tradectl_notification_channel_up", { channel: "phone", state: "ok" }), 1);
  assert.equal(sample(m, "tradectl_notification_pending", { channel: "phone" }), 0);
  assert.ok(m.families.has("nodejs_eventloop_lag_seconds") && m.families.has("nodejs_eventloop_lag_p99_seconds"), "event-loop lag");
  assert.ok(m.families.has("tradectl_relay_deliveries_total") && m.families.has("tradectl_relay_delivery_seconds"), "the relay's metrics are declared");
  assert.equal(m.families.get("tradectl_relay_deliveries_total")!.metrics.length, 0, "and have no samples until the relay feeds them");
  // A delivery's event feeds both, its time from its hops (the histogram was declared but never fed)
  d.handle.apiDeps.bus.publish(makeEnvelope("relay.delivered", "relay", { delivery_id: "dlv_1", hops: { received_to_answer: 42 } }));
  const relayed = await scrape();
  assert.equal(sample(relayed, "tradectl_relay_deliveries_total", { outcome: "delivered" }), 1);
  assert.equal(sample(relayed, "tradectl_relay_delivery_seconds"), 1, "one observation");
  assert.match(relayed.text, /^tradectl_relay_delivery_seconds_sum 0\.042$/m);

  await d.socket("POST", "/admin/kill-switch", { reason: "metrics" });
  assert.equal(sample(await scrape(), "tradectl_kill_switch_active"), 1);

  assert.ok(d.handle.metricsUrl?.startsWith("http://127.0.0.1:"), String(d.handle.metricsUrl));
  const loopback = await fetch(d.handle.metricsUrl!);
  assert.equal(loopback.status, 200);
  const lm = parseMetrics(await loopback.text());
  assert.equal(sample(lm, "tradectl_orders_total", { status: "filled" }), 3);
});

test("with metrics.enabled false there is no /metrics and no metrics port", async (t) => {
  const d = await startTestDaemon({ config: { ...TEST_CONFIG, metrics: { enabled: false, port: 0 } } });
  defer(t, () => d.close());
  const res = await d.socket("GET", "/metrics");
  assert.equal(res.status, 404);
  assert.equal(res.body.message, "metrics are off (metrics.enabled is false)");
  assert.equal(d.handle.metricsUrl, null);
});
