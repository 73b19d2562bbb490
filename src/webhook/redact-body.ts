/** The raw alert as it is journaled: the passphrase value removed, whether or not the body is valid JSON. */
import { REDACTED } from "../log/redact.js";

const PASSPHRASE_JSON = /("passphrase"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)/gi;

/**
 * `parsed` is the body as the webhook already parsed it, when it parsed: it is not parsed again. Otherwise the
 * pattern also catches a passphrase in a truncated or broken body.
 */
export function redactRawBody(raw: string, parsed?: Record<string, unknown>): string {
  if (parsed) return JSON.stringify("passphrase" in parsed ? { ...parsed, passphrase: REDACTED } : parsed);
  return raw.replace(PASSPHRASE_JSON, `$1"${REDACTED}"`);
}
