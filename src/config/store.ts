/** config.json through conf: schema-checked reads and writes, defaults merged in on read. */
import { existsSync, mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import Conf from "conf";
import { TradectlError } from "../domain/errors.js";
import { deepMerge } from "./deep-merge.js";
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from "./schema.js";
import type { TradectlConfig } from "./types.js";

export class ConfigStore {
  private readonly conf: Conf<Record<string, unknown>>;

  constructor(readonly file: string) {
    // The same mode the daemon gives its home: config.json may name certificate paths and account ids.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      this.conf = new Conf({
        projectName: "tradectl",
        cwd: dirname(file),
        configName: basename(file, ".json"),
        schema: CONFIG_SCHEMA as never,
        accessPropertiesByDotNotation: true,
        clearInvalidConfig: false,
        configFileMode: 0o600,
      });
    } catch (err) {
      throw new TradectlError("CONFIG_INVALID", `${file} is invalid: ${reason(err)}`, { cause: err });
    }
  }

  /** The whole config, defaults filled in. */
  read(): TradectlConfig {
    return deepMerge(DEFAULT_CONFIG, this.conf.store);
  }

  get(key: string): unknown {
    return key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), this.read());
  }

  /** Sets KEY to VALUE after checking the schema; an invalid value is refused with the key and the reason. */
  set(key: string, value: unknown): void {
    if (!isKnownKey(key)) throw new TradectlError("CONFIG_UNKNOWN_KEY", `unknown config key: ${key}`);
    try {
      this.conf.set(key, value);
    } catch (err) {
      throw new TradectlError("CONFIG_VALUE_INVALID", `invalid value for ${key}: ${reason(err)}`, { cause: err });
    }
  }

  unset(key: string): void {
    this.conf.delete(key);
  }
}

/** A key is known when it is a path into the defaults, or below `instruments`/`feeds` (free-form maps/lists). */
function isKnownKey(key: string): boolean {
  const parts = key.split(".");
  if (parts[0] === "instruments" || parts[0] === "feeds") return true;
  let node: unknown = DEFAULT_CONFIG;
  for (const p of parts) {
    if (!node || typeof node !== "object" || !(p in node)) return false;
    node = (node as Record<string, unknown>)[p];
  }
  return true;
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/^Config schema violation: /, "");
}

/** Parses a CLI value: JSON when it parses (numbers, booleans, lists, objects), else the plain string. */
export function parseConfigValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The config of an instance without creating anything: the defaults when it has no config.json yet. */
export function readConfig(file: string): TradectlConfig {
  return existsSync(file) ? new ConfigStore(file).read() : structuredClone(DEFAULT_CONFIG);
}
