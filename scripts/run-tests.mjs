#!/usr/bin/env node
// `npm test`: build dist/ (the CLI tests run bin/tradectl), run the Python bridge tests, then every node:test suite.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
};

let failed = run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"]) !== 0;
if (failed) process.exit(1);

if (existsSync("test/mt5-bridge")) {
  if (run("python3", ["-m", "unittest", "discover", "-s", "test/mt5-bridge", "-t", "test/mt5-bridge"]) !== 0) failed = true;
}

const files = process.argv.slice(2);
const code = run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", "--test-force-exit", ...(files.length ? files : ["test/**/*.test.ts"])]);
process.exit(failed || code !== 0 ? 1 : 0);
