/**
 * One error root (domain/errors.ts): TradectlError is the only class under src/ that extends a built-in error;
 * every other error class extends it (or a class that does), so every error tradectl raises carries a code of the
 * one table and is answered by the one API handler and the one CLI boundary.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { filesUnder } from "../helpers/files-under.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const ROOT_FILE = "domain/errors.ts";
/** JavaScript's own error classes, and those of the libraries we use, that a class could extend instead of ours. */
const FOREIGN_ERROR = /^(?:\w*Error|DOMException)$/;

test("no class under src/ extends Error (or another library's error) except TradectlError", () => {
  const bases = new Map<string, { base: string; file: string }>();
  for (const file of filesUnder(SRC).filter((f) => /\.tsx?$/.test(f))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\bclass\s+(\w+)(?:<[^>{]*>)?\s+extends\s+([\w.]+)/g)) {
      bases.set(m[1]!, { base: m[2]!, file: relative(SRC, file) });
    }
  }
  assert.deepEqual(bases.get("TradectlError"), { base: "Error", file: ROOT_FILE }, "the root itself");
  const strays: string[] = [];
  for (const [name, { base, file }] of bases) {
    if (name === "TradectlError") continue;
    // Follow our own classes up to the first base that is not ours: it must be TradectlError when it is an error.
    let top = base;
    const seen = new Set([name]);
    while (bases.has(top) && top !== "TradectlError" && !seen.has(top)) {
      seen.add(top);
      top = bases.get(top)!.base;
    }
    if (top !== "TradectlError" && FOREIGN_ERROR.test(top)) strays.push(`${file}: class ${name} extends ${base}${top === base ? "" : ` (… ${top})`}`);
  }
  assert.deepEqual(strays, [], "error classes outside the one root");
  // The scan finds the subclasses that exist today, so it would see a new one.
  for (const sub of ["BridgeError", "DeliveryError", "ConnectionEnded"]) assert.equal(bases.get(sub)?.base, "TradectlError", sub);
});
