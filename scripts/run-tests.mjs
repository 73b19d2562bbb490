#!/usr/bin/env node
// `npm test`: build dist/ (the CLI tests run bin/tradectl), run the Python bridge tests, then every node:test suite.
// A whole run takes about a minute; one that takes 20 is hung (a handle left open) and is stopped as a failure.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const HUNG_AFTER_MS = 20 * 60_000;

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", timeout: HUNG_AFTER_MS, killSignal: "SIGKILL" });
  if (r.error) {
    console.error(`run-tests: ${cmd} ${args.join(" ")}: ${r.error.message}`);
    return 1;
  }
  if (r.signal) {
    console.error(`run-tests: ${cmd} stopped by ${r.signal} (still running after ${HUNG_AFTER_MS / 60_000} minutes)`);
    return 1;
  }
  return r.status ?? 1;
};

if (run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"]) !== 0) process.exit(1);

let failed = false;
if (existsSync("test/mt5-bridge")) {
  if (run("python3", ["-m", "unittest", "discover", "-s", "test/mt5-bridge", "-t", "test/mt5-bridge"]) !== 0) failed = true;
}

const files = process.argv.slice(2);
const code = run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...(files.length ? files : ["test/**/*.test.ts"])]);
process.exit(failed || code !== 0 ? 1 : 0);
