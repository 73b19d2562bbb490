/** The seed's unified error body (4.2); every error answer of the HTTP API and the socket is built here. */
import { isApiErrorCode, TradectlError, type ApiErrorCode, type FieldIssue } from "./errors.js";

/** Where each error code is explained: the daemon serves man/tradectl-api.7 as HTML at this path. */
export const HELP_PATH = "/docs/errors";

const helpUrls = new Map<string, string>();

function helpUrl(code: string): string {
  let url = helpUrls.get(code);
  if (!url) helpUrls.set(code, (url = `${HELP_PATH}#${code.toLowerCase().replace(/_/g, "-")}`));
  return url;
}

export interface ErrorEnvelopeInput {
  requestId: string;
  code: ApiErrorCode;
  message: string;
  now: number;
  details?: Record<string, unknown> | undefined;
  /** Extra top-level fields, e.g. the validation error list `errors`. */
  extra?: Record<string, unknown> | undefined;
}

export function errorEnvelope(e: ErrorEnvelopeInput): Record<string, unknown> {
  return {
    status: "error",
    message: e.message,
    error_code: e.code,
    ...(e.extra ?? {}),
    ...(e.details ? { details: e.details } : {}),
    request_id: e.requestId,
    timestamp: new Date(e.now).toISOString(),
    help_url: helpUrl(e.code),
  };
}

/**
 * An error answer of the API (status and envelope) rebuilt as the typed error it was: how the CLI reads the socket's
 * and the webhook's refusals. A body that is not an envelope of ours is a BAD_RESPONSE.
 */
export function errorFromAnswer(status: number, body: unknown, what: string): TradectlError {
  const b = (typeof body === "object" && body !== null ? body : {}) as { error_code?: unknown; message?: unknown; details?: unknown; errors?: unknown };
  const message = typeof b.message === "string" ? b.message : `${what} answered ${status}`;
  const details = typeof b.details === "object" && b.details !== null ? (b.details as Record<string, unknown>) : undefined;
  const errors = Array.isArray(b.errors) ? (b.errors as FieldIssue[]) : undefined;
  if (!isApiErrorCode(b.error_code)) {
    return new TradectlError("BAD_RESPONSE", `${what} answered ${status} without an error code of tradectl: ${message}`, { details: { status, error_code: b.error_code ?? null } });
  }
  return new TradectlError(b.error_code, message, { status: status as never, details, errors });
}
