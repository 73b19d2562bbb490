/** Transport limits and TLS: 8 KB headers, TLS with a certificate reloaded on SIGHUP, SSE events. */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { ManualClock } from "../../src/domain/clock.js";
import { alert, startTestDaemon } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";

const SECRET = "transport-test-secret-0123456789";

function makeCert(dir: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${cn}`], { stdio: "ignore" });
  return { cert, key };
}

function peerCn(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/health`, { rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      res.resume();
      res.on("end", () => resolve(String(cert.subject.CN)));
    });
    req.on("error", reject);
    req.end();
  });
}

test("headers over 8 KB are refused", async (t) => {
  const home = testHome(t, { risk: { marketHours: "always" } });
  const d = await startTestDaemon({ home, env: { WEBHOOK_SECRET: SECRET } });
  defer(t, () => d.handle.stop());
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${d.url}/health`, { headers: { "x-padding": "a".repeat(9000) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(status, 431);
  assert.equal((await d.get("/health", { "x-padding": "a".repeat(4000) })).status, 200);
});

test("TLS with webhook.tls.cert/key, and the certificate is reloaded on SIGHUP", async (t) => {
  const home = testHome(t);
  const first = makeCert(home, "first.example");
  const second = makeCert(home, "second.example");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(home, "config.json"), JSON.stringify({ risk: { marketHours: "always" }, webhook: { tls: first } }));
  const d = await startTestDaemon({ home, env: { WEBHOOK_SECRET: SECRET } });
  defer(t, () => d.handle.stop());
  assert.match(d.url, /^https:\/\//);
  assert.equal(await peerCn(d.url), "first.example");
  writeFileSync(join(home, "config.json"), JSON.stringify({ risk: { marketHours: "always" }, webhook: { tls: second } }));
  const changed = await d.handle.reload();
  assert.ok(changed.applied.includes("webhook.tls"));
  assert.equal(await peerCn(d.url), "second.example");
});

test("SIGHUP reload applies live keys (risk) without a restart", async (t) => {
  const home = testHome(t, { risk: { marketHours: "always", maxDailyEntries: 1, cooldownMinutes: 0 } });
  const clock = new ManualClock(Date.parse("2026-11-24T10:00:00+09:00"));
  const d = await startTestDaemon({ home, clock, env: { WEBHOOK_SECRET: SECRET } });
  defer(t, () => d.handle.stop());
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 1))).status, 403);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(home, "config.json"), JSON.stringify({ risk: { marketHours: "always", maxDailyEntries: 5, cooldownMinutes: 0 } }));
  assert.deepEqual(await d.handle.reload(), { applied: ["risk"], restartNeeded: [] });
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now() + 2))).status, 200);
});

/** An open GET /events stream on the socket: the event types it has received, in order, and a wait for one. */
function followEvents(socketPath: string, query = ""): { types: string[]; seen(type: string): Promise<void>; close(): void } {
  const types: string[] = [];
  const waiting: Array<{ type: string; resolve: () => void; reject: (e: Error) => void }> = [];
  const settle = (err?: Error) => {
    for (const w of [...waiting]) {
      if (types.includes(w.type)) w.resolve();
      else if (err) w.reject(err);
      else continue;
      waiting.splice(waiting.indexOf(w), 1);
    }
  };
  const req = httpRequest({ socketPath, path: `/events${query}` }, (res) => {
    assert.equal(res.headers["content-type"], "text/event-stream");
    let buf = "";
    res.on("data", (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        // The stream says ": connected" once its bus subscription is in place.
        if (line === ": connected") types.push(":connected");
        const m = /^event: (\S+)$/.exec(line);
        if (m) types.push(m[1]!);
      }
      settle();
    });
  });
  req.on("error", (err) => settle(err));
  req.end();
  return {
    types,
    seen: (type) => (types.includes(type) ? Promise.resolve() : new Promise((resolve, reject) => waiting.push({ type, resolve, reject }))),
    close: () => req.destroy(),
  };
}

test("GET /events on the socket streams the pipeline's events as SSE; ticks only to a stream that asks for them", async (t) => {
  const home = testHome(t, { risk: { marketHours: "always", cooldownMinutes: 0 } });
  const d = await startTestDaemon({ home, env: { WEBHOOK_SECRET: SECRET } });
  defer(t, () => d.handle.stop());
  const all = followEvents(d.socketPath);
  await all.seen(":connected");
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }))).status, 200);
  await all.seen("order.filled");
  const pipeline = all.types.filter((x) => x.startsWith("signal.") || x.startsWith("order."));
  assert.deepEqual(pipeline, ["signal.received", "signal.accepted", "order.submitted", "order.filled"]);
  // A stream that asks for ticks gets one while the first is still open: ticks flowed, and the first saw none.
  const ticks = followEvents(d.socketPath, "?type=feed.tick");
  await ticks.seen("feed.tick");
  ticks.close();
  all.close();
  assert.ok(!all.types.includes("feed.tick"), "ticks only on request");
});
