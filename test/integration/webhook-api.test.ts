/** The webhook API against the running daemon (in-process, real port and socket, real SQLite, injected clock). */
import { defer } from "../helpers/defer.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/domain/clock.js";
import { alert, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { tempHome, testHome } from "../helpers/temp-home.js";

/** Tuesday 2026-11-24 10:00 JST, a TSE trading day, inside the morning session. */
const T0 = Date.parse("2026-11-24T10:00:00+09:00");
const SECRET = "test-webhook-secret-0123456789";

async function daemon(t: TestContext, config: Record<string, unknown> = {}, clock = new ManualClock(T0), home?: string): Promise<{ d: TestDaemon; clock: ManualClock }> {
  const merged = { risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100, ...((config.risk as object) ?? {}) }, ...withoutRisk(config) };
  const temp = home ? null : tempHome(merged);
  const d = await startTestDaemon({ clock, env: { WEBHOOK_SECRET: SECRET }, home: home ?? temp!.home });
  defer(t, async () => {
    await d.close();
    temp?.cleanup();
  });
  return { d, clock };
}

function withoutRisk(c: Record<string, unknown>): Record<string, unknown> {
  const { risk: _r, ...rest } = c;
  return rest;
}

test("a valid alert is journaled, filled by the paper broker and answered 200 with the order", async (t) => {
  const { d, clock } = await daemon(t);
  const res = await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, "success");
  assert.equal(res.body.message, "Signal received and processed");
  assert.match(res.body.data.order_id, /^ORD_20261124_001$/);
  assert.match(res.body.data.request_id, /^req_[0-9a-f]{16}$/);
  for (const k of ["ticker", "action", "quantity", "timestamp", "processing_time_ms"]) assert.ok(k in res.body.data, k);
  const order = await d.socket("GET", `/orders/${res.body.data.order_id}`);
  assert.equal(order.body.data.status, "filled");
});

test("the caller's X-Request-ID is echoed as request_id", async (t) => {
  const { d, clock } = await daemon(t);
  const res = await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()), { "X-Request-ID": "tv-12345" });
  assert.equal(res.body.data.request_id, "tv-12345");
});

test("text/plain holding JSON is accepted (TradingView's default), malformed JSON is a 400 in the error shape", async (t) => {
  const { d, clock } = await daemon(t);
  const ok = await d.post("/webhook", JSON.stringify(alert(SECRET, { entry_price: 3000 }, clock.now())), { "content-type": "text/plain; charset=utf-8" });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const bad = await d.post("/webhook", '{"action":"buy", "ticker": ', { "content-type": "text/plain" });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.status, "error");
  assert.equal(bad.body.error_code, "VALIDATION_ERROR");
  for (const k of ["message", "request_id", "timestamp", "help_url"]) assert.ok(k in bad.body, k);
});

test("401 comes before 400: a bad passphrase reveals nothing about the fields", async (t) => {
  const { d, clock } = await daemon(t);
  const body = alert("wrong-passphrase-wrong-passphrase", { ticker: "999", quantity: 150, action: "hold" }, clock.now());
  const res = await d.post("/webhook", body);
  assert.equal(res.status, 401);
  assert.equal(res.body.error_code, "AUTH_FAILED");
  assert.equal(res.body.message, "Invalid passphrase");
  assert.equal(res.body.errors, undefined);
  assert.ok(!JSON.stringify(res.body).includes("ticker"));

  const missing = await d.post("/webhook", { action: "buy", ticker: "999" });
  assert.equal(missing.status, 401);
  assert.equal(missing.body.message, "Missing passphrase");
  const nonString = await d.post("/webhook", { ...alert(SECRET), passphrase: 12345 });
  assert.equal(nonString.status, 401);
});

test("validation lists every failing field with its value", async (t) => {
  const { d, clock } = await daemon(t);
  const res = await d.post("/webhook", alert(SECRET, { ticker: "999", quantity: 150, action: "hold", rsi: 101 }, clock.now()));
  assert.equal(res.status, 400);
  assert.equal(res.body.error_code, "VALIDATION_ERROR");
  const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
  assert.deepEqual(fields, ["action", "quantity", "rsi", "ticker"]);
  const ticker = res.body.errors.find((e: { field: string }) => e.field === "ticker");
  assert.equal(ticker.value, "999");
  assert.ok(!JSON.stringify(res.body).includes(SECRET));
});

test("expired timestamp, TSE: prefix, ISO timestamp, alphanumeric code and digit-string quantity", async (t) => {
  const { d, clock } = await daemon(t);
  const old = await d.post("/webhook", alert(SECRET, {}, clock.now() - 301_000));
  assert.equal(old.status, 400);
  assert.equal(old.body.errors[0].field, "timestamp");
  const prefixed = await d.post("/webhook", alert(SECRET, { ticker: "TSE:9984", timestamp: new Date(clock.now()).toISOString(), entry_price: 3000 }));
  assert.equal(prefixed.status, 200, JSON.stringify(prefixed.body));
  assert.equal(prefixed.body.data.ticker, "9984");
  const alnum = await d.post("/webhook", alert(SECRET, { ticker: "130A", quantity: "200", timestamp: clock.now(), entry_price: 1400 }));
  assert.equal(alnum.status, 200, JSON.stringify(alnum.body));
  assert.equal(alnum.body.data.quantity, 200);
});

test("a duplicate gets the first response with the same order_id, also after a restart", async (t) => {
  const home = testHome(t, { risk: { marketHours: "always", cooldownMinutes: 0 } });
  const clock = new ManualClock(T0);
  const body = alert(SECRET, { entry_price: 3000 }, clock.now());
  const d1 = await startTestDaemon({ clock, env: { WEBHOOK_SECRET: SECRET }, home });
  const first = await d1.post("/webhook", body);
  const again = await d1.post("/webhook", body);
  assert.equal(first.status, 200);
  assert.deepEqual(again.body, first.body);
  await d1.handle.stop();

  clock.advance(60_000);
  const d2 = await startTestDaemon({ clock, env: { WEBHOOK_SECRET: SECRET }, home });
  defer(t, () => d2.handle.stop());
  const afterRestart = await d2.post("/webhook", body);
  assert.equal(afterRestart.status, first.status);
  assert.equal(afterRestart.body.data.order_id, first.body.data.order_id);
  const orders = await d2.socket("GET", "/orders");
  assert.equal(orders.body.data.total, 1, "nothing sent twice");

  // past the 5-minute window the same key is a new signal (but its timestamp is now stale, so it is refused)
  clock.advance(5 * 60_000);
  const late = await d2.post("/webhook", body);
  assert.equal(late.status, 400);
});

test("a duplicate order from a future timestamp: a repeat 305 s after an alert timed 290 s ahead gets the first answer", async (t) => {
  for (const windowMs of [300_000, 900_000]) {
    const { d, clock } = await daemon(t, { webhook: { timestampWindowMs: windowMs } });
    const ahead = windowMs - 10_000;
    const body = alert(SECRET, { entry_price: 3000 }, clock.now() + ahead);
    const first = await d.post("/webhook", body);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    clock.advance(ahead + 15_000); // still inside the alert's own window
    const repeat = await d.post("/webhook", body);
    assert.equal(repeat.status, 200);
    assert.deepEqual(repeat.body, first.body, `window ${windowMs}`);
    assert.equal((await d.socket("GET", "/orders")).body.data.total, 1, `one order, window ${windowMs}`);
  }
});

test("daily entry limit: the 4th entry is refused with the seed's details, exits pass, the count resets at JST midnight", async (t) => {
  const { d, clock } = await daemon(t, { risk: { maxDailyEntries: 3 } });
  for (let i = 0; i < 3; i++) {
    const r = await d.post("/webhook", alert(SECRET, { entry_price: 3000, timestamp: String(clock.now() + i) }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const fourth = await d.post("/webhook", alert(SECRET, { entry_price: 3000, timestamp: String(clock.now() + 10) }));
  assert.equal(fourth.status, 403);
  assert.equal(fourth.body.error_code, "RISK_LIMIT_EXCEEDED");
  assert.deepEqual(
    { limit_type: fourth.body.details.limit_type, current_value: fourth.body.details.current_value, max_value: fourth.body.details.max_value },
    { limit_type: "daily_trade_count", current_value: 3, max_value: 3 },
  );
  assert.equal(fourth.body.details.reset_at, "2026-11-24T15:00:00.000Z");

  const exit = await d.post("/webhook", alert(SECRET, { action: "sell", exit_price: 3010, timestamp: String(clock.now() + 20) }));
  assert.equal(exit.status, 200, JSON.stringify(exit.body));

  clock.set(Date.parse("2026-11-25T09:30:00+09:00"));
  const nextDay = await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()));
  assert.equal(nextDay.status, 200, JSON.stringify(nextDay.body));
});

test("cooldown since the last entry, and its reset", async (t) => {
  const { d, clock } = await daemon(t, { risk: { cooldownMinutes: 30 } });
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
  clock.advance(10 * 60_000);
  const early = await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()));
  assert.equal(early.status, 403);
  assert.equal(early.body.details.limit_type, "cooldown");
  assert.equal(early.body.details.reset_at, new Date(T0 + 30 * 60_000).toISOString());
  const exit = await d.post("/webhook", alert(SECRET, { action: "sell", exit_price: 3000 }, clock.now()));
  assert.equal(exit.status, 200, "an exit is not blocked by the cooldown");
  clock.advance(20 * 60_000);
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
});

test("market hours: refused in the lunch break, allowed at 12:30 JST", async (t) => {
  const clock = new ManualClock(Date.parse("2026-11-24T11:45:00+09:00"));
  const { d } = await daemon(t, { risk: { marketHours: "tse" } }, clock);
  const lunch = await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()));
  assert.equal(lunch.status, 403);
  assert.equal(lunch.body.details.limit_type, "market_hours");
  assert.equal(lunch.body.details.reset_at, new Date(Date.parse("2026-11-24T12:30:00+09:00")).toISOString());
  clock.set(Date.parse("2026-11-24T12:30:00+09:00"));
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
});

test("daily loss limit blocks entries after a realised loss; exposure limit blocks a too-large entry", async (t) => {
  const { d, clock } = await daemon(t, { risk: { maxDailyLoss: 5000, maxExposure: 1_000_000 } });
  // 1301 has no replayed quote, so market orders fill at the alert's price: buy 100 at 3000, sell at 2900, a 10,000
  // loss (a limit order without a quote would rest until one reaches it)
  const at = (o: Record<string, unknown>, dt: number) => alert(SECRET, { ticker: "1301", ...o }, clock.now() + dt);
  assert.equal((await d.post("/webhook", at({ entry_price: 3000 }, 0))).status, 200);
  assert.equal((await d.post("/webhook", at({ action: "sell", exit_price: 2900 }, 1))).status, 200);
  const blocked = await d.post("/webhook", at({ price: 3000 }, 2));
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.details.limit_type, "daily_loss");

  clock.set(Date.parse("2026-11-25T10:00:00+09:00"));
  const big = await d.post("/webhook", at({ price: 3000, quantity: 400 }, 0));
  assert.equal(big.status, 403);
  assert.equal(big.body.details.limit_type, "max_exposure");
  // a new timestamp: the same timestamp+ticker+action would be an idempotent repeat of the refused one
  const fits = await d.post("/webhook", at({ price: 3000, quantity: 300 }, 1));
  assert.equal(fits.status, 200, JSON.stringify(fits.body));
});

test("kill switch: admin password, 503 while active (repeats keep their first answer), survives a restart, resume lifts it", async (t) => {
  const bcrypt = (await import("bcryptjs")).default;
  const password = "admin-password-0123456789";
  const env = { WEBHOOK_SECRET: SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync(password, 4) };
  const home = testHome(t, { risk: { marketHours: "always", cooldownMinutes: 0 } });
  const clock = new ManualClock(T0);
  const d1 = await startTestDaemon({ clock, env, home });
  const earlier = alert(SECRET, { entry_price: 3000 }, clock.now());
  const first = await d1.post("/webhook", earlier);
  assert.equal(first.status, 200);

  assert.equal((await d1.post("/admin/kill-switch", { password: "wrong-password-wrong", reason: "x" })).status, 401);
  assert.equal((await d1.post("/admin/kill-switch", { reason: "x" })).status, 401);
  const kill = await d1.post("/admin/kill-switch", { password, reason: "Manual emergency stop" });
  assert.equal(kill.status, 200, JSON.stringify(kill.body));
  assert.equal(kill.body.data.system_enabled, false);
  assert.equal(kill.body.data.reason, "Manual emergency stop");
  assert.deepEqual(kill.body.data.positions_at_stop.map((p: { ticker: string }) => p.ticker), ["9984"]);

  const refused = await d1.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 5));
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error_code, "SERVICE_UNAVAILABLE");
  assert.deepEqual((await d1.post("/webhook", earlier)).body, first.body, "an idempotent repeat still gets its first answer");
  await d1.handle.stop();

  const d2 = await startTestDaemon({ clock, env, home });
  defer(t, () => d2.handle.stop());
  assert.equal((await d2.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 6))).status, 503, "still killed after a restart");
  const status = await d2.socket("GET", "/status");
  assert.equal(status.body.data.system_enabled, false);
  assert.equal(status.body.data.kill_switch.reason, "Manual emergency stop");
  const resume = await d2.post("/admin/resume", { password });
  assert.equal(resume.status, 200);
  assert.equal((await d2.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 7))).status, 200);
  await d2.handle.stop();
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(`${home}/tradectl.db`, { readOnly: true });
  const audit = db.prepare("SELECT type, payload, meta, time FROM events WHERE type IN ('system.killed', 'system.resumed') ORDER BY seq").all() as Array<{ type: string; payload: string; meta: string; time: string }>;
  db.close();
  assert.deepEqual(audit.map((a) => a.type), ["system.killed", "system.resumed"]);
  assert.equal(JSON.parse(audit[0]!.payload).reason, "Manual emergency stop");
  assert.match(JSON.parse(audit[0]!.meta).actor, /^http:127\.0\.0\.1$/);
  assert.equal(audit[0]!.time, new Date(T0).toISOString());
});

test("admin password: at most 5 failed attempts per 5 minutes", async (t) => {
  const bcrypt = (await import("bcryptjs")).default;
  const clock = new ManualClock(T0);
  const home = testHome(t, { risk: { marketHours: "always" } });
  const d2 = await startTestDaemon({ clock, env: { WEBHOOK_SECRET: SECRET, ADMIN_PASSWORD_HASH: bcrypt.hashSync("the-right-password-123", 4) }, home });
  defer(t, () => d2.handle.stop());
  for (let i = 0; i < 5; i++) assert.equal((await d2.post("/admin/kill-switch", { password: `wrong-${i}-password-xx` })).status, 401);
  const sixth = await d2.post("/admin/kill-switch", { password: "the-right-password-123" });
  assert.equal(sixth.status, 429);
  assert.equal(sixth.body.error_code, "RATE_LIMIT_EXCEEDED");
  clock.advance(5 * 60_000 + 1);
  assert.equal((await d2.post("/admin/kill-switch", { password: "the-right-password-123" })).status, 200);
});

test("kill over the socket with --flatten closes every position through the broker", async (t) => {
  const { d, clock } = await daemon(t);
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
  assert.equal((await d.post("/webhook", alert(SECRET, { ticker: "7203", entry_price: 2800 }, clock.now()))).status, 200);
  // Right after the start: a market exit the replay has not quoted yet waits for its first quote (it is not refused).
  const kill = await d.socket("POST", "/admin/kill-switch", { reason: "flatten test", flatten: true });
  assert.equal(kill.status, 200);
  assert.equal(kill.body.data.flatten_orders.length, 2);
  await d.handle.engine.drain();
  const positions = await d.socket("GET", "/positions");
  const orders = (await d.socket("GET", "/orders")).body.data.orders.map((o: { order_id: string; status: string; error_message: string | null }) => [o.order_id, o.status, o.error_message]);
  assert.deepEqual(positions.body.data.positions, [], JSON.stringify(orders));
});

test("webhook rate limit: 60 per minute per IP with X-RateLimit-* headers and Retry-After on 429", async (t) => {
  const { d, clock } = await daemon(t);
  let last;
  for (let i = 0; i < 60; i++) {
    last = await d.post("/webhook", { passphrase: "x" });
    assert.equal(last.status, 401);
  }
  assert.equal(last!.headers["x-ratelimit-limit"], "60");
  assert.equal(last!.headers["x-ratelimit-remaining"], "0");
  const limited = await d.post("/webhook", alert(SECRET, {}, clock.now()));
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error_code, "RATE_LIMIT_EXCEEDED");
  assert.equal(limited.body.details.limit, 60);
  assert.equal(limited.body.details.window, "1 minute");
  assert.equal(limited.headers["retry-after"], "60");
  assert.equal(limited.headers["x-ratelimit-reset"], String(Math.ceil((clock.now() + 60_000) / 1000)));
  clock.advance(60_000);
  assert.equal((await d.post("/webhook", { passphrase: "x" })).status, 401, "the window resets");
});

test("status rate limit: 30 per minute; API key auth on the public read routes", async (t) => {
  const { d, clock } = await daemon(t);
  assert.equal((await d.get("/status")).status, 401);
  assert.equal((await d.get("/status", { authorization: "Bearer API_nope" })).body.message, "Invalid API key");
  const created = await d.socket("POST", "/keys", { name: "grafana", expires_days: 1 });
  const key = created.body.data.key as string;
  assert.match(key, /^API_[A-Za-z0-9+/]{43}=$/);
  const auth = { authorization: `Bearer ${key}` };
  const ok = await d.get("/status", auth);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.data.system_enabled, true);
  assert.equal((await d.get("/positions", auth)).status, 200);
  assert.equal((await d.get("/orders?status=filled&limit=10", auth)).status, 200);
  assert.equal((await d.get("/orders/ORD_20000101_001", auth)).status, 404);
  for (let i = 0; i < 26; i++) await d.get("/status", auth);
  const limited = await d.get("/status", auth);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers["x-ratelimit-limit"], "30");
  assert.ok(Number(limited.headers["retry-after"]) > 0);

  clock.advance(60_000);
  const list = await d.socket("GET", "/keys");
  assert.ok(list.body.data[0].last_used_at);
  clock.advance(86_400_000);
  assert.equal((await d.get("/status", auth)).body.message, "API key expired");
  const other = await d.socket("POST", "/keys", { name: "other" });
  await d.socket("DELETE", `/keys/${other.body.data.id}`);
  assert.equal((await d.get("/status", { authorization: `Bearer ${other.body.data.key}` })).body.message, "API key revoked");
});

test("IP allowlist: strict refuses a source outside the list, warning lets it through", async (t) => {
  const strict = await daemon(t, { webhook: { ipAllowlist: { mode: "strict", allow: ["52.89.214.238", "10.0.0.0/8"] } } });
  const refused = await strict.d.post("/webhook", alert(SECRET, {}, strict.clock.now()));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error_code, "IP_NOT_ALLOWED");
  const warning = await daemon(t, { webhook: { ipAllowlist: { mode: "warning", allow: ["52.89.214.238"] } } });
  assert.equal((await warning.d.post("/webhook", alert(SECRET, { entry_price: 3000 }, warning.clock.now()))).status, 200);
  const cidr = await daemon(t, { webhook: { ipAllowlist: { mode: "strict", allow: ["127.0.0.0/8"] } } });
  assert.equal((await cidr.d.post("/webhook", alert(SECRET, { entry_price: 3000 }, cidr.clock.now()))).status, 200);
});

test("a body over 1 MB is a 413 in the error shape", async (t) => {
  const { d } = await daemon(t);
  const res = await d.post("/webhook", JSON.stringify({ pad: "x".repeat(1024 * 1024 + 10) }), { "content-type": "application/json" });
  assert.equal(res.status, 413);
  assert.equal(res.body.status, "error");
  assert.ok(res.body.request_id);
});

test("/webhook/test reports validation and risk and creates nothing", async (t) => {
  const { d, clock } = await daemon(t, { risk: { maxDailyEntries: 3 } });
  const res = await d.post("/webhook/test", { action: "buy", ticker: "9984", quantity: 100, price: "market", entry_price: 3000, passphrase: SECRET, test_mode: true });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.message, "Test webhook received successfully");
  const data = res.body.data;
  assert.equal(data.validation_results.ticker, "✅ Valid (9984)");
  assert.equal(data.validation_results.passphrase, "✅ Valid");
  assert.equal(data.risk_checks.daily_limit, "✅ OK (0/3)");
  assert.equal(data.would_execute, true);
  assert.equal(data.estimated_order_amount, 300000);
  const orders = await d.socket("GET", "/orders");
  assert.equal(orders.body.data.total, 0);
  assert.equal((await d.post("/webhook/test", { ...alert("bad-passphrase-bad-passphrase", {}, clock.now()) })).status, 401);
});

test("GET /health and GET /openapi.json", async (t) => {
  const { d } = await daemon(t);
  const h = await d.get("/health");
  assert.equal(h.status, 200);
  assert.equal(h.body.status, "healthy");
  assert.deepEqual(Object.keys(h.body.components).sort(), ["broker", "database", "market_data"]);
  const doc = await d.get("/openapi.json");
  assert.equal(doc.status, 200);
  assert.ok(doc.body.paths["/webhook"].post);
  assert.ok(doc.body.paths["/admin/kill-switch"].post);
  assert.equal((await d.get("/nope")).body.error_code, "NOT_FOUND");
  assert.equal((await d.get("/health", { origin: "https://evil.example" })).headers["access-control-allow-origin"], undefined, "no CORS");
});

test("every accepted or refused signal leaves an audit record with its reason; unauthenticated junk only the alert log", async (t) => {
  const { d, clock } = await daemon(t, { risk: { maxDailyEntries: 1 } });
  await d.post("/webhook", alert("not-the-passphrase-at-all-xx", {}, clock.now()));
  await d.post("/webhook", alert(SECRET, { ticker: "99" }, clock.now()));
  await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()));
  await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 1));
  const audit = await d.socket("GET", "/audit?type=signal.&limit=20");
  const rows = audit.body.data.map((e: { type: string; payload: { code?: string; fields?: string[] } }) => [e.type, e.payload.code ?? null]);
  assert.deepEqual(rows, [
    ["signal.rejected", "VALIDATION_ERROR"],
    ["signal.received", null],
    ["signal.accepted", null],
    ["signal.received", null],
    ["signal.rejected", "RISK_LIMIT_EXCEEDED"],
  ]);
  assert.deepEqual(audit.body.data[0].payload.fields, ["ticker"]);
  assert.ok(!JSON.stringify(audit.body).includes(SECRET));
  await d.handle.stop();
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(`${d.home}/tradectl.db`, { readOnly: true });
  const alerts = db.prepare("SELECT status_code, error_code FROM alerts ORDER BY id").all() as Array<{ status_code: number; error_code: string | null }>;
  db.close();
  assert.deepEqual(alerts.map((a) => [a.status_code, a.error_code]).sort(), [[200, null], [400, "VALIDATION_ERROR"], [401, "AUTH_FAILED"], [403, "RISK_LIMIT_EXCEEDED"]]);
});

test("alerts arriving together share a commit but not a loophole: limits and duplicates hold as if one by one", async (t) => {
  const { d, clock } = await daemon(t, { risk: { maxDailyEntries: 3 } });
  const distinct = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => d.post("/webhook", alert(SECRET, { entry_price: 3000, ticker: ["9984", "7203", "6758"][i % 3] }, clock.now() + i))));
  const statuses = distinct.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 403, 403, 403], JSON.stringify(distinct.map((r) => r.body)));
  const same = alert(SECRET, { action: "sell", exit_price: 3000 }, clock.now() + 100);
  const repeats = await Promise.all([0, 1, 2, 3, 4].map(() => d.post("/webhook", same)));
  const ids = new Set(repeats.map((r) => r.body.data?.order_id));
  assert.equal(ids.size, 1, JSON.stringify(repeats.map((r) => r.body)));
  const orders = await d.socket("GET", "/orders?limit=100");
  assert.equal(orders.body.data.total, 4, "three entries and one exit, nothing twice");
});
