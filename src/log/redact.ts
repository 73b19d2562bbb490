/** Removes secrets from anything about to be logged or stored: sensitive keys at any depth, and known secret values inside strings. */

const SENSITIVE_KEY = /passphrase|password|api[_-]?key|token|authorization|secret|cookie/i;
export const REDACTED = "[REDACTED]";
/** Deeper values are replaced, not walked: a record nested thousands of levels must not overflow the stack. */
export const MAX_REDACT_DEPTH = 64;
export const TOO_DEEP = "[Too deep]";

/** Secrets shorter than this are not registered: they would mask ordinary words. */
const MIN_SECRET_CHARS = 6;

/**
 * The start of a secret that a string ends with (a body cut short, a clipped line) is masked from this length on:
 * shorter, it would mask ordinary words ("…through the bridge" when a token begins "bridge-").
 */
const CUT_SECRET_MIN_CHARS = 12;

/** A secret cut off at the end of a string still begins the secret: mask that start. */
function maskCutSecret(s: string, secret: string): string {
  if (secret.length <= CUT_SECRET_MIN_CHARS) return s;
  const head = secret.slice(0, CUT_SECRET_MIN_CHARS);
  for (let i = s.indexOf(head, Math.max(0, s.length - secret.length + 1)); i >= 0; i = s.indexOf(head, i + 1)) {
    if (secret.startsWith(s.slice(i))) return `${s.slice(0, i)}${REDACTED}`;
  }
  return s;
}

export class Redactor {
  private values: string[] = [];

  /** Registers secret values (passphrases, tokens) so they are masked wherever they appear in a string. */
  addSecretValues(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= MIN_SECRET_CHARS && !this.values.includes(v)) this.values.push(v);
  }

  redact<T>(value: T): T {
    return this.walk(value, new WeakSet(), 0) as T;
  }

  redactString(s: string): string {
    let out = s;
    for (const v of this.values) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
      out = maskCutSecret(out, v);
    }
    return out;
  }

  private walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
    if (typeof value === "string") return this.redactString(value);
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[Circular]";
    if (depth >= MAX_REDACT_DEPTH) return TOO_DEEP;
    if (value instanceof Error) {
      return { name: value.name, message: this.redactString(value.message), stack: value.stack && this.redactString(value.stack) };
    }
    // `seen` holds the values on the path from the root: a value met twice side by side is not a cycle.
    seen.add(value);
    let out: unknown;
    if (Array.isArray(value)) out = value.map((v) => this.walk(v, seen, depth + 1));
    else {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const clean = SENSITIVE_KEY.test(k) ? REDACTED : this.walk(v, seen, depth + 1);
        // A parsed "__proto__" key is an own property; assigning it would set the copy's prototype instead.
        if (k === "__proto__") Object.defineProperty(copy, k, { value: clean, enumerable: true, writable: true, configurable: true });
        else copy[k] = clean;
      }
      out = copy;
    }
    seen.delete(value);
    return out;
  }
}
