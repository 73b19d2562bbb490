/** The raw alert as it is journaled: the passphrase value removed, whether or not the body is valid JSON. */
import { REDACTED } from "../log/redact.js";

const PASSPHRASE_JSON = /("passphrase"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)/gi;

/**
 * `parsed` is the body as the webhook already parsed it, when it parsed: it is not parsed again. Otherwise the
 * pattern also catches a passphrase in a truncated or broken body. Never throws: it runs after an alert may have
 * been admitted, whose answer must not turn into a 500 (a value JSON cannot write falls back to the pattern).
 */
export function redactRawBody(raw: string, parsed?: Record<string, unknown>): string {
  if (parsed) {
    try {
      return JSON.stringify("passphrase" in parsed ? { ...parsed, passphrase: REDACTED } : parsed);
    } catch {
      // fall through to the pattern on the raw text
    }
  }
  return raw.replace(PASSPHRASE_JSON, `$1"${REDACTED}"`);
}
