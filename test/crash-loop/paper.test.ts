/** The crash loop against the paper broker, bounded (20 kills); `npm run crash-loop` runs the long form. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defer } from "../helpers/defer.js";
import { runCrashLoop } from "./crash-loop.js";
import { boundedOptions } from "./options.js";
import { describeFindings, failingFindings, summaryLine } from "./summary.js";
import { paperWorld } from "./worlds.js";

test("crash loop (paper): 20 SIGKILLs under steady alerts lose nothing acknowledged, make nothing twice, repeat every first answer", { timeout: 240_000 }, async (t) => {
  const world = paperWorld();
  defer(t, () => world.close());
  const options = boundedOptions("paper");
  const run = await runCrashLoop(world, { ...options, log: (l) => t.diagnostic(l) });
  t.diagnostic(summaryLine("paper", options.seed, run));
  assert.ok(run.kills >= options.kills, `only ${run.kills} kills`);
  assert.ok(run.verdict.acknowledged > 0 && run.verdict.repeats > 0, "alerts were acknowledged and repeated");
  const all = failingFindings(run, new Set());
  if (all.length) t.diagnostic(describeFindings(all));
  const failing = failingFindings(run);
  assert.equal(failing.length, 0, describeFindings(failing));
});
