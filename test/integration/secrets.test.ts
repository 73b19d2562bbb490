/** The passphrase is written nowhere: not in the journal, the logs, the config or the daemon's output. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { alert, spawnDaemon, TEST_CONFIG, runCli } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";
import { filesUnder } from "../helpers/files-under.js";


test("a scan of the home folder and the daemon's output finds the passphrase nowhere", async (t) => {
  const secret = "scan-me-passphrase-6f1c2a9e8b7d";
  const nearMiss = "scan-me-passphrase-WRONG-000000";
  const home = testHome(t, TEST_CONFIG);
  const d = await spawnDaemon(home, { WEBHOOK_SECRET: secret });
  const post = (body: string, type = "application/json") => fetch(`${d.url}/webhook`, { method: "POST", headers: { "content-type": type }, body });
  const now = Date.now();
  await post(JSON.stringify(alert(secret, { entry_price: 3000 }, now)));
  await post(JSON.stringify(alert(secret, { ticker: "999", quantity: 150 }, now + 1)));
  await post(JSON.stringify(alert(nearMiss, {}, now + 2)));
  await post(`{"passphrase":"${secret}","action":"buy",`, "text/plain");
  await post(`not json at all ${secret}`, "text/plain");
  await fetch(`${d.url}/webhook/test`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(alert(secret, {}, now + 3)) });
  await runCli(["status", "--home", home]);
  assert.equal(await d.stop(), 0);

  const files = filesUnder(home);
  assert.ok(files.some((f) => f.endsWith("tradectl.db")));
  assert.ok(files.some((f) => f.includes(`${join(home, "logs")}`)), "logs were written");
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const s of [secret, nearMiss]) assert.equal(bytes.includes(Buffer.from(s)), false, `${s} found in ${f}`);
  }
  assert.equal(d.output().includes(secret), false, "daemon output");
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(join(home, "tradectl.db"), { readOnly: true });
  const n = (db.prepare("SELECT COUNT(*) AS n FROM alerts").get() as { n: number }).n;
  db.close();
  assert.equal(n, 6, "every alert is journaled, rejected ones too");
});
