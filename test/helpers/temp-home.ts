/** A temp TRADECTL_HOME that removes itself, optionally with a config.json written first. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempHome(config?: Record<string, unknown>): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), "tradectl-test-"));
  if (config) writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
