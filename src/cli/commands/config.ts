/** `tradectl config get [KEY] | set KEY VALUE | unset KEY | path`: config.json, checked against the schema. */
import { ConfigStore, parseConfigValue } from "../../config/store.js";
import { resolvePaths } from "../../config/paths.js";
import { UsageError } from "../errors.js";
import type { GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const paths = resolvePaths(opts.home);
  const [action, key, value] = args;
  if (action === "path") {
    process.stdout.write(`${paths.configFile}\n`);
    return;
  }
  const store = new ConfigStore(paths.configFile);
  if (action === "get") {
    const v = key ? store.get(key) : store.read();
    if (v === undefined) throw new UsageError(`unknown config key: ${key}`);
    if (typeof v === "object" || opts.json) return printJson(v);
    process.stdout.write(`${String(v)}\n`);
    return;
  }
  if (action === "set") {
    if (!key || value === undefined) throw new UsageError("config set needs KEY and VALUE");
    store.set(key, parseConfigValue(value));
    process.stdout.write(`${key} = ${JSON.stringify(store.get(key))}  (a running daemon applies live keys on SIGHUP; others at restart)\n`);
    return;
  }
  if (action === "unset") {
    if (!key) throw new UsageError("config unset needs KEY");
    store.unset(key);
    process.stdout.write(`${key} reset to its default\n`);
    return;
  }
  throw new UsageError(`unknown config action "${action}": use get, set, unset or path`);
}
