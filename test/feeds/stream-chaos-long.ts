/**
 * The long stream chaos run: `npm run chaos:streams [-- --seeds N --minutes M --first S]` (default 40 seeds × 240
 * virtual minutes). Prints one line per failing seed and the summary line the README quotes; exits 1 on a failure.
 */
import { parseArgs } from "node:util";
import { runStreamChaos, summaryLine, type ChaosSummary } from "./stream-chaos.js";

const { values } = parseArgs({
  options: { seeds: { type: "string", default: "40" }, minutes: { type: "string", default: "240" }, first: { type: "string", default: "1000" } },
});
const seeds = Number(values.seeds);
const minutes = Number(values.minutes);
const first = Number(values.first);
const runs: ChaosSummary[] = [];
const started = Date.now();
for (let seed = first; seed < first + seeds; seed++) {
  const run = await runStreamChaos({ seed, minutes });
  runs.push(run);
  if (run.failures.length) process.stdout.write(`seed ${seed} FAILED (rerun: STREAM_CHAOS_SEED=${seed} node --import tsx --test test/feeds/stream-chaos.test.ts):\n  ${run.failures.join("\n  ")}\n`);
  else if (process.stdout.isTTY) process.stdout.write(`seed ${seed}: ok (${run.faults} faults)\r`);
}
process.stdout.write(`${summaryLine(runs)}; ${((Date.now() - started) / 1000).toFixed(0)} s wall\n`);
process.exitCode = runs.some((r) => r.failures.length) ? 1 : 0;
