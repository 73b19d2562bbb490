/** Passphrase check (seed 3.1): constant-time, with the previous passphrase accepted until its cut-off (rotation). */
import { createHash, timingSafeEqual } from "node:crypto";

export interface PassphraseSecrets {
  current: string;
  previous: string | null;
  previousUntil: number | null;
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * SHA-256 digests are compared, so neither the length nor the content leaks through timing; the expected
 * passphrases' digests are computed once, not on every request.
 */
const digests = new WeakMap<PassphraseSecrets, { current: Buffer; previous: Buffer | null }>();

export function checkPassphrase(given: unknown, s: PassphraseSecrets, now: number): { ok: true } | { ok: false; message: string } {
  if (given === undefined || given === null || given === "") return { ok: false, message: "Missing passphrase" };
  if (typeof given !== "string") return { ok: false, message: "Invalid passphrase" };
  let d = digests.get(s);
  if (!d) digests.set(s, (d = { current: sha256(s.current), previous: s.previous === null ? null : sha256(s.previous) }));
  const g = sha256(given);
  const current = timingSafeEqual(g, d.current);
  const previous = d.previous !== null && s.previousUntil !== null && now < s.previousUntil && timingSafeEqual(g, d.previous);
  return current || previous ? { ok: true } : { ok: false, message: "Invalid passphrase" };
}
