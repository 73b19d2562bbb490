/** The crash loop against the paper broker, bounded (20 kills); `npm run crash-loop` runs the long form. */
import { test } from "node:test";
import { boundedCrashLoop } from "./bounded.js";
import { paperWorld } from "./worlds.js";

test("crash loop (paper): 20 SIGKILLs under steady alerts lose nothing acknowledged, make nothing twice, repeat every first answer", { timeout: 240_000 }, async (t) => {
  await boundedCrashLoop(t, paperWorld());
});
