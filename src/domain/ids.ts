/**
 * Ids of rows the journal writes on every alert (signals, events), laid out as UUIDv7 (RFC 9562): the millisecond
 * time first, then randomness. A journal index over them grows at its right edge, one page per commit; a random
 * id lands on a random page of the index, and every commit rewrites that page as well (on this daemon's hot path,
 * about 40 of the 80 pages an event batch used to write). The random part comes from Node's randomUUID, which
 * draws from a cached entropy pool: several times cheaper per id than a fresh randomFill.
 */
import { randomUUID } from "node:crypto";

/** `prefix` + 32 hex digits: 12 of Unix milliseconds, the version digit 7, then 19 from randomUUID (74 random bits and the variant): `sig_019a…`. */
export function timeOrderedId(prefix: string): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: its last 19 hex digits (the variant included) are kept
  return `${prefix}${Date.now().toString(16).padStart(12, "0")}7${random.slice(15, 18)}${random.slice(19, 23)}${random.slice(24)}`;
}
