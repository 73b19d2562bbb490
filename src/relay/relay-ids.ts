/** Ids and one-time secrets of the relay. Secrets that only need checking are stored as their SHA-256. */
import { createHash, randomBytes } from "node:crypto";

export function randomId(prefix: string, bytes = 8): string {
  return `${prefix}${randomBytes(bytes).toString("hex")}`;
}

/** A one-time secret in URL-safe form (invitation tokens, channel passphrases). */
export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** Wall-clock ms with sub-millisecond precision, for hop stamps (decisions use the injected clock). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
