/** `tradectl config get [KEY] | set KEY VALUE | unset KEY | path`: config.json, checked against the schema. */
import { ConfigStore, parseConfigValue } from "../../config/store.js";
import { allowedValues, schemaAt } from "../../config/keys.js";
import { resolvePaths } from "../../config/paths.js";
import { TradectlError } from "../../domain/errors.js";
import type { GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

const SEE = "see `man 5 tradectl.conf` for every key";

export async function run(args: string[], opts: GlobalOptions): Promise<void> {
  const paths = resolvePaths(opts.home);
  const [action, key, value] = args;
  if (action === "path") {
    if (opts.json) return printJson({ path: paths.configFile });
    process.stdout.write(`${paths.configFile}\n`);
    return;
  }
  if (key !== undefined && !schemaAt(key)) throw new TradectlError("USAGE", `unknown config key: ${key} (${SEE})`);
  const store = new ConfigStore(paths.configFile);
  if (action === "get") {
    const v = key ? store.get(key) : store.read();
    if (v === undefined) throw new TradectlError("CONFIG_NOT_SET", `${key} is not set`);
    if (typeof v === "object" || opts.json) return printJson(v);
    process.stdout.write(`${String(v)}\n`);
    return;
  }
  if (action === "set") {
    if (!key || value === undefined) throw new TradectlError("USAGE", "config set needs KEY and VALUE");
    try {
      store.set(key, parseConfigValue(value));
    } catch (err) {
      const allowed = allowedValues(key);
      if (err instanceof TradectlError && err.code === "CONFIG_VALUE_INVALID" && allowed) throw new TradectlError("CONFIG_VALUE_INVALID", `${err.message}; ${key} takes ${allowed}`, { cause: err });
      throw err;
    }
    if (opts.json) return printJson({ key, value: store.get(key) });
    process.stdout.write(`${key} = ${JSON.stringify(store.get(key))}  (a running daemon applies live keys on SIGHUP; others at restart)\n`);
    return;
  }
  if (action === "unset") {
    if (!key) throw new TradectlError("USAGE", "config unset needs KEY");
    store.unset(key);
    if (opts.json) return printJson({ key, value: store.get(key) ?? null });
    process.stdout.write(`${key} reset to its default (${JSON.stringify(store.get(key) ?? null)})\n`);
    return;
  }
  throw new TradectlError("USAGE", `unknown config action "${action}": use get, set, unset or path`);
}
