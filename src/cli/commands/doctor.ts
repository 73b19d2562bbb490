/**
 * `tradectl doctor`: every check of an installation, one line each with a fix hint. Exit 0 only when none failed
 * (warnings pass), 1 otherwise. Secrets are checked for presence and form, never printed.
 */
import { readConfig } from "../../config/store.js";
import { readDaemonRecord } from "../../config/paths.js";
import type { TradectlConfig } from "../../config/types.js";
import { paint } from "../colour.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { TradectlError } from "../../domain/errors.js";
import { printJson } from "../output.js";
import { progress } from "../progress.js";
import { fail, ok, type CheckResult } from "../doctor/check.js";
import { checkExposure, checkNode, checkPermissions, checkSecrets, checkTls } from "../doctor/local-checks.js";
import { checkBridge, checkClock, checkDaemon, checkFeeds, checkPort, readDaemon, type Probe } from "../doctor/remote-checks.js";
import { checkRedis } from "../doctor/redis-check.js";

export async function run(_args: string[], opts: GlobalOptions): Promise<void> {
  const ctx = makeContext(opts);
  const paths = { ...ctx.paths, socketPath: ctx.socketPath };
  const results: CheckResult[] = [checkNode(), ...checkPermissions(paths)];
  let config: TradectlConfig | null = null;
  try {
    config = readConfig(paths.configFile);
    results.push(ok("config", `${paths.configFile} is valid`));
  } catch (err) {
    results.push(fail("config", (err as Error).message, "fix it with `tradectl config set|unset`, or move it away to start from the defaults"));
  }
  const bar = await progress("doctor", 5);
  try {
    const daemon = await readDaemon(ctx.client);
    results.push(checkDaemon(daemon, ctx.socketPath));
    bar.update(1, "daemon");
    if (config) {
      results.push(...checkSecrets(config, paths, daemon.status !== null), checkTls(config), checkExposure(config));
      const probes: Probe[] = [];
      const w = config.webhook;
      const url = readDaemonRecord(paths)?.webhook_url || `${w.tls.cert ? "https" : "http"}://${w.host.includes(":") ? `[${w.host}]` : w.host}:${w.port}`;
      results.push(await checkPort(url));
      bar.update(2, "webhook port");
      results.push(await checkBridge(config, daemon, probes));
      bar.update(3, "broker");
      results.push(...(await checkFeeds(config, daemon, probes)));
      bar.update(4, "feeds");
      results.push(await checkClock(probes));
      results.push(...(await checkRedis(config)));
    }
  } finally {
    bar.stop();
  }
  const failed = results.filter((r) => r.status === "fail").length;
  if (ctx.json) printJson(results);
  else print(results);
  if (failed) throw new TradectlError("DOCTOR_FAILED", `${failed} check${failed === 1 ? "" : "s"} failed`);
}

function print(results: CheckResult[]): void {
  const c = paint();
  const width = Math.max(...results.map((r) => r.check.length));
  const tag = { ok: c.green("ok  "), warn: c.yellow("warn"), fail: c.red("FAIL") };
  for (const r of results) process.stdout.write(`${tag[r.status]}  ${r.check.padEnd(width)}  ${r.detail}${r.hint ? c.dim(`  -> ${r.hint}`) : ""}\n`);
}
