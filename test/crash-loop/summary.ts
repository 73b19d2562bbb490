/** The crash loop's one-line summary, and which findings fail a run. */
import type { CheckName, Finding } from "./checks.js";
import type { CrashLoopRun } from "./crash-loop.js";

export function summaryLine(broker: string, seed: number, run: CrashLoopRun): string {
  const v = run.verdict;
  return (
    `crash-loop broker=${broker} seed=${seed} kills=${run.kills} alerts=${v.alerts} acknowledged=${v.acknowledged} lost=${v.lost} ` +
    `duplicates=${v.duplicates} repeats=${v.repeatsSame}/${v.repeats} got the first answer, orders=${v.orders} (${v.statuses}) ` +
    `crashes=${run.crashes.length} findings=${findingCounts(run)} time=${Math.round(run.durationMs / 1000)}s ` +
    `(first answers: ${firstAnswers(run)})`
  );
}

/** "0", or "93 (partial-fill 87, repeat-answer 6)". */
function findingCounts(run: CrashLoopRun): string {
  const counts = [...run.verdict.counts].sort(([, a], [, b]) => b - a);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  return total ? `${total} (${counts.map(([check, n]) => `${check} ${n}`).join(", ")})` : "0";
}

/** How the alerts were first answered: "200×120 202×30 403×50 none×12" (none: every send cut off by a kill). */
function firstAnswers(run: CrashLoopRun): string {
  const n = new Map<string, number>();
  for (const a of run.alerts) {
    const k = a.first ? String(a.first.status) : "none";
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => `${k}×${c}`).join(" ");
}

/**
 * Checks named in CRASH_LOOP_REPORT_ONLY (comma-separated, e.g. "repeat-answer,partial-fill") are printed but do
 * not fail the run: for looking past a known defect while working on another. Unset, every check fails the run.
 */
export function reportOnly(env: NodeJS.ProcessEnv = process.env): Set<CheckName> {
  return new Set((env.CRASH_LOOP_REPORT_ONLY ?? "").split(",").map((s) => s.trim()).filter(Boolean) as CheckName[]);
}

export function failingFindings(run: CrashLoopRun, skip: Set<CheckName> = reportOnly()): Finding[] {
  const crashes = run.crashes.map((message) => ({ check: "crash" as const, message }));
  return [...crashes, ...run.verdict.findings].filter((f) => !skip.has(f.check));
}

export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `[${f.check}] ${f.message}`).join("\n");
}
