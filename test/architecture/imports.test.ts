/**
 * The import graph of src/: no cycle between files or between folders, and imports that point inward (DESIGN,
 * "Layout"): domain imports nothing of ours; the engine imports only domain (adapters implement its ports); nothing
 * imports the CLI or the daemon (the composition root) except the CLI's own launcher of it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Every relative import of every file (static, type-only and dynamic), as paths relative to src/. */
function graph(): Map<string, string[]> {
  const all = files(SRC).map((f) => relative(SRC, f));
  const known = new Set(all);
  // Imports name the compiled file (.js): the source is the .ts or .tsx of the same name.
  const source = (t: string) => [t.replace(/\.js$/, ".ts"), t.replace(/\.js$/, ".tsx")].find((c) => known.has(c)) ?? t;
  return new Map(
    all.map((f) => {
      const text = readFileSync(join(SRC, f), "utf8");
      const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
      return [f, specs.map((s) => source(relative(SRC, resolve(SRC, dirname(f), s))))];
    }),
  );
}

function findCycle(g: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, "open");
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      if (state.get(m) === "open") return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of g.keys()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

const folderOf = (f: string) => f.split("/")[0]!;

test("no import cycle between files of src/", () => {
  const g = new Map([...graph()].map(([f, ts]) => [f, new Set(ts)]));
  assert.equal(findCycle(g)?.join(" → ") ?? null, null);
});

test("no import cycle between folders of src/", () => {
  const g = new Map<string, Set<string>>();
  for (const [f, ts] of graph()) {
    const from = folderOf(f);
    const set = g.get(from) ?? new Set<string>();
    for (const t of ts) if (folderOf(t) !== from) set.add(folderOf(t));
    g.set(from, set);
  }
  assert.equal(findCycle(g)?.join(" → ") ?? null, null);
});

test("imports point inward: domain imports nothing of ours, the engine only domain, nothing imports cli or daemon", () => {
  const offences: string[] = [];
  for (const [f, ts] of graph()) {
    const from = folderOf(f);
    for (const t of ts) {
      const to = folderOf(t);
      if (from === to) continue;
      const allowed =
        from === "domain" ? false : from === "engine" ? to === "domain" : to === "cli" || to === "daemon" ? from === "cli" && to === "daemon" : true;
      if (!allowed) offences.push(`${f} → ${t}`);
    }
  }
  assert.deepEqual(offences, []);
});
