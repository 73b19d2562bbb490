/** The crash loop's one-line summary, and which findings fail a run. */
import type { CheckName, Finding } from "./checks.js";
import type { CrashLoopRun } from "./crash-loop.js";

export function summaryLine(broker: string, seed: number, run: CrashLoopRun): string {
  const v = run.verdict;
  return (
    `crash-loop broker=${broker} seed=${seed} kills=${run.kills} alerts=${v.alerts} acknowledged=${v.acknowledged} lost=${v.lost} ` +
    `duplicates=${v.duplicates} repeats=${v.repeatsSame}/${v.repeats} got the first answer, orders=${v.orders} ` +
    `crashes=${run.crashes.length} findings=${v.findings.filter((f) => !f.message.startsWith("... and")).length} time=${Math.round(run.durationMs / 1000)}s ` +
    `(first answers: ${firstAnswers(run)})`
  );
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
