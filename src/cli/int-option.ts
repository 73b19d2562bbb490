/** A whole-number option, checked before anything is sent: an integer from `min` to `max`, else a usage error (exit 2). */
import { UsageError } from "./errors.js";

export function intOption(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${raw}`);
  return n;
}
