/** The CLI as a user runs it against a real daemon process: keys, kill/resume, orders, quotes, events, SIGHUP. */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { spawn } from "node:child_process";
import { alert, BIN, runCli, spawnDaemon } from "../helpers/daemon.js";
import { tempHome } from "../helpers/temp-home.js";

const SECRET = "cli-test-webhook-secret-0123456789";

test("the CLI end to end against a running daemon", async (t) => {
  const { home, cleanup } = tempHome({ risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 1 } });
  const d = await spawnDaemon(home, { WEBHOOK_SECRET: SECRET });
  defer(t, async () => {
    await d.stop();
    cleanup();
  });
  const cli = (...args: string[]) => runCli([...args, "--home", home]);

  await t.test("keys create --json prints {id, key, name, expires_at} once; list and revoke", async () => {
    const created = await cli("keys", "create", "--name", "cron", "--expires-days", "30", "--json");
    assert.equal(created.code, 0, created.stderr);
    const k = JSON.parse(created.stdout);
    assert.deepEqual(Object.keys(k).sort(), ["expires_at", "id", "key", "name"]);
    assert.match(k.key, /^API_/);
    assert.equal((await fetch(`${d.url}/status`, { headers: { authorization: `Bearer ${k.key}` } })).status, 200);
    const list = JSON.parse((await cli("keys", "list", "--json")).stdout);
    assert.equal(list.length, 1);
    assert.equal(list[0].name, "cron");
    assert.ok(!JSON.stringify(list).includes(k.key), "the key is never shown again");
    assert.equal((await cli("keys", "revoke", k.id)).code, 0);
    assert.equal((await fetch(`${d.url}/status`, { headers: { authorization: `Bearer ${k.key}` } })).status, 401);
    assert.equal((await cli("keys", "revoke", "key_nope")).code, 1);
    assert.equal((await cli("keys", "frobnicate")).code, 2);
  });

  await t.test("orders, order, positions and quotes print what the daemon holds", async () => {
    const res = await fetch(`${d.url}/webhook`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(alert(SECRET, { entry_price: 3000 })) });
    const orderId = ((await res.json()) as { data: { order_id: string } }).data.order_id;
    const orders = JSON.parse((await cli("orders", "--json", "--status", "filled")).stdout);
    assert.equal(orders.total, 1);
    assert.equal(orders.orders[0].order_id, orderId);
    assert.match(orders.orders[0].created_at, /^\d{4}-\d{2}-\d{2}T/);
    const text = await cli("orders");
    assert.match(text.stdout, new RegExp(orderId));
    const one = JSON.parse((await cli("order", orderId, "--json")).stdout);
    assert.equal(one.status, "filled");
    assert.equal((await cli("order", "ORD_19990101_001")).code, 1);
    assert.match((await cli("positions")).stdout, /9984\s+100/);
    const quotes = JSON.parse((await cli("quotes", "--json")).stdout);
    assert.ok(quotes.some((q: { instrument: string; bid: number }) => q.instrument === "9984" && typeof q.bid === "number"));
    assert.equal((await cli("orders", "--status", "bogus")).code, 1);
  });

  await t.test("kill --reason then resume, visible in status and the event log", async () => {
    const kill = await cli("kill", "--reason", "cli test", "--json");
    assert.equal(kill.code, 0, kill.stderr);
    assert.equal(JSON.parse(kill.stdout).system_enabled, false);
    const s = JSON.parse((await cli("status", "--json")).stdout);
    assert.equal(s.system_enabled, false);
    assert.equal(s.kill_switch.reason, "cli test");
    assert.match((await cli("status")).stdout, /KILLED \(cli test/);
    assert.equal((await cli("resume")).code, 0);
    const events = await cli("events", "--type", "system.", "--history", "10");
    const types = events.stdout.trim().split("\n").map((l) => JSON.parse(l).type);
    assert.deepEqual(types, ["system.started", "system.killed", "system.resumed"]);
  });

  await t.test("events --follow prints the history, then what happens next, from one request", async () => {
    const proc = spawn(process.execPath, [BIN, "events", "--follow", "--type", "system.", "--history", "2", "--home", home], { stdio: ["ignore", "pipe", "pipe"] });
    defer(t, () => proc.kill());
    const lines: Array<{ type: string; payload: { reason?: string } }> = [];
    let buffered = "";
    const seen = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (lines.length >= n ? resolve() : undefined);
        proc.stdout.on("data", check);
        proc.once("exit", (code) => reject(new Error(`events --follow exited with ${code}`)));
        check();
      });
    proc.stdout.on("data", (c: Buffer) => {
      buffered += c.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const l of parts) if (l.trim()) lines.push(JSON.parse(l));
    });
    await seen(2);
    assert.deepEqual(lines.map((l) => l.type), ["system.killed", "system.resumed"], "the history first");
    assert.equal((await cli("kill", "--reason", "followed")).code, 0);
    await seen(3);
    assert.deepEqual([lines[2]!.type, lines[2]!.payload.reason], ["system.killed", "followed"]);
    assert.equal((await cli("resume")).code, 0);
  });

  await t.test("top --once renders one frame of status, positions, streams and quotes", async () => {
    const top = await cli("top", "--once");
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /tradectl\s+ENABLED/);
    assert.match(top.stdout, /POSITIONS[\s\S]*9984\s+100/);
    assert.match(top.stdout, /STREAMS[\s\S]*replay\s+live/);
    assert.match(top.stdout, /QUOTES[\s\S]*USD_JPY/);
  });

  await t.test("SIGHUP reloads live config keys in the running daemon", async () => {
    const before = await fetch(`${d.url}/webhook`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(alert(SECRET, { entry_price: 3000, ticker: "7203" })) });
    assert.equal(before.status, 403, "daily limit of 1 reached");
    writeFileSync(join(home, "config.json"), JSON.stringify({ risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 10 } }));
    d.proc.kill("SIGHUP");
    const deadline = Date.now() + 5000;
    while (!/configuration reloaded/.test(d.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const after = await fetch(`${d.url}/webhook`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(alert(SECRET, { entry_price: 2800, ticker: "7203" }, Date.now() + 1)) });
    assert.equal(after.status, 200);
  });
});

test("hash-password prints a bcrypt hash of stdin and refuses short passwords", async () => {
  const res = await runCli(["hash-password"], {}, "a-long-admin-password-123\n");
  assert.equal(res.code, 0, res.stderr);
  assert.ok(bcrypt.compareSync("a-long-admin-password-123", res.stdout.trim()));
  const short = await runCli(["hash-password"], {}, "short\n");
  assert.equal(short.code, 2);
});
