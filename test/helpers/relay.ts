/** Relay steps over a daemon's socket, as the CLI takes them, for tests that run two or three daemons. */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { Clock } from "../../src/domain/clock.js";
import { alert, startTestDaemon, type TestDaemon } from "./daemon.js";
import { defer } from "./defer.js";
import { tempHome } from "./temp-home.js";
import { until } from "./until.js";

/** Open market, no cooldown, quick retries. */
export const RELAY_TEST_CONFIG = { risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100 }, relay: { retryMinMs: 20, retryMaxMs: 100 } };

/** A daemon in a temp home removed after the test (`home` and `port` to start one again where it was). */
export async function relayDaemon(t: TestContext, o: { config?: Record<string, unknown>; clock?: Clock; home?: string; port?: number } = {}): Promise<TestDaemon> {
  let home = o.home;
  if (!home) {
    const temp = tempHome({ ...RELAY_TEST_CONFIG, ...(o.config ?? {}), relay: { ...RELAY_TEST_CONFIG.relay, ...((o.config?.relay as object) ?? {}) } });
    defer(t, temp.cleanup);
    home = temp.home;
  }
  const d = await startTestDaemon({ home, ...(o.clock ? { clock: o.clock } : {}), ...(o.port !== undefined ? { port: o.port } : {}) });
  let closed = false;
  const close = d.close;
  d.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  defer(t, () => d.close());
  return d;
}

/** An alert that fills on a paper broker without a quote (at its entry price); no passphrase (publish() adds it). */
export function entry(overrides: Record<string, unknown> = {}, now = Date.now()): Record<string, unknown> {
  const { passphrase: _p, ...a } = alert("", { entry_price: 3000, ...overrides }, now);
  return a;
}

export interface TestChannel {
  id: string;
  name: string;
  passphrase: string;
  inbound_url: string;
}

async function ok<T>(res: Promise<{ status: number; body: any }>): Promise<T> {
  const r = await res;
  assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as T;
}

export const createChannel = (d: TestDaemon, name: string, fromWebhook = false) => ok<TestChannel>(d.socket("POST", "/relay/channels", { name, from_webhook: fromWebhook }));

export const invite = (d: TestDaemon, channel: string, o: { expires_ms?: number; note?: string } = {}) =>
  ok<{ id: string; url: string }>(d.socket("POST", `/relay/channels/${channel}/invitations`, o)).then((i) => i.url);

export const accept = (d: TestDaemon, url: string, sizing = 1) => ok<{ id: string; channel_name: string }>(d.socket("POST", "/relay/subscriptions", { url, sizing }));

export const status = (d: TestDaemon, channel?: string) => ok<Array<Record<string, any>>>(d.socket("GET", `/relay/status${channel ? `?channel=${channel}` : ""}`));

/** Posts an alert to a channel's inbound URL with its passphrase. */
export async function publish(channel: TestChannel, alert: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(channel.inbound_url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ ...alert, passphrase: channel.passphrase }) });
  return { status: res.status, body: await res.json() };
}

/** The daemon's orders (newest first). */
export const orders = (d: TestDaemon) => ok<{ orders: Array<Record<string, any>> }>(d.socket("GET", "/orders?limit=500")).then((o) => o.orders);

/** Waits until every receiver of the sender's channel has no pending delivery and `done` deliveries ended. */
export function settled(sender: TestDaemon, channel: string, done: (rows: Array<Record<string, any>>) => boolean) {
  return until(`the relay deliveries of ${channel}`, () => status(sender, channel), (rows) => rows.every((r) => r.pending === 0) && done(rows));
}
