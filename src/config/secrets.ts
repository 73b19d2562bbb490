/** Secrets come from the environment or from a file named by `NAME_FILE` (systemd LoadCredential=). Never from config.json. */
import { readFileSync } from "node:fs";
import { TradectlError } from "../domain/errors.js";

export type SecretName =
  | "WEBHOOK_SECRET"
  | "WEBHOOK_SECRET_PREVIOUS"
  | "ADMIN_PASSWORD_HASH"
  | "RELAY_SMTP_PASSWORD"
  | "OANDA_TOKEN"
  | "MT5_BRIDGE_TOKEN"
  | "REDIS_PASSWORD"
  /** The whole Redis URL, password included; wins over `redis.url`. */
  | "REDIS_URL";

/** A secret by its variable's name: one of the daemon's own, or a notification channel's (`secretEnv`). */
export function readSecret(name: SecretName | (string & {}), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env[name];
  if (direct) return direct;
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (err) {
    throw new TradectlError("SECRET_UNREADABLE", `${name}_FILE names a file that cannot be read: ${file}`, { cause: err });
  }
}
