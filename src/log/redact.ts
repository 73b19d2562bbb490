/** Removes secrets from anything about to be logged or stored: sensitive keys at any depth, and known secret values inside strings. */

const SENSITIVE_KEY = /passphrase|password|api[_-]?key|token|authorization|secret|cookie/i;
export const REDACTED = "[REDACTED]";

export class Redactor {
  private values: string[] = [];

  /** Registers secret values (passphrases, tokens) so they are masked wherever they appear in a string. */
  addSecretValues(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= 6 && !this.values.includes(v)) this.values.push(v);
  }

  redact<T>(value: T): T {
    return this.walk(value, new WeakSet()) as T;
  }

  redactString(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }

  private walk(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === "string") return this.redactString(value);
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[Circular]";
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, seen));
    if (value instanceof Error) {
      return { name: value.name, message: this.redactString(value.message), stack: value.stack && this.redactString(value.stack) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE_KEY.test(k) ? REDACTED : this.walk(v, seen);
    return out;
  }
}
