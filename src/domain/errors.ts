/**
 * One error base with a stable `code` and a consequence `kind`:
 * - temporary: retry with backoff (p-retry retries only these)
 * - rejected: final; tell the user why
 * - operational: stop and alert
 */
export type ErrorKind = "temporary" | "rejected" | "operational";

export class TradectlError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    opts: { kind?: ErrorKind; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TradectlError";
    this.code = code;
    this.kind = opts.kind ?? "rejected";
    this.details = opts.details;
  }
}

/** Thrown when a transient condition may clear on retry (timeouts, connection loss, requotes). */
export class TemporaryError extends TradectlError {
  constructor(code: string, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, { ...opts, kind: "temporary" });
    this.name = "TemporaryError";
  }
}

/** Thrown when a request is refused for good (validation, auth, a final broker retcode). */
export class RejectedError extends TradectlError {
  constructor(code: string, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, { ...opts, kind: "rejected" });
    this.name = "RejectedError";
  }
}

/** Thrown when the system cannot go on safely (misconfiguration, a second daemon, a broken journal). */
export class OperationalError extends TradectlError {
  constructor(code: string, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, { ...opts, kind: "operational" });
    this.name = "OperationalError";
  }
}
