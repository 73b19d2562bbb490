/**
 * The webhook passphrase: WEBHOOK_SECRET (≥ 20 chars) from the environment or WEBHOOK_SECRET_FILE.
 * Paper mode without one generates a passphrase once and keeps it in a 0600 file in the home;
 * live mode (mt5) refuses to start without it and without ADMIN_PASSWORD_HASH (a bcrypt hash).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { TradectlError } from "../domain/errors.js";
import { readSecret } from "../config/secrets.js";

export const MIN_SECRET_LENGTH = 20;

export interface WebhookSecrets {
  current: string;
  previous: string | null;
  previousUntil: number | null;
  /** Set when the passphrase was generated into this file (paper mode). */
  generatedFile: string | null;
}

/** A bcrypt hash as `tradectl hash-password` (bcryptjs) and other bcrypt tools write it: $2a$/$2b$/$2y$, cost 04-31, salt and hash. */
export function isBcryptHash(value: string): boolean {
  const m = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/.exec(value);
  return m !== null && Number(m[1]) >= 4 && Number(m[1]) <= 31;
}

export function resolveWebhookSecrets(opts: { live: boolean; passphraseFile: string; env?: NodeJS.ProcessEnv }): WebhookSecrets {
  const env = opts.env ?? process.env;
  const given = readSecret("WEBHOOK_SECRET", env);
  if (opts.live) {
    if (!given) throw new TradectlError("SECRET_MISSING", "live mode (broker.kind=mt5) needs WEBHOOK_SECRET (at least 20 characters) in the environment or WEBHOOK_SECRET_FILE");
    const adminHash = readSecret("ADMIN_PASSWORD_HASH", env);
    if (!adminHash) throw new TradectlError("SECRET_MISSING", "live mode (broker.kind=mt5) needs ADMIN_PASSWORD_HASH (make one with `tradectl hash-password`)");
    // A plain password here would make every admin route refuse every password, the kill switch's included.
    if (!isBcryptHash(adminHash)) {
      throw new TradectlError("SECRET_INVALID", "ADMIN_PASSWORD_HASH is not a bcrypt hash ($2a$/$2b$/$2y$, cost, 53 characters): set the output of `tradectl hash-password`, not the password itself");
    }
  }
  if (given && given.length < MIN_SECRET_LENGTH) {
    throw new TradectlError("SECRET_INVALID", `WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it has ${given.length})`);
  }
  const previous = readSecret("WEBHOOK_SECRET_PREVIOUS", env) ?? null;
  const untilRaw = env.WEBHOOK_SECRET_PREVIOUS_UNTIL;
  const previousUntil = untilRaw ? Date.parse(untilRaw) : null;
  if (previous && (previousUntil === null || Number.isNaN(previousUntil))) {
    throw new TradectlError("CONFIG_INVALID", "WEBHOOK_SECRET_PREVIOUS needs WEBHOOK_SECRET_PREVIOUS_UNTIL (an ISO-8601 date) so the old passphrase stops working");
  }
  if (given) return { current: given, previous, previousUntil, generatedFile: null };
  if (!existsSync(opts.passphraseFile)) {
    writeFileSync(opts.passphraseFile, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  }
  chmodSync(opts.passphraseFile, 0o600);
  const current = readFileSync(opts.passphraseFile, "utf8").trim();
  return { current, previous, previousUntil, generatedFile: opts.passphraseFile };
}
