/**
 * The crash loop against the MT5 bridge with the fake terminal, bounded (20 kills): also no client order id reaches
 * order_send twice, and what the terminal dealt and holds equals the journal. `npm run crash-loop` runs the long form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundedCrashLoop } from "./bounded.js";
import { mt5World } from "./worlds.js";

test("crash loop (MT5 bridge): 20 SIGKILLs under steady alerts lose nothing acknowledged, send nothing twice, repeat every first answer", { timeout: 240_000 }, async (t) => {
  const world = await mt5World();
  await boundedCrashLoop(t, world);
  assert.ok(world.terminal!.sends().length > 0, "orders reached the terminal");
});
