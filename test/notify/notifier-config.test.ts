/** The notifier's channels from config: names unique, a time zone that exists, a channel without its secret disabled and saying why. */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import type { NotifyChannelConfig } from "../../src/config/types.js";
import { EventBus } from "../../src/engine/event-bus.js";
import { Redactor } from "../../src/log/redact.js";
import { Notifier } from "../../src/notify/notifier.js";
import { Database } from "../../src/store/database.js";
import { NotificationOutbox } from "../../src/store/notification-outbox.js";
import { SqliteStateStore } from "../../src/store/state-store.js";
import { defer } from "../helpers/defer.js";
import { ManualTimers } from "../feeds/manual-timers.js";
import { testHome } from "../helpers/temp-home.js";

function notifier(t: TestContext, channels: NotifyChannelConfig[], env: Record<string, string>, timeZone = "Asia/Tokyo") {
  const home = testHome(t);
  const db = new Database(join(home, "tradectl.db"));
  defer(t, () => db.close());
  return new Notifier({
    bus: new EventBus(),
    outbox: new NotificationOutbox(db),
    config: { ...DEFAULT_CONFIG.notify, dailySummary: { at: "", timeZone }, channels },
    env,
    logger: { info() {}, warn() {}, error() {} },
    redactor: new Redactor(),
    state: new SqliteStateStore(db),
    summary: async () => ({}),
    timers: new ManualTimers(),
  });
}

test("two channels of one name are refused at start", (t) => {
  const n = notifier(t, [{ name: "a", kind: "slack" }, { name: "a", kind: "discord" }], {});
  assert.throws(() => n.start(), { code: "CONFIG_INVALID", message: /two channels are named a/ });
});

test("an unknown time zone is refused", (t) => {
  assert.throws(() => notifier(t, [], {}, "Mars/Olympus_Mons"), RangeError);
});

test("a channel without its secret is disabled and says which variable to set; the others run", async (t) => {
  const n = notifier(t, [{ name: "team", kind: "slack" }, { name: "desk", kind: "discord", secretEnv: "DESK_HOOK" }], { DESK_HOOK: "http://127.0.0.1:9/api/webhooks/1/secret-token-value" });
  n.start();
  defer(t, () => n.stop(0));
  const s = n.status();
  assert.deepEqual(s.map((c) => [c.name, c.state]), [["team", "disabled"], ["desk", "ok"]]);
  assert.equal(s[0]!.last_error, "SLACK_WEBHOOK_URL is not set (in the environment or SLACK_WEBHOOK_URL_FILE)");
  assert.equal(JSON.stringify(s).includes("secret-token-value"), false);
  const results = await n.test("team");
  assert.deepEqual(results, [{ channel: "team", kind: "slack", ok: false, error: "SLACK_WEBHOOK_URL is not set (in the environment or SLACK_WEBHOOK_URL_FILE)" }]);
});
