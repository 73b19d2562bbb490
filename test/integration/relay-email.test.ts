/** Invitations by e-mail (nodemailer) to a real SMTP server (the smtp-server package) started by the test on a free port. */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import assert from "node:assert/strict";
import { SMTPServer } from "smtp-server";
import { defer } from "../helpers/defer.js";
import { runCli } from "../helpers/daemon.js";
import { createChannel, entry, orders, publish, relayDaemon, settled } from "../helpers/relay.js";
import { until } from "../helpers/until.js";

test("relay invite --email mails the invitation; its link is accepted and deliveries follow", async (t) => {
  const mails: Array<{ from: string; to: string[]; text: string }> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, done) {
      let text = "";
      stream.on("data", (c: Buffer) => (text += c.toString()));
      stream.on("end", () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), text });
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  defer(t, () => new Promise<void>((r) => smtp.close(() => r())));
  const port = (smtp.server.address() as AddressInfo).port;

  const sender = await relayDaemon(t, { config: { relay: { smtp: { host: "127.0.0.1", port, from: "signals@example.com" } } } });
  const receiver = await relayDaemon(t);
  const channel = await createChannel(sender, "mailed");
  const r = await runCli(["relay", "invite", "mailed", "--email", "trader@example.com", "--note", "welcome", "--json", "--home", sender.home]);
  assert.equal(r.code, 0, r.stderr);
  const inv = JSON.parse(r.stdout);
  assert.equal(inv.emailed, true);
  await until("the invitation mail", () => mails.length, (n) => n === 1);
  const mail = mails[0]!;
  assert.deepEqual(mail.to, ["trader@example.com"]);
  assert.equal(mail.from, "signals@example.com");
  assert.match(mail.text, /welcome/);
  const link = /(http:\/\/\S+\/relay\/invite\/[A-Za-z0-9_-]+)/.exec(mail.text.replace(/=\r?\n/g, ""))?.[1];
  assert.equal(link, inv.url);

  const accepted = await runCli(["relay", "accept", link!, "--home", receiver.home]);
  assert.equal(accepted.code, 0, accepted.stderr);
  await publish(channel, entry());
  await settled(sender, "mailed", (rs) => rs[0]!.delivered === 1);
  assert.equal((await orders(receiver)).length, 1);
});

test("an invitation mail that cannot be sent: the CLI says so and exits 1; the invitation itself stands", async (t) => {
  // A port that refuses: bound, then closed.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const sender = await relayDaemon(t, { config: { relay: { smtp: { host: "127.0.0.1", port } } } });
  await createChannel(sender, "nomail");
  const r = await runCli(["relay", "invite", "nomail", "--email", "trader@example.com", "--home", sender.home]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /could not be mailed/);
  assert.match(r.stdout, /\/relay\/invite\//, "the URL is printed, to be passed on another way");

  const none = await relayDaemon(t);
  await createChannel(none, "x");
  const refused = await runCli(["relay", "invite", "x", "--email", "trader@example.com", "--home", none.home]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /no SMTP server is configured/);
});
