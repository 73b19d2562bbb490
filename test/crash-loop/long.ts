/**
 * The long crash loop: `npm run crash-loop -- [--kills 500] [--broker paper|mt5|both] [--seed N]`.
 * Prints progress, every finding, and one summary line per broker; exits 1 when a check failed.
 */
import { parseArgs } from "node:util";
import { runCrashLoop } from "./crash-loop.js";
import { DEFAULT_SEED, longOptions } from "./options.js";
import { describeFindings, failingFindings, reportOnly, summaryLine } from "./summary.js";
import { mt5World, paperWorld, type CrashWorld } from "./worlds.js";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "500" },
    broker: { type: "string", default: "both" },
    seed: { type: "string", default: String(DEFAULT_SEED) },
  },
});
const kills = Number(values.kills);
const seed = Number(values.seed);
const brokers = values.broker === "both" ? ["paper", "mt5"] : [values.broker];
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(seed) || brokers.some((b) => b !== "paper" && b !== "mt5")) {
  process.stderr.write("usage: npm run crash-loop -- [--kills N] [--broker paper|mt5|both] [--seed N]\n");
  process.exit(2);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

let failed = false;
const lines: string[] = [];
for (const broker of brokers) {
  const world: CrashWorld = broker === "paper" ? paperWorld() : await mt5World();
  try {
    const run = await runCrashLoop(world, { ...longOptions(broker as "paper" | "mt5", kills, seed), log: (l) => process.stdout.write(`${broker}: ${l}\n`) });
    const all = failingFindings(run, new Set());
    const failing = failingFindings(run, reportOnly());
    if (all.length) process.stdout.write(`${describeFindings(all)}\n`);
    if (failing.length) failed = true;
    lines.push(summaryLine(broker, seed, run));
    process.stdout.write(`${lines.at(-1)}\n`);
  } finally {
    await world.close();
  }
}
process.stdout.write(`\n${lines.join("\n")}\n`);
process.exit(failed ? 1 : 0);
