/** The raw alert as it is journaled: the passphrase value removed, whether or not the body is valid JSON. */
import { REDACTED } from "../log/redact.js";

const PASSPHRASE_JSON = /("passphrase"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)/gi;

export function redactRawBody(raw: string): string {
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = { ...(v as Record<string, unknown>) };
      if ("passphrase" in o) o.passphrase = REDACTED;
      return JSON.stringify(o);
    }
  } catch {
    // not JSON: fall through to the pattern, which also catches a passphrase in a truncated or broken body
  }
  return raw.replace(PASSPHRASE_JSON, `$1"${REDACTED}"`);
}
