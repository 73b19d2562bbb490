/** Passphrase check (seed 3.1): constant-time, with the previous passphrase accepted until its cut-off (rotation). */
import { createHash, timingSafeEqual } from "node:crypto";

export interface PassphraseSecrets {
  current: string;
  previous: string | null;
  previousUntil: number | null;
}

/** Compares SHA-256 digests so neither the length nor the content leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

export function checkPassphrase(given: unknown, s: PassphraseSecrets, now: number): { ok: true } | { ok: false; message: string } {
  if (given === undefined || given === null || given === "") return { ok: false, message: "Missing passphrase" };
  if (typeof given !== "string") return { ok: false, message: "Invalid passphrase" };
  const current = constantTimeEqual(given, s.current);
  const previous = s.previous !== null && s.previousUntil !== null && now < s.previousUntil && constantTimeEqual(given, s.previous);
  return current || previous ? { ok: true } : { ok: false, message: "Invalid passphrase" };
}
