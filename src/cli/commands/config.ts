/** `tradectl config get [KEY] | set KEY VALUE | unset KEY | path`: config.json, checked against the schema. */
import { ConfigStore, parseConfigValue } from "../../config/store.js";
import { allowedValues, schemaAt } from "../../config/keys.js";
import { resolvePaths } from "../../config/paths.js";
import { RejectedError } from "../../domain/errors.js";
import { CliError, UsageError } from "../errors.js";
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
  if (key !== undefined && !schemaAt(key)) throw new UsageError(`unknown config key: ${key} (${SEE})`);
  const store = new ConfigStore(paths.configFile);
  if (action === "get") {
    const v = key ? store.get(key) : store.read();
    if (v === undefined) throw new CliError(`${key} is not set`, 1, "CONFIG_NOT_SET");
    if (typeof v === "object" || opts.json) return printJson(v);
    process.stdout.write(`${String(v)}\n`);
    return;
  }
  if (action === "set") {
    if (!key || value === undefined) throw new UsageError("config set needs KEY and VALUE");
    try {
      store.set(key, parseConfigValue(value));
    } catch (err) {
      if (err instanceof RejectedError) {
        const allowed = allowedValues(key);
        throw new UsageError(`${err.message}${allowed ? `; ${key} takes ${allowed}` : ""}`);
      }
      throw err;
    }
    if (opts.json) return printJson({ key, value: store.get(key) });
    process.stdout.write(`${key} = ${JSON.stringify(store.get(key))}  (a running daemon applies live keys on SIGHUP; others at restart)\n`);
    return;
  }
  if (action === "unset") {
    if (!key) throw new UsageError("config unset needs KEY");
    store.unset(key);
    if (opts.json) return printJson({ key, value: store.get(key) ?? null });
    process.stdout.write(`${key} reset to its default (${JSON.stringify(store.get(key) ?? null)})\n`);
    return;
  }
  throw new UsageError(`unknown config action "${action}": use get, set, unset or path`);
}
