/** Run sizes: the bounded form that `npm test` runs, and the long form behind `npm run crash-loop`. */
import type { CrashLoopOptions } from "./crash-loop.js";

export const DEFAULT_SEED = 20261124;

/**
 * 20 kills, each at a random moment up to 1.2 s after the daemon is ready (15% aimed before it is ready). MT5 gets
 * a third of the alert rate: its orders take round trips to the terminal, queued per ticker, and the run must settle.
 */
export function boundedOptions(broker: "paper" | "mt5", seed = Number(process.env.CRASH_LOOP_SEED ?? DEFAULT_SEED)): CrashLoopOptions {
  return { seed, kills: 20, rate: broker === "mt5" ? 8 : 25, connections: 4, maxUpMs: 1200, earlyKillChance: 0.15, repeatsPerRun: 3, sellChance: 0.3, futureChance: 0.1 };
}

/**
 * Up to 2 s between kills. MT5 at 4 alerts/s: faster than the bridge and the fake terminal work it off on a loaded
 * machine, the queue grows run after run and entries expire in it (the crash path is what is measured, not that).
 */
export function longOptions(broker: "paper" | "mt5", kills: number, seed: number): CrashLoopOptions {
  return { ...boundedOptions(broker, seed), kills, maxUpMs: 2000, ...(broker === "mt5" ? { rate: 4 } : {}) };
}
