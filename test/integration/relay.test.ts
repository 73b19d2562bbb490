/**
 * The relay between daemons in temp homes on ephemeral ports (in-process: real servers, sockets and journals):
 * invite → accept (CLI and the HTML form) → a signal published on the sender fills on each receiver's paper broker
 * with its sizing; invitations that were not accepted, expired or used deliver nothing; pausing on either side;
 * the sender receiving its own channel.
 */
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { defer } from "../helpers/defer.js";
import { startProxy } from "../helpers/http-proxy.js";
import { alert, runCli, type TestDaemon } from "../helpers/daemon.js";
import { accept, createChannel, entry, invite, orders, publish, relayDaemon, settled, status } from "../helpers/relay.js";
import { until } from "../helpers/until.js";

const daemon = (t: TestContext) => relayDaemon(t);

const cli = async (d: TestDaemon, ...args: string[]) => {
  const r = await runCli([...args, "--home", d.home]);
  return { ...r, json: r.code === 0 && args.includes("--json") ? JSON.parse(r.stdout) : null };
};


test("invite → accept with the CLI → a published signal fills on the receiver with its sizing; an invitation not accepted delivers nothing", async (t) => {
  const sender = await daemon(t);
  const receiver = await daemon(t);

  const created = await cli(sender, "relay", "channel", "create", "alpha", "--json");
  assert.equal(created.code, 0, created.stderr);
  const channel = created.json;
  assert.match(channel.inbound_url, /\/relay\/in\/ch_[0-9a-f]{16}$/);
  assert.ok(channel.passphrase.length >= 20);

  // An invitation exists but nobody accepted it: nothing is delivered anywhere.
  const pending = await cli(sender, "relay", "invite", "alpha", "--note", "for the receiver", "--json");
  assert.equal(pending.code, 0, pending.stderr);
  const first = await publish(channel, entry({ quantity: 400 }));
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.equal(first.body.data.receivers, 0);
  assert.equal((await status(sender, "alpha")).length, 0);

  const accepted = await cli(receiver, "relay", "accept", pending.json.url, "--sizing", "0.5", "--json");
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(accepted.json.channel_name, "alpha");
  assert.equal(accepted.json.sizing, 0.5);

  const res = await publish(channel, entry({ quantity: 400, ticker: "7203" }));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.data.receivers, 1);
  await settled(sender, "alpha", (rows) => rows[0]!.delivered === 1);

  const filled = await orders(receiver);
  assert.equal(filled.length, 1, "only the signal published after the acceptance");
  assert.equal(filled[0]!.ticker, "7203");
  assert.equal(filled[0]!.quantity, 200, "400 × sizing 0.5");
  assert.equal(filled[0]!.status, "filled");
  assert.equal((await orders(sender)).length, 0, "the sender does not trade its channel without accepting its own invitation");

  // Both sides' views, through the CLI with --json and as text.
  const st = await cli(sender, "relay", "status", "alpha", "--json");
  assert.equal(st.json[0].delivered, 1);
  assert.equal(st.json[0].hops.received_to_answer.count, 1);
  assert.ok(st.json[0].hops.received_to_answer.p99_ms >= 0);
  const text = await cli(sender, "relay", "status");
  assert.match(text.stdout, /received_to_answer/);
  const subs = await cli(receiver, "relay", "subscriptions", "--json");
  assert.equal(subs.json[0].received, 1);
  const recv = await cli(sender, "relay", "receivers", "alpha", "--json");
  assert.equal(recv.json[0].kind, "tradectl");
  assert.equal(recv.json[0].state, "active");

  // The delivered signal came through the receiver's own admission, with its source.
  const audit = await receiver.socket("GET", "/audit?type=signal.received");
  assert.equal(audit.body.data.at(-1).source, "relay:alpha");

  // No secret in a log, the audit log or config.json: the passphrase, the invitation token, the signing secret.
  const secret = new DatabaseSync(join(receiver.home, "tradectl.db"), { readOnly: true }).prepare("SELECT signing_secret FROM relay_subscriptions").get() as { signing_secret: string };
  const token = pending.json.url.split("/").at(-1);
  await sender.close();
  await receiver.close();
  for (const d of [sender, receiver]) {
    const files = [join(d.home, "config.json"), ...readdirSync(join(d.home, "logs")).map((f) => join(d.home, "logs", f))];
    const db = new DatabaseSync(join(d.home, "tradectl.db"), { readOnly: true });
    const events = JSON.stringify(db.prepare("SELECT * FROM events").all()) + JSON.stringify(db.prepare("SELECT * FROM alerts").all());
    db.close();
    for (const text of [...files.map((f) => readFileSync(f, "utf8")), events]) {
      for (const [name, value] of [["passphrase", channel.passphrase], ["token", token], ["signing secret", secret.signing_secret]]) {
        assert.ok(!text.includes(value), `the ${name} is written somewhere it must not be`);
      }
    }
  }
});

test("three daemons: one signal fills on each receiver with its own sizing", async (t) => {
  const sender = await daemon(t);
  const [r1, r2] = [await daemon(t), await daemon(t)];
  const channel = await createChannel(sender, "fanout");
  await accept(r1, await invite(sender, "fanout"), 1);
  await accept(r2, await invite(sender, "fanout"), 0.5);
  const res = await publish(channel, entry({ quantity: 400 }));
  assert.equal(res.body.data.receivers, 2);
  await settled(sender, "fanout", (rows) => rows.every((r) => r.delivered === 1));
  assert.deepEqual((await orders(r1)).map((o) => [o.quantity, o.status]), [[400, "filled"]]);
  assert.deepEqual((await orders(r2)).map((o) => [o.quantity, o.status]), [[200, "filled"]]);
  const top = await cli(sender, "top", "--once");
  assert.match(top.stdout, /RELAY\n(.*\n)*.*relay\.delivered\s+rcv_/, "top shows the relay's events");
  const events = await cli(sender, "events", "--type", "relay.", "--json");
  assert.equal((JSON.parse(events.stdout) as Array<{ type: string }>).filter((e) => e.type === "relay.delivered").length, 2);

  // A sizing that leaves less than a lot is refused by that receiver, recorded by the sender, and costs the other nothing.
  const small = await publish(channel, entry({ quantity: 100, ticker: "6758" }));
  assert.equal(small.status, 202);
  const rows = await settled(sender, "fanout", (rs) => rs.every((r) => r.delivered + r.rejected === 2));
  const half = rows.find((r) => r.rejected === 1)!;
  assert.match(half.last_error, /less than one lot/);
  assert.equal((await orders(r1)).length, 2);
});

test("an invitation accepted in a browser: a form without scripts, the signing secret shown once, signed deliveries", async (t) => {
  const sender = await daemon(t);
  const channel = await createChannel(sender, "bots");
  const url = await invite(sender, "bots", { note: "<b>hello</b>" });

  // A bot's endpoint: records what it gets.
  const got: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  const bot = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => bot.listen(0, "127.0.0.1", r));
  defer(t, () => new Promise<void>((r) => bot.close(() => r())));
  const botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/signals`;

  const page = await fetch(url, { headers: { accept: "text/html" } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<form method="post" action="\/relay\/invite\/[A-Za-z0-9_-]+">/);
  assert.match(html, /&lt;b&gt;hello&lt;\/b&gt;/, "the note is escaped");

  const form = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ delivery_url: botUrl, name: "my bot" }).toString() });
  assert.equal(form.status, 201);
  const shown = await form.text();
  const secret = /<pre id="secret">([^<]+)<\/pre>/.exec(shown)?.[1];
  assert.ok(secret?.startsWith("whsec_"), shown);
  const again = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ delivery_url: botUrl }).toString() });
  assert.equal(again.status, 409, "shown once: the invitation is used");
  assert.doesNotMatch(await again.text(), /whsec_/);

  assert.equal((await sender.socket("GET", "/relay/channels/bots")).body.data.passphrase, undefined, "the passphrase was shown once");
  await publish(channel, entry({ ticker: "7203", quantity: 300 }));
  const rows = await settled(sender, "bots", (rs) => rs[0]!.delivered === 1);
  assert.equal(rows[0]!.kind, "http");
  assert.equal(got.length, 1);
  const d = got[0]!;
  const ts = String(d.headers["x-tradectl-timestamp"]);
  const id = String(d.headers["x-tradectl-delivery"]);
  assert.equal(d.headers["x-tradectl-signature"], `sha256=${createHmac("sha256", secret!).update(`${ts}.${id}.${d.body}`).digest("hex")}`);
  const delivered = JSON.parse(d.body);
  assert.equal(delivered.ticker, "7203");
  assert.equal(delivered.quantity, 300);
  assert.equal(delivered.passphrase, undefined);
  assert.equal(delivered.relay.channel_name, "bots");
});

test("expired, used and unknown invitations are refused over HTTP and the CLI, and nothing is delivered", async (t) => {
  const sender = await daemon(t);
  const receiver = await daemon(t);
  const other = await daemon(t);
  const channel = await createChannel(sender, "gated");

  const short = await invite(sender, "gated", { expires_ms: 1 });
  const made = Date.now();
  await until("the invitation's 1 ms to pass", () => Date.now(), (now) => now > made + 1);
  const expired = await cli(receiver, "relay", "accept", short);
  assert.equal(expired.code, 1);
  assert.match(expired.stderr, /expired/);
  const expiredHttp = await fetch(short, { headers: { accept: "application/json" } });
  assert.equal(expiredHttp.status, 410);
  assert.equal((await expiredHttp.json()).error_code, "INVITATION_EXPIRED");

  const unknown = short.replace(/[^/]+$/, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  const unknownCli = await cli(receiver, "relay", "accept", unknown);
  assert.equal(unknownCli.code, 1);
  assert.match(unknownCli.stderr, /unknown invitation/);
  assert.equal((await fetch(unknown, { headers: { accept: "text/html" } })).status, 404);

  // A receiver only reachable on loopback cannot receive from a sender elsewhere: refused before any request.
  const remote = await cli(receiver, "relay", "accept", "http://sender.invalid/relay/invite/AAAAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(remote.code, 1);
  assert.match(remote.stderr, /set relay\.publicUrl/);

  const once = await invite(sender, "gated");
  assert.equal((await cli(receiver, "relay", "accept", once)).code, 0);
  const reused = await cli(other, "relay", "accept", once);
  assert.equal(reused.code, 1);
  assert.match(reused.stderr, /already accepted/);
  const reusedHttp = await fetch(once, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ delivery_url: `${other.url}/x`, signing_secret: "x".repeat(40) }) });
  assert.equal(reusedHttp.status, 409);
  assert.equal((await reusedHttp.json()).error_code, "INVITATION_USED");
  assert.equal((await other.socket("GET", "/relay/subscriptions")).body.data.length, 0, "a refused acceptance keeps nothing");

  await publish(channel, entry());
  await settled(sender, "gated", (rows) => rows.length === 1 && rows[0]!.delivered === 1);
  assert.equal((await orders(receiver)).length, 1);
  assert.equal((await orders(other)).length, 0);
});

test("the sender pauses a receiver: signals meanwhile are skipped (counted, never queued); resume restarts delivery", async (t) => {
  const sender = await daemon(t);
  const receiver = await daemon(t);
  const channel = await createChannel(sender, "p1");
  const sub = await accept(receiver, await invite(sender, "p1"));
  const rid = (await status(sender, "p1"))[0]!.id;

  const paused = await cli(sender, "relay", "pause", "p1", rid, "--json");
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(paused.json.state, "paused");
  assert.deepEqual(paused.json.paused_by, ["sender"]);
  assert.equal(paused.json.receiver_told, true);
  const seen = (await receiver.socket("GET", "/relay/subscriptions")).body.data[0];
  assert.equal(seen.id, sub.id);
  assert.deepEqual(seen.paused_by, ["sender"], "the receiver's list shows who paused");

  const during = await publish(channel, entry({ ticker: "7203" }));
  assert.equal(during.body.data.receivers, 0);
  assert.equal(during.body.data.skipped, 1);

  const resumed = await cli(sender, "relay", "resume", "p1", rid, "--json");
  assert.equal(resumed.json.state, "active");
  await publish(channel, entry({ ticker: "6758" }));
  const rows = await settled(sender, "p1", (rs) => rs[0]!.delivered === 1);
  assert.equal(rows[0]!.skipped, 1);
  assert.deepEqual((await orders(receiver)).map((o) => o.ticker), ["6758"], "the skipped signal was never delivered late");
});

test("the receiver pauses: the sender is told and stops at the source; resume restarts it", async (t) => {
  const sender = await daemon(t);
  const receiver = await daemon(t);
  const channel = await createChannel(sender, "p2");
  const sub = await accept(receiver, await invite(sender, "p2"));

  const paused = await cli(receiver, "relay", "subscription", "pause", sub.id, "--json");
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(paused.json.sender_told, true);
  const atSender = (await status(sender, "p2"))[0]!;
  assert.equal(atSender.state, "paused");
  assert.deepEqual(atSender.paused_by, ["receiver"]);

  const during = await publish(channel, entry({ ticker: "7203" }));
  assert.equal(during.body.data.skipped, 1, "stopped at the source: not even sent");

  const resumed = await cli(receiver, "relay", "subscription", "resume", sub.id, "--json");
  assert.equal(resumed.json.state, "active");
  await publish(channel, entry({ ticker: "6758" }));
  await settled(sender, "p2", (rs) => rs[0]!.delivered === 1);
  assert.deepEqual((await orders(receiver)).map((o) => o.ticker), ["6758"]);

});

test("the sender receives its own channel only after accepting its own invitation (self-invite)", async (t) => {
  const sender = await daemon(t);
  const channel = await createChannel(sender, "mine");
  await publish(channel, entry({ ticker: "7203" }));
  assert.equal((await orders(sender)).length, 0, "publishing is not trading");
  const sub = await cli(sender, "relay", "accept", await invite(sender, "mine"), "--json");
  assert.equal(sub.code, 0, sub.stderr);
  await publish(channel, entry({ ticker: "6758" }));
  await settled(sender, "mine", (rs) => rs[0]!.delivered === 1);
  const own = await orders(sender);
  assert.deepEqual(own.map((o) => [o.ticker, o.status]), [["6758", "filled"]]);
});

test("a channel fed by the webhook: every signal the webhook accepts is published, also one a crash left unpublished", async (t) => {
  const link = await startProxy();
  defer(t, () => link.close());
  const sender = await daemon(t);
  const receiver = await relayDaemon(t, { config: { relay: { publicUrl: link.url } } });
  link.target = receiver.url;
  const created = await cli(sender, "relay", "channel", "create", "hooked", "--from-webhook", "--json");
  assert.equal(created.json.from_webhook, true);
  await accept(receiver, await invite(sender, "hooked"), 2);
  const res = await sender.post("/webhook", alert(sender.passphrase, { entry_price: 3000, ticker: "8306" }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await settled(sender, "hooked", (rs) => rs[0]!.delivered === 1);
  assert.deepEqual((await orders(receiver)).map((o) => [o.ticker, o.quantity]), [["8306", 200]]);
  const refused = await sender.post("/webhook", alert("wrong-passphrase-wrong-passphrase", { ticker: "7203" }));
  assert.equal(refused.status, 401);
  assert.equal((await status(sender, "hooked"))[0]!.delivered, 1, "only accepted signals are published");

  // A crash between the webhook's commit and the publication's: the signal is journaled, its publication is not
  // (removed here, with its delivery, which never got past the link), and the next start publishes it.
  link.mode = "hold";
  assert.equal((await sender.post("/webhook", alert(sender.passphrase, { entry_price: 3000, ticker: "6758" }))).status, 200);
  await until("the delivery held on the link", () => link.inFlight, (n) => n === 1);
  await sender.close();
  link.mode = "pass";
  const db = new DatabaseSync(join(sender.home, "tradectl.db"));
  const signalId = (db.prepare("SELECT id FROM signals WHERE ticker = '6758'").get() as { id: string }).id;
  db.prepare("DELETE FROM relay_deliveries WHERE publication_id IN (SELECT id FROM relay_publications WHERE signal_id = ?)").run(signalId);
  assert.equal(db.prepare("DELETE FROM relay_publications WHERE signal_id = ?").run(signalId).changes, 1);
  db.close();
  const again = await relayDaemon(t, { home: sender.home });
  await settled(again, "hooked", (rs) => rs[0]!.delivered === 2);
  assert.deepEqual((await orders(receiver)).map((o) => o.ticker).sort(), ["6758", "8306"]);
});

test("signatures: HMAC-SHA256 over timestamp.delivery_id.body, as documented", () => {
  const body = '{"a":1}';
  const expected = createHmac("sha256", "whsec_k").update(`1700000000000.dlv_1.${body}`).digest("hex");
  return import("../../src/relay/signature.js").then(({ signature }) => assert.equal(signature("whsec_k", 1700000000000, "dlv_1", body), `sha256=${expected}`));
});
