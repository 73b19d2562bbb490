/** The walking skeleton end to end: a real daemon process in a temp home, driven through the CLI and the socket. */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alert, refusedToStart, runCli, spawnDaemon, TEST_CONFIG, spawnTestDaemon } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";

test("status --json over the socket prints the status object", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d = await spawnTestDaemon(t, home);
  const res = await runCli(["status", "--json", "--home", home]);
  assert.equal(res.code, 0, res.stderr);
  const s = JSON.parse(res.stdout);
  for (const key of ["system_enabled", "trading_active", "market_open", "daily_stats", "current_positions", "risk_status", "streams", "broker"]) {
    assert.ok(key in s, `status lacks ${key}`);
  }
  assert.equal(s.system_enabled, true);
  assert.equal(s.broker.kind, "paper");
  assert.equal(s.streams[0].name, "replay");
  assert.match(d.output(), /webhook\s+http:\/\/127\.0\.0\.1:\d+\/webhook/);
  assert.match(d.output(), new RegExp(`socket\\s+${join(home, "tradectl.sock")}`));
});

test("SIGTERM exits 0 and removes the socket", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d = await spawnDaemon(home);
  assert.ok(existsSync(d.socketPath));
  assert.equal(await d.stop("SIGTERM"), 0);
  assert.equal(existsSync(d.socketPath), false);
  assert.equal(existsSync(join(home, "daemon.pid")), false);
});

test("a second daemon on the same home is refused with a clear message", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d = await spawnTestDaemon(t, home);
  const second = await runCli(["daemon", "--home", home, "--port", "0"]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /another tradectl daemon \(pid \d+\) is already running on this home/);
  // the first one is untouched
  assert.equal((await runCli(["ping", "--home", home])).code, 0);
});

test("a crash's stale lock and socket are cleaned up at the next start", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d1 = await spawnDaemon(home);
  d1.proc.kill("SIGKILL");
  await d1.exited;
  assert.ok(existsSync(join(home, "daemon.pid")), "SIGKILL leaves the lock behind");
  assert.ok(existsSync(join(home, "tradectl.sock")), "SIGKILL leaves the socket behind");
  const d2 = await spawnDaemon(home);
  defer(t, () => d2.stop());
  assert.equal((await runCli(["ping", "--home", home])).code, 0);
});

test("a restart keeps paper positions and cash", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d1 = await spawnDaemon(home);
  const passphrase = readFileSync(join(home, "webhook-passphrase"), "utf8").trim();
  const res = await fetch(`${d1.url}/webhook`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(alert(passphrase, { quantity: 200, entry_price: 3000 })) });
  assert.equal(res.status, 200, await res.clone().text());
  const before = JSON.parse((await runCli(["status", "--json", "--home", home])).stdout);
  assert.equal(before.current_positions.length, 1);
  assert.equal(before.current_positions[0].ticker, "9984");
  assert.equal(before.current_positions[0].quantity, 200);
  assert.ok(before.broker.account.balance < 10_000_000);
  assert.equal(await d1.stop(), 0);

  const d2 = await spawnDaemon(home);
  defer(t, () => d2.stop());
  const after = JSON.parse((await runCli(["status", "--json", "--home", home])).stdout);
  assert.deepEqual(after.current_positions.map((p: { ticker: string; quantity: number; entry_price: number }) => [p.ticker, p.quantity, p.entry_price]), before.current_positions.map((p: { ticker: string; quantity: number; entry_price: number }) => [p.ticker, p.quantity, p.entry_price]));
  assert.equal(after.broker.account.balance, before.broker.account.balance);
  const positions = JSON.parse((await runCli(["positions", "--json", "--home", home])).stdout);
  assert.equal(positions.positions[0].quantity, 200);
});

test("exit code 3 and the socket path when no daemon runs", async (t) => {
  const home = testHome(t);
  for (const cmd of ["status", "positions", "orders", "quotes", "ping"]) {
    const res = await runCli([cmd, "--home", home]);
    assert.equal(res.code, 3, `${cmd}: ${res.stderr}`);
    assert.match(res.stderr, new RegExp(`not running .*${join(home, "tradectl.sock").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.equal(res.stderr.trim().split("\n").length, 1, "one line");
  }
});

test("usage errors exit 2", async () => {
  assert.equal((await runCli(["no-such-command"])).code, 2);
  assert.equal((await runCli(["daemon", "--port", "nope"])).code, 2);
});

test("config set rejects an invalid value with the key and the reason; valid values are parsed as JSON", async (t) => {
  const home = testHome(t);
  const bad = await runCli(["config", "set", "webhook.port", "not-a-port", "--home", home]);
  assert.equal(bad.code, 2, "a value the schema refuses is a usage error");
  assert.match(bad.stderr, /webhook\.port/);
  assert.match(bad.stderr, /must be integer/);
  const unknown = await runCli(["config", "set", "nope.key", "1", "--home", home]);
  assert.equal(unknown.code, 2, "as is an unknown key (get, set and unset agree)");
  assert.match(unknown.stderr, /unknown config key: nope\.key/);
  assert.equal((await runCli(["config", "set", "risk.maxDailyEntries", "5", "--home", home])).code, 0);
  assert.equal((await runCli(["config", "get", "risk.maxDailyEntries", "--home", home])).stdout.trim(), "5");
  assert.equal(JSON.parse(readFileSync(join(home, "config.json"), "utf8")).risk.maxDailyEntries, 5);
  assert.equal((await runCli(["config", "path", "--home", home])).stdout.trim(), join(home, "config.json"));
});

test("live mode refuses to start without WEBHOOK_SECRET, with a short one, and without ADMIN_PASSWORD_HASH", async (t) => {
  const home = testHome(t, { broker: { kind: "mt5" } });
  const hash = "$2b$04$" + "a".repeat(53);
  // Each case lacks one thing only, so each refusal is the check it names.
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ ADMIN_PASSWORD_HASH: hash }, /needs WEBHOOK_SECRET/],
    [{ WEBHOOK_SECRET: "too-short", ADMIN_PASSWORD_HASH: hash }, /at least 20 characters \(it has 9\)/],
    [{ WEBHOOK_SECRET: "a-long-enough-webhook-secret-123" }, /needs ADMIN_PASSWORD_HASH/],
  ];
  for (const [env, reason] of cases) assert.match(await refusedToStart(home, env), reason);
  assert.ok(!existsSync(join(home, "tradectl.sock")));
});

test("the generated paper passphrase is kept in a 0600 file and reused", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  const d1 = await spawnDaemon(home);
  const file = join(home, "webhook-passphrase");
  const first = readFileSync(file, "utf8");
  assert.match(d1.output(), new RegExp(file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
  assert.ok(!d1.output().includes(first.trim()), "the passphrase itself is never printed");
  await d1.stop();
  const { statSync } = await import("node:fs");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const d2 = await spawnDaemon(home);
  defer(t, () => d2.stop());
  assert.equal(readFileSync(file, "utf8"), first);
  writeFileSync(join(home, "unused"), "");
});
