/**
 * `npm run bench`: the webhook benchmark (./webhook.ts), the feed benchmark (./feed.ts), the pair's (./pair.ts), the
 * relay's (./relay.ts), and accept latency with notifications and metrics on against off (./notify.ts), each in a process of
 * its own (run in one, the webhook run's leftovers showed up in the feed's RSS growth, 0 to 20 MB from run to run).
 * Prints a table (figure, value, target, ok) and one JSON line of every figure. Exits 0 even when a
 * target is missed — benchmarks report, tests assert — but says MISSED for each such target.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

type Figures = Record<string, number | string | boolean>;

/**
 * Targets by figure name: the value must be ≤ max or ≥ min. A benchmark may also return
 * `target_<figure>` and `ok_<figure>` beside a figure; its own verdict wins, these give the direction.
 */
const TARGETS: Record<string, { max?: number; min?: number }> = {
  "webhook.accepted_p99_ms": { max: 10 },
  "webhook.accepted_non200": { max: 0 },
  "webhook.accepted_skipped_sends": { max: 0 },
  "webhook.rejected401_ratio": { min: 0.8 },
  "webhook.saturation_daemon_non200": { max: 0 },
  "webhook.rejected401_daemon_non401": { max: 0 },
  "feed.ratio": { min: 0.6 },
  "feed.rss_growth_mb": { max: 10 },
  "pair.leader_not_ok": { max: 0 },
  "pair.follower_not_ok": { max: 0 },
  "relay.n10_relay_p99_ms": { max: 10 },
  "relay.n1_not_delivered": { max: 0 },
  "relay.n10_not_delivered": { max: 0 },
  "relay.n50_not_delivered": { max: 0 },
  "notify.p50_ratio": { max: 1.1 },
  "notify.p99_ratio": { max: 1.25 },
  "notify.non200": { max: 0 },
};

/** Figures that only restate a target or a verdict; the table shows those in its own columns. */
const isVerdict = (name: string) => name.startsWith("target_") || name.startsWith("ok_");

interface Row {
  figure: string;
  value: string;
  target: string;
  ok: string;
}

function rows(group: string, figures: Figures): Row[] {
  return Object.entries(figures)
    .filter(([k]) => !isVerdict(k))
    .map(([k, v]) => {
      const figure = `${group}.${k}`;
      const given = figures[`target_${k}`];
      const base = TARGETS[figure];
      const t = base ? { ...base } : typeof given === "number" ? { max: given } : undefined;
      if (t && typeof given === "number") {
        if (t.max !== undefined) t.max = given;
        else t.min = given;
      }
      let target = "";
      let ok = "";
      if (t) {
        target = t.max !== undefined ? `<= ${t.max}` : `>= ${t.min}`;
        const n = typeof v === "number" ? v : NaN;
        const verdict = figures[`ok_${k}`];
        const pass = typeof verdict === "boolean" ? verdict : (t.max === undefined || n <= t.max) && (t.min === undefined || n >= t.min);
        ok = pass ? "ok" : "MISSED";
      }
      return { figure, value: String(v), target, ok };
    });
}

function table(all: Row[]): string {
  const head: Row = { figure: "figure", value: "value", target: "target", ok: "ok" };
  const w = (k: keyof Row) => Math.max(...[head, ...all].map((r) => r[k].length));
  const line = (r: Row) => `${r.figure.padEnd(w("figure"))}  ${r.value.padStart(w("value"))}  ${r.target.padEnd(w("target"))}  ${r.ok}`.trimEnd();
  return [line(head), line({ figure: "-".repeat(w("figure")), value: "-".repeat(w("value")), target: "-".repeat(w("target")), ok: "--" }), ...all.map(line)].join("\n");
}

/** Runs scripts/bench/<name>.ts in a fresh node (with --expose-gc, for the RSS figures); its stdout is the figures' JSON. */
function run(name: string): Promise<Figures> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    // "close", not "exit": by then stdout has been read to its end.
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`${name}.ts exited with ${code}:\n${out}`));
      try {
        resolve(JSON.parse(out) as Figures);
      } catch {
        reject(new Error(`${name}.ts printed no figures:\n${out}`));
      }
    });
  });
}

const results: Record<string, Figures> = {};
const failures: string[] = [];
for (const group of ["webhook", "feed", "pair", "relay", "notify"]) {
  process.stderr.write(`bench: ${group}…\n`);
  try {
    results[group] = await run(group);
  } catch (err) {
    failures.push(`${group}: ${(err as Error).stack ?? String(err)}`);
  }
}

const all = Object.entries(results).flatMap(([g, f]) => rows(g, f));
process.stdout.write(`\n${table(all)}\n\n`);
const missed = all.filter((r) => r.ok === "MISSED");
for (const r of missed) process.stdout.write(`MISSED  ${r.figure} = ${r.value} (target ${r.target})\n`);
for (const f of failures) process.stdout.write(`FAILED  ${f}\n`);
if (!missed.length && !failures.length) process.stdout.write("all targets met\n");
process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), node: process.version, ...results })}\n`);
// A missed target is a report, not an error; a benchmark that could not run at all is.
process.exitCode = failures.length ? 1 : 0;
