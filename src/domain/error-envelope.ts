/** The seed's unified error body (4.2); every error answer of the HTTP API and the socket is built here. */

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
  code: string;
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
