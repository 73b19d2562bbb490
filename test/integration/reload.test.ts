/**
 * Config reload (SIGHUP): a changed log.level takes effect in the logger, not only in the report; a changed key
 * that only a restart applies is named, in the reload's answer and in the log, and keeps its running value.
 */
import { defer } from "../helpers/defer.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";

const SECRET = "reload-webhook-secret-0123456789";
const BASE = { risk: { marketHours: "always" }, log: { level: "info" } };

function mainLog(home: string): string {
  const dir = join(home, "logs");
  return readdirSync(dir)
    .filter((f) => /^tradectl-\d{4}-\d{2}-\d{2}\.log$/.test(f))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("");
}

/** A daemon in a temp home; closing it flushes its logs, and the main log's text is returned. */
async function daemon(t: TestContext): Promise<{ home: string; d: TestDaemon; closeAndReadLog: () => Promise<string> }> {
  const home = testHome(t, BASE);
  const d = await startTestDaemon({ home, env: { WEBHOOK_SECRET: SECRET } });
  let closed = false;
  defer(t, () => (closed ? undefined : d.close()));
  const closeAndReadLog = async () => {
    await d.close();
    closed = true;
    return mainLog(home);
  };
  return { home, d, closeAndReadLog };
}

test("a reload that changes log.level changes the level the logger writes at", async (t) => {
  const { home, d, closeAndReadLog } = await daemon(t);
  d.handle.logger.debug("probe-before-reload");
  writeFileSync(join(home, "config.json"), JSON.stringify({ ...BASE, log: { level: "debug" } }));
  assert.deepEqual(await d.handle.reload(), { applied: ["log.level"], restartNeeded: [] });
  d.handle.logger.debug("probe-after-reload");
  writeFileSync(join(home, "config.json"), JSON.stringify({ ...BASE, log: { level: "warn" } }));
  await d.handle.reload();
  d.handle.logger.info("probe-info-at-warn");
  d.handle.logger.warn("probe-warn-at-warn");
  const text = await closeAndReadLog();
  assert.ok(!text.includes("probe-before-reload"), "debug was off before the reload");
  assert.ok(text.includes("probe-after-reload"), "debug is written once log.level=debug is reloaded");
  assert.ok(!text.includes("probe-info-at-warn"), "info is dropped once log.level=warn is reloaded");
  assert.ok(text.includes("probe-warn-at-warn"));
});

test("a reload that changes restart-only keys names them (answer and log) and keeps their running values", async (t) => {
  const { home, d, closeAndReadLog } = await daemon(t);
  const changed = {
    ...BASE,
    risk: { marketHours: "always", maxDailyEntries: 7 },
    webhook: { host: "0.0.0.0", trustProxy: true },
    broker: { paper: { initialCash: 5_000_000 } },
    feeds: [{ name: "fx", kind: "replay", stream: "prices" }],
  };
  writeFileSync(join(home, "config.json"), JSON.stringify(changed));
  const first = await d.handle.reload();
  const restartOnly = ["broker.paper.initialCash", "feeds", "webhook.host", "webhook.trustProxy"];
  assert.deepEqual(first, { applied: ["risk"], restartNeeded: restartOnly });
  // Not applied: the running values stay, so the next reload still reports them.
  assert.deepEqual(await d.handle.reload(), { applied: [], restartNeeded: restartOnly });
  const status = (await d.socket("GET", "/status")).body.data;
  assert.deepEqual(status.streams.map((s: { name: string }) => s.name), ["replay"], "the running feeds are kept");
  assert.equal((await fetch(`${d.url}/health`)).status, 200, "still listening where it was");
  assert.match(await closeAndReadLog(), /configuration reloaded, but these keys apply only after a restart: broker\.paper\.initialCash, feeds, webhook\.host, webhook\.trustProxy/);
});
