/** The bounded crash loop as `npm test` runs it (one world per test file, so the two run side by side). */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { defer } from "../helpers/defer.js";
import { runCrashLoop, type CrashLoopRun } from "./crash-loop.js";
import { boundedOptions } from "./options.js";
import { describeFindings, failingFindings, summaryLine } from "./summary.js";
import type { CrashWorld } from "./worlds.js";

/** Runs 20 kills in the world, prints the summary (and every finding), and fails on any finding. */
export async function boundedCrashLoop(t: TestContext, world: CrashWorld): Promise<CrashLoopRun> {
  defer(t, () => world.close());
  const options = boundedOptions(world.broker);
  const run = await runCrashLoop(world, { ...options, log: (l) => t.diagnostic(l) });
  t.diagnostic(summaryLine(world.broker, options.seed, run));
  assert.ok(run.kills >= options.kills, `only ${run.kills} kills`);
  assert.ok(run.verdict.acknowledged > 0 && run.verdict.repeats > 0, "alerts were acknowledged and repeated");
  const all = failingFindings(run, new Set());
  if (all.length) t.diagnostic(describeFindings(all));
  const failing = failingFindings(run);
  assert.equal(failing.length, 0, describeFindings(failing));
  return run;
}
