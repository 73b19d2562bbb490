/** A temp TRADECTL_HOME that removes itself, optionally with a config.json written first. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { defer } from "./defer.js";

export function tempHome(config?: Record<string, unknown>): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), "tradectl-test-"));
  if (config) writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** A temp TRADECTL_HOME for this test (with `config` written first), removed after it, after the daemons in it stop. */
export function testHome(t: TestContext, config?: Record<string, unknown>): string {
  const { home, cleanup } = tempHome(config);
  defer(t, cleanup);
  return home;
}
