/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: the top functions by
 * self time, and the top files (inclusive of nothing: self time summed per script).
 *   node scripts/bench/cpu-profile-top.ts FILE.cpuprofile [N]
 */
import { readFileSync } from "node:fs";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface Node { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const file = process.argv[2];
if (!file) throw new Error("usage: cpu-profile-top.ts FILE.cpuprofile [N]");
const top = Number(process.argv.slice(3).find((a) => !a.startsWith("--")) ?? 30);
const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = prof.endTime - prof.startTime;
const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, "$1/").replace(/^node:/, "node:");
const fnKey = (f: CallFrame) => `${f.functionName || "(anonymous)"}  ${short(f.url)}:${f.lineNumber + 1}`;
const fileKey = (f: CallFrame) => {
  const u = short(f.url) || `(${f.functionName})`;
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  return m ? `node_modules/${m[1]}` : u;
};
const sum = (key: (f: CallFrame) => string) => {
  const acc = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!.callFrame);
    acc.set(k, (acc.get(k) ?? 0) + us);
  }
  return [...acc].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
process.stdout.write(`profile: ${(total / 1e6).toFixed(1)} s wall\n\nTop functions by self time:\n`);
for (const [k, us] of sum(fnKey).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write(`\nSelf time by package / file:\n`);
for (const [k, us] of sum(fileKey).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);

// Callers of the top non-idle function, or of the functions named by --callers=a,b (self time by
// calling chain, three frames up), to say who pays for it.
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const named = process.argv.find((a) => a.startsWith("--callers="))?.slice(10).split(",");
const targets = named ?? [sum(fnKey).find(([k]) => !k.startsWith("("))?.[0].split(/\s+/)[0] ?? ""];
for (const name of targets) {
  const hottest = sum(fnKey).find(([k]) => k.split(/\s+/)[0] === name);
  if (!hottest) continue;
  const acc = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (fnKey(byId.get(id)!.callFrame) !== hottest[0]) continue;
    const chain: string[] = [];
    let p = parent.get(id);
    while (p !== undefined && chain.length < 3) {
      chain.push(fnKey(byId.get(p)!.callFrame).replace(/\s+/g, " "));
      p = parent.get(p);
    }
    const k = chain.join("  ←  ");
    acc.set(k, (acc.get(k) ?? 0) + us);
  }
  process.stdout.write(`\nCallers of ${hottest[0]}:\n`);
  for (const [k, us] of [...acc].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${pct(us)}  ${k}\n`);
}
