/** A stream is notified when it stays down past its limit, once, and then when it is back; a short reconnect is silent. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StreamStatus } from "../../src/engine/feed.js";
import { StreamWatch } from "../../src/notify/stream-watch.js";
import { ManualTimers } from "../feeds/manual-timers.js";

const status = (state: StreamStatus["state"], reconnects = 0): StreamStatus => ({ name: "fx", kind: "oanda-v20", stream: "prices", state, last_message_at: null, reconnects, last_error: state === "live" ? null : "connection reset" });

function watch() {
  const timers = new ManualTimers();
  const told: Array<{ key: string; payload: Record<string, unknown> }> = [];
  const w = new StreamWatch(timers, () => 60_000, (key, payload) => told.push({ key, payload }));
  return { timers, told, w };
}

test("a stream down for longer than the limit is told once, with how long and why; its return once", () => {
  const { timers, told, w } = watch();
  w.observe(status("live"));
  w.observe(status("stale"));
  timers.advance(5_000);
  w.observe(status("backoff", 1));
  w.observe(status("connecting", 1));
  timers.advance(54_999);
  assert.equal(told.length, 0, "not before the limit");
  timers.advance(1);
  w.observe(status("backoff", 2));
  timers.advance(120_000);
  assert.deepEqual(told.map((x) => x.key), ["stream.stale"]);
  assert.deepEqual([told[0]!.payload.state, told[0]!.payload.reconnects, told[0]!.payload.down_ms, told[0]!.payload.last_error], ["connecting", 1, 60_000, "connection reset"]);
  w.observe(status("live", 3));
  assert.deepEqual(told.map((x) => x.key), ["stream.stale", "stream.recovered"]);
  assert.equal(told[1]!.payload.down_ms, 180_000);
});

test("a reconnect inside the limit is not told at all, and the next outage starts a new count", () => {
  const { timers, told, w } = watch();
  w.observe(status("backoff", 1));
  timers.advance(30_000);
  w.observe(status("live", 1));
  timers.advance(120_000);
  assert.equal(told.length, 0);
  w.observe(status("stale", 1));
  timers.advance(59_000);
  assert.equal(told.length, 0, "the count starts again from this outage");
  timers.advance(1_000);
  assert.deepEqual(told.map((x) => x.key), ["stream.stale"]);
});

test("a stream stopped by the daemon is not told as recovered", () => {
  const { timers, told, w } = watch();
  w.observe(status("failed"));
  timers.advance(60_000);
  w.observe(status("stopped"));
  assert.deepEqual(told.map((x) => x.key), ["stream.stale"]);
  assert.equal(timers.size, 0);
});
