/**
 * Live mode (broker.kind=mt5) at start: a plain password in ADMIN_PASSWORD_HASH is refused (the admin routes could
 * never succeed), and the recorded replay never prices a live broker unless configured, which the daemon says.
 */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { BRIDGE_TOKEN, removeDir, startBridge } from "../broker/mt5/bridge-process.js";
import { refusedToStart, spawnDaemon } from "../helpers/daemon.js";
import { tempHome, testHome } from "../helpers/temp-home.js";
import { socketRequest } from "../helpers/socket-request.js";

const SECRET = "live-mode-webhook-secret-0123456";
const PLAIN = "my-admin-password-in-plain";

function liveConfig(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { risk: { marketHours: "always" }, broker: { kind: "mt5", mt5: { url, timeoutMs: 5000 } }, instruments: { "9984": { symbol: "9984.T" } }, ...extra };
}

test("live mode refuses a plain password as ADMIN_PASSWORD_HASH, without printing it", async (t) => {
  const home = testHome(t, liveConfig("http://127.0.0.1:9"));
  const env = { WEBHOOK_SECRET: SECRET, MT5_BRIDGE_TOKEN: BRIDGE_TOKEN };
  const out = await refusedToStart(home, { ...env, ADMIN_PASSWORD_HASH: PLAIN });
  assert.match(out, /ADMIN_PASSWORD_HASH is not a bcrypt hash/);
  assert.ok(!out.includes(PLAIN), "the value is never shown");
  assert.ok(!existsSync(join(home, "tradectl.sock")), "nothing was started");
  for (const broken of ["$2b$10$tooshort", `$2b$99$${"a".repeat(53)}`, `$1$${"a".repeat(56)}`]) {
    assert.match(await refusedToStart(home, { ...env, ADMIN_PASSWORD_HASH: broken }), /not a bcrypt hash/, broken);
  }
});

test("live mode runs no replay feed unless configured, and says so at start; configured, it runs with a warning", async (t) => {
  const bridge = await startBridge();
  defer(t, async () => {
    await bridge.stop();
    removeDir(bridge.dir);
  });
  const env = { WEBHOOK_SECRET: SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync("admin-password-123", 4), MT5_BRIDGE_TOKEN: BRIDGE_TOKEN };

  const bare = tempHome(liveConfig(bridge.url));
  defer(t, bare.cleanup);
  const d1 = await spawnDaemon(bare.home, env);
  defer(t, () => d1.stop());
  const streams1 = (await socketRequest(d1.socketPath, "GET", "/status")).body.data.streams as Array<{ name: string; kind: string }>;
  assert.deepEqual(streams1, [], "no feed runs: the recorded prices never reach a live broker by default");
  assert.match(d1.output(), /no feeds configured: no price stream runs beside the live broker/);
  assert.equal(await d1.stop(), 0);

  const replay = tempHome(liveConfig(bridge.url, { feeds: [{ name: "recorded", kind: "replay", stream: "prices" }] }));
  defer(t, replay.cleanup);
  const d2 = await spawnDaemon(replay.home, env);
  defer(t, () => d2.stop());
  const streams2 = (await socketRequest(d2.socketPath, "GET", "/status")).body.data.streams as Array<{ name: string; kind: string }>;
  assert.deepEqual(streams2.map((s) => [s.name, s.kind]), [["recorded", "replay"]]);
  assert.match(d2.output(), /feed recorded replays recorded prices beside the live broker \(configured explicitly\)/);
});
