/**
 * Ids of rows the journal writes on every alert (signals, events). They are UUIDv7 (RFC 9562): a millisecond
 * timestamp first, then randomness, increasing within the process. A journal index over them then grows at its
 * right edge, one page per commit; a random id lands on a random page of the index, and every commit rewrites that
 * page as well (on this daemon's hot path, about 40 of the 80 pages an event batch used to write).
 */
import { v7 as uuidv7 } from "uuid";

/** `prefix` + a UUIDv7 written as 32 hex digits: `sig_019a…`. */
export function timeOrderedId(prefix: string): string {
  return `${prefix}${uuidv7().replaceAll("-", "")}`;
}
