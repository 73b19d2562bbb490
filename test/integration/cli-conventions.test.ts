/**
 * The CLI's conventions, command by command, against a running daemon and with it down: exit codes 0/1/2/3,
 * --json shapes, usage errors that name the allowed values, colour only on a terminal and never with NO_COLOR,
 * order times in JST beside the id that carries the day, and `signal send` / `report` / `doctor` end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defer } from "../helpers/defer.js";
import { runCli, spawnDaemon, spawnTestDaemon } from "../helpers/daemon.js";
import { tempHome, testHome } from "../helpers/temp-home.js";
import { runInPty, SGR } from "../helpers/pty.js";

const SECRET = "conventions-webhook-secret-0123456789";
const CONFIG = { risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 10 } };

/** Every command a user runs against the daemon, with the arguments it needs. */
const DAEMON_COMMANDS: string[][] = [["status"], ["positions"], ["orders"], ["order", "ORD_20260101_001"], ["quotes"], ["ping"], ["events"], ["keys", "list"], ["top", "--once"], ["rates", "9984"], ["kill"], ["resume"]];

test("with the daemon down, every command that needs it exits 3 and names the socket", async (t) => {
  const home = testHome(t, CONFIG);
  for (const args of [...DAEMON_COMMANDS, ["signal", "send", "--action", "buy", "--ticker", "9984", "--quantity", "100", "--url", "http://127.0.0.1:9"]]) {
    const res = await runCli([...args, "--home", home], { WEBHOOK_SECRET: SECRET });
    assert.equal(res.code, 3, `${args.join(" ")}: ${res.stderr}`);
    assert.equal(res.stdout, "", `${args.join(" ")} prints nothing on stdout`);
    assert.match(res.stderr, args[0] === "signal" ? /no answer from http:\/\/127\.0\.0\.1:9\/webhook/ : new RegExp(`not running \\(no answer on ${join(home, "tradectl.sock")}`), args.join(" "));
  }
  const doctor = await runCli(["doctor", "--home", home]);
  assert.equal(doctor.code, 1, "doctor fails when the daemon is down");
  assert.match(doctor.stdout, /FAIL\s+daemon/);
});

test("usage errors exit 2 everywhere, on stderr, naming what is allowed", async (t) => {
  const home = testHome(t, CONFIG);
  const cases: Array<[string[], RegExp]> = [
    [["events", "--history", "abc"], /--history.*expected an integer from 0 to 1000/],
    [["top", "--interval", "abc"], /--interval.*expected an integer from 250/],
    [["orders", "--limit", "0"], /--limit.*expected an integer from 1 to 500/],
    [["orders", "--status", "bogus"], /Allowed choices are pending, submitted, working, filled, partially_filled, done, cancelled, rejected, failed, expired, unknown/],
    [["rates", "9984", "--timeframe", "M7"], /Allowed choices are M1, M2/],
    [["keys", "frobnicate"], /Allowed choices are create, list, revoke/],
    [["keys", "create", "--expires-days", "-1"], /expected an integer from 1/],
    [["config", "get", "risk.nope"], /unknown config key: risk\.nope/],
    [["config", "set", "risk.nope", "1"], /unknown config key: risk\.nope/],
    [["config", "unset", "risk.nope"], /unknown config key: risk\.nope/],
    [["config", "set", "risk.marketHours", "weekly"], /risk\.marketHours takes one of tse, fx, always/],
    [["config", "set", "webhook.port", "70000"], /webhook\.port takes an integer from 0 to 65535/],
    [["config", "frob"], /Allowed choices are get, set, unset, path/],
    [["completion", "tcsh"], /Allowed choices are bash, zsh, fish/],
    [["daemon", "--broker", "ib"], /Allowed choices are paper, mt5/],
    [["daemon", "--port", "http"], /expected an integer from 0 to 65535/],
    [["signal", "send", "--passphrase", "x"], /unknown option '--passphrase'/],
    [["signal", "send", "--action", "hold"], /Allowed choices are buy, sell/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli([...args, "--home", home]);
    assert.equal(res.code, 2, `${args.join(" ")}: exit ${res.code} ${res.stderr}`);
    assert.match(res.stderr, message, args.join(" "));
    assert.equal(res.stdout, "", `${args.join(" ")}: nothing on stdout`);
  }
  const unset = await runCli(["config", "unset", "risk.maxDailyEntries", "--home", home]);
  assert.equal(unset.code, 0);
  assert.match(unset.stdout, /risk\.maxDailyEntries reset to its default \(3\)/);
});

test("config: a home it creates is 0700, config.json 0600; path and set answer --json", async (t) => {
  const { home: parent, cleanup } = tempHome();
  defer(t, cleanup);
  const home = join(parent, "fresh");
  const set = await runCli(["config", "set", "risk.maxDailyEntries", "5", "--home", home, "--json"]);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout), { key: "risk.maxDailyEntries", value: 5 });
  assert.equal(statSync(home).mode & 0o777, 0o700);
  assert.equal(statSync(join(home, "config.json")).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse((await runCli(["config", "path", "--json", "--home", home])).stdout), { path: join(home, "config.json") });
  const doctor = await runCli(["doctor", "--json", "--home", home]);
  const checks = JSON.parse(doctor.stdout) as Array<{ check: string; status: string }>;
  assert.deepEqual(checks.find((c) => c.check === "home")?.status, "ok");
});

test("the CLI against a running daemon: --json shapes, JST order times, signal send, report, doctor, colour", async (t) => {
  const home = testHome(t, CONFIG);
  const d = await spawnTestDaemon(t, home, { WEBHOOK_SECRET: SECRET });
  const env = { WEBHOOK_SECRET: SECRET };
  const cli = (...args: string[]) => runCli([...args, "--home", home], env);

  await t.test("signal send posts as TradingView does; --test is a dry run; refusals exit 1 with the reason", async () => {
    const sent = await cli("signal", "send", "--action", "buy", "--ticker", "9984", "--quantity", "100", "--json");
    assert.equal(sent.code, 0, sent.stderr);
    const body = JSON.parse(sent.stdout);
    assert.equal(body.status, 200);
    assert.match(body.body.data.order_id, /^ORD_\d{8}_\d{3}$/);
    assert.ok(!sent.stdout.includes(SECRET), "the passphrase is never printed");
    const alertFile = join(home, "alert.json");
    writeFileSync(alertFile, JSON.stringify({ action: "buy", ticker: "TSE:7203", quantity: 100, price: "market", timestamp: "{{timenow}}" }));
    const dry = await cli("signal", "send", "--alert", alertFile, "--test");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\/webhook\/test/);
    assert.match(dry.stdout, /dry run: would execute/);
    assert.match(dry.stdout, /market_hours\s+✅/);
    const refused = await cli("signal", "send", "--action", "buy", "--ticker", "9984", "--quantity", "150");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /VALIDATION_ERROR/);
    assert.match(refused.stderr, /quantity/);
    const wrong = join(home, "wrong-pass");
    writeFileSync(wrong, "not-the-passphrase-at-all-0000\n");
    const auth = await cli("signal", "send", "--passphrase-file", wrong, "--action", "buy", "--ticker", "9984", "--quantity", "100");
    assert.equal(auth.code, 1);
    assert.match(auth.stderr, /AUTH_FAILED/);
  });

  await t.test("every read command answers --json with the daemon's data", async () => {
    const json = async (...args: string[]) => {
      const res = await cli(...args, "--json");
      assert.equal(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
      return JSON.parse(res.stdout);
    };
    const status = await json("status");
    for (const k of ["system_enabled", "trading_active", "market_open", "daily_stats", "current_positions", "risk_status", "kill_switch", "streams", "broker", "timestamp"]) assert.ok(k in status, `status.${k}`);
    assert.deepEqual(Object.keys((await json("positions")).positions[0]).sort(), ["current_price", "entry_price", "market_value", "quantity", "ticker", "unrealized_pnl"]);
    const orders = await json("orders");
    assert.deepEqual(Object.keys(orders).sort(), ["limit", "offset", "orders", "total"]);
    const one = await json("order", orders.orders[0].order_id);
    assert.equal(one.order_id, orders.orders[0].order_id);
    assert.ok(Array.isArray(await json("quotes")));
    assert.deepEqual(Object.keys(await json("ping")).sort(), ["pong", "time"]);
    const events = await json("events", "--type", "order.", "--history", "5");
    assert.ok(Array.isArray(events) && events.every((e: { type: string; v: number }) => e.v === 1 && e.type.startsWith("order.")));
    assert.ok(Array.isArray(await json("keys", "list")));
    assert.equal(typeof (await json("config", "get", "risk.maxDailyEntries")), "number");
    const doctor = await json("doctor");
    assert.ok(doctor.every((c: Record<string, unknown>) => typeof c.check === "string" && ["ok", "warn", "fail"].includes(c.status as string) && typeof c.detail === "string"));
    assert.deepEqual(doctor.filter((c: { status: string }) => c.status === "fail"), [], "a healthy paper set-up passes");
    const report = await json("report");
    assert.equal(report.summary.fills, 1);
    assert.equal(report.open_positions[0].mark_source, "quote", "a running period marks with the daemon's quotes");
    assert.equal(report.daemon.starts, 1);
    assert.equal(report.streams[0].last_state, "live");
  });

  await t.test("order times are shown in JST, the zone of the day in the order id", async () => {
    const out = (await cli("orders")).stdout;
    const m = /(ORD_(\d{4})(\d{2})(\d{2})_\d{3})\s+(\d{4})-(\d{2})-(\d{2}) \d{2}:\d{2}:\d{2}/.exec(out);
    assert.ok(m, out);
    assert.equal(`${m[2]}${m[3]}${m[4]}`, `${m[5]}${m[6]}${m[7]}`, "the id's date and the shown date agree");
    assert.match(out, /CREATED \(JST\)/);
    assert.match((await cli("order", m[1]!)).stdout, /created_at \(JST\)\s+\d{4}-\d{2}-\d{2} /);
  });

  await t.test("events: an aligned table for people", async () => {
    const out = (await cli("events", "--type", "order.", "--history", "3")).stdout.split("\n");
    assert.match(out[0]!, /^TIME \(JST\)\s+TYPE\s+SOURCE\s+SUMMARY$/);
    assert.match(out[1]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+order\.\w+\s+engine\s+order_id=ORD_/);
  });

  await t.test("colour on a terminal, none with NO_COLOR, none in a pipe (top included)", async () => {
    for (const args of [["status"], ["doctor"], ["top", "--once"]]) {
      const tty = await runInPty([...args, "--home", home], env);
      assert.equal(tty.code, 0, `${args.join(" ")}: ${tty.screen}`);
      assert.match(tty.screen, SGR, `${args.join(" ")} is coloured on a terminal`);
      const plain = await runInPty([...args, "--home", home], { ...env, NO_COLOR: "1" });
      assert.equal(plain.code, 0);
      assert.doesNotMatch(plain.screen, SGR, `${args.join(" ")} honours NO_COLOR`);
      assert.doesNotMatch((await cli(...args)).stdout, SGR, `${args.join(" ")} in a pipe`);
    }
  });

  await t.test("doctor fails on a loose file mode and a malformed admin hash, naming the fix, never the secret", async () => {
    chmodSync(join(home, "config.json"), 0o644);
    defer(t, () => chmodSync(join(home, "config.json"), 0o600));
    const res = await runCli(["doctor", "--home", home], { ...env, ADMIN_PASSWORD_HASH: "plain-text-password-oops" });
    assert.equal(res.code, 1);
    assert.match(res.stdout, /FAIL\s+files\s+.*config\.json is 0644\s+-> chmod 600/);
    assert.match(res.stdout, /FAIL\s+ADMIN_PASSWORD_HASH\s+set, but not a bcrypt hash\s+-> make one with `tradectl hash-password`/);
    assert.ok(!res.stdout.includes("plain-text-password-oops") && !res.stdout.includes(SECRET));
  });

  await t.test("rates on the paper broker: an error (exit 1), not a usage error", async () => {
    const res = await cli("rates", "9984");
    assert.equal(res.code, 1);
    assert.match(res.stderr, /paper broker has no rate history/);
  });
});

test("hash-password on a terminal: asked twice, never echoed", async () => {
  const pass = "a-long-admin-password-123";
  const res = await runInPty(["hash-password"], {}, [
    { after: /password \(at least 16 characters\): /, type: `${pass}\r` },
    { after: /the same again: /, type: `${pass}\r` },
  ]);
  assert.equal(res.code, 0, res.screen);
  assert.match(res.screen, /\$2[aby]\$12\$/);
  assert.ok(!res.screen.includes(pass), "the password is not echoed");
  const differ = await runInPty(["hash-password"], {}, [
    { after: /password \(at least 16 characters\): /, type: `${pass}\r` },
    { after: /the same again: /, type: "something-else-entirely\r" },
  ]);
  assert.equal(differ.code, 1);
  assert.match(differ.screen, /the two passwords differ/);
});

test("a cron-like environment finds the daemon from its record in the state folder", async (t) => {
  const { home: root, cleanup } = tempHome();
  defer(t, cleanup);
  const userHome = join(root, "user");
  const runtime = join(root, "run");
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(join(userHome, ".config", "tradectl"), { recursive: true, mode: 0o700 });
  writeFileSync(join(userHome, ".config", "tradectl", "config.json"), JSON.stringify(CONFIG), { mode: 0o600 });
  // The login's daemon: no TRADECTL_HOME, its socket in XDG_RUNTIME_DIR.
  const login = { HOME: userHome, XDG_RUNTIME_DIR: runtime };
  const d = await spawnDaemon("", { ...login, WEBHOOK_SECRET: SECRET }, ["--port", "0"], { noHome: true });
  defer(t, () => d.stop());
  const record = JSON.parse(readFileSync(join(userHome, ".local", "state", "tradectl", "daemon.json"), "utf8"));
  assert.equal(record.socket, join(runtime, "tradectl.sock"));
  // cron: HOME and a minimal PATH, nothing else.
  const cron = { HOME: userHome, PATH: "/usr/bin:/bin" };
  const status = await runCli(["status", "--json"], cron);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).system_enabled, true);
  const report = await runCli(["report", "--json"], cron);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(JSON.parse(report.stdout).streams[0].last_state, "live", "the report knows the daemon runs");
  // --home and TRADECTL_HOME still win.
  const other = join(root, "other");
  const viaHome = await runCli(["status", "--home", other], cron);
  assert.equal(viaHome.code, 3);
  assert.match(viaHome.stderr, new RegExp(join(other, "tradectl.sock")));
  const viaEnv = await runCli(["status"], { ...cron, TRADECTL_HOME: other });
  assert.equal(viaEnv.code, 3);
  // After a clean stop the record is gone, and the CLI says where it looked.
  await d.stop();
  const after = await runCli(["status"], cron);
  assert.equal(after.code, 3);
  assert.match(after.stderr, new RegExp(join(userHome, ".local", "state", "tradectl", "tradectl.sock")));
});

test("under systemd (RUNTIME_DIRECTORY) the socket is in the runtime folder and the home's record points there", async (t) => {
  const home = testHome(t, CONFIG);
  const runtime = join(home, "run-tradectl");
  const d = await spawnDaemon(home, { RUNTIME_DIRECTORY: runtime, WEBHOOK_SECRET: SECRET });
  defer(t, () => d.stop());
  const res = await runCli(["ping", "--home", home]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`pong from ${join(runtime, "tradectl.sock")}`));
});
