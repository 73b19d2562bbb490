/**
 * The crash loop against the MT5 bridge with the fake terminal, bounded (20 kills): also no client order id reaches
 * order_send twice, and what the terminal dealt and holds equals the journal. `npm run crash-loop` runs the long form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defer } from "../helpers/defer.js";
import { runCrashLoop } from "./crash-loop.js";
import { boundedOptions } from "./options.js";
import { describeFindings, failingFindings, summaryLine } from "./summary.js";
import { mt5World } from "./worlds.js";

test("crash loop (MT5 bridge): 20 SIGKILLs under steady alerts lose nothing acknowledged, send nothing twice, repeat every first answer", { timeout: 240_000 }, async (t) => {
  const world = await mt5World();
  defer(t, () => world.close());
  const options = boundedOptions("mt5");
  const run = await runCrashLoop(world, { ...options, log: (l) => t.diagnostic(l) });
  t.diagnostic(summaryLine("mt5", options.seed, run));
  assert.ok(run.kills >= options.kills, `only ${run.kills} kills`);
  assert.ok(run.verdict.acknowledged > 0 && run.verdict.repeats > 0, "alerts were acknowledged and repeated");
  assert.ok(world.terminal!.sends().length > 0, "orders reached the terminal");
  const all = failingFindings(run, new Set());
  if (all.length) t.diagnostic(describeFindings(all));
  const failing = failingFindings(run);
  assert.equal(failing.length, 0, describeFindings(failing));
});
