/** The pacing of one channel: its own interval, a limit shared by the channels of one bot, a service's retry-after; and its breaker. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker } from "../../src/notify/circuit-breaker.js";
import { RateGate, WindowLimit } from "../../src/notify/rate-gate.js";
import { minIntervalMs } from "../../src/notify/build-transport.js";

test("Telegram pacing: one message a second per chat, thirty a second over all chats of one bot", () => {
  const bot = new WindowLimit(30, 1000);
  const chats = Array.from({ length: 40 }, () => new RateGate(1000, bot));
  let t = 0;
  const sentAt: number[] = [];
  // Every chat sends as soon as its gate allows, twice.
  for (let round = 0; round < 2; round++) {
    for (const g of chats) {
      t = Math.max(t, g.nextAt(t));
      g.take(t);
      sentAt.push(t);
    }
  }
  for (let i = 0; i < sentAt.length; i++) {
    const inWindow = sentAt.filter((x) => x > sentAt[i]! - 1000 && x <= sentAt[i]!).length;
    assert.ok(inWindow <= 30, `${inWindow} sends in the second before ${sentAt[i]}`);
  }
  const first = chats[0]!;
  assert.ok(first.nextAt(0) >= 1000, "a chat's next send waits a second");
});

test("a service's retry-after holds the channel until that time, whatever its own interval", () => {
  const g = new RateGate(0);
  g.take(0);
  g.block(35_000);
  assert.equal(g.nextAt(1), 35_000);
  assert.equal(g.blocked(1), 35_000);
  assert.equal(g.blocked(35_000), null);
  assert.equal(g.nextAt(35_000), 35_000);
});

test("the breaker opens after three failed deliveries, lets one through after its wait, and doubles the wait while it fails", () => {
  const b = new CircuitBreaker({ threshold: 3, baseMs: 30_000, capMs: 100_000 });
  assert.equal(b.failure(0), false);
  assert.equal(b.failure(1), false);
  assert.equal(b.state(2), "closed");
  assert.equal(b.failure(2), true);
  assert.equal(b.state(29_999), "open");
  assert.equal(b.state(30_002), "half-open");
  assert.equal(b.failure(30_002), true, "a failed probe opens it again");
  assert.equal(b.retryAt(), 90_002);
  b.failure(90_002);
  assert.equal(b.retryAt(), 190_002, "capped at 100 s");
  b.success();
  assert.equal(b.state(190_002), "closed");
});

test("a channel refused for good (bad token, unknown chat) opens the breaker at once", () => {
  const b = new CircuitBreaker();
  assert.equal(b.failure(0, true), true);
  assert.equal(b.state(1), "open");
});

test("a Telegram group is paced at 20 messages a minute, a private chat at one a second, a set interval wins", () => {
  assert.equal(minIntervalMs({ name: "g", kind: "telegram", chatId: "-1001234567890" }), 3000);
  assert.equal(minIntervalMs({ name: "p", kind: "telegram", chatId: "123456789" }), 1000);
  assert.equal(minIntervalMs({ name: "p", kind: "telegram", chatId: "-100", minIntervalMs: 5000 }), 5000);
  assert.equal(minIntervalMs({ name: "d", kind: "discord" }), 0);
});
