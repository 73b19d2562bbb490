/**
 * How deeply JSON text nests, found before it is parsed. JSON.parse builds any depth, but every step after it that
 * walks the value (redaction for the journal, the validator's echo of a field, logging) recurses, and ~5,000 levels
 * fit in 10 KB: refusing deep bodies at the parse step keeps every later step safe. A single pass over the text,
 * skipping strings; it does not check the syntax (JSON.parse does).
 */

/** An alert is flat; 32 levels leave room for any structured `comment` a strategy sends. */
export const MAX_JSON_DEPTH = 32;

/** Offset of the bracket that opens level `max + 1`, or -1 when `text` nests at most `max` levels. */
export function jsonDepthExceeded(text: string, max: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}
