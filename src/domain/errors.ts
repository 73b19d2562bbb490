/**
 * The one error root of the daemon and the CLI. Every error tradectl raises is a TradectlError whose `code` is one of
 * ERRORS below: one table that says, per code, its kind, the HTTP status(es) the API answers it with, and the CLI's
 * exit code. The API's error handler (api/app.ts) and the CLI's boundary (cli/main.ts) read this table; nothing else
 * maps an error to a status or an exit code.
 *
 * Kinds, by what happens next (freqtrade's exceptions.py):
 * - rejected: final; tell the caller why (4xx);
 * - temporary: may clear by itself; p-retry retries these and only these (503);
 * - internal: tradectl cannot go on safely (misconfiguration, a broken journal, an outcome nobody can tell, a bug):
 *   stop and alert (500).
 *
 * Where the line is: codes of other systems are data, not error codes. An MT5 retcode name or the bridge's own code
 * ("MT5_MARKET_CLOSED", "MT5_UNAVAILABLE") travels in `details.broker_code` and is what orders.error_code records
 * (see brokerCode); a notification service's code ("TELEGRAM_403") in DeliveryError.channelCode; a refusal reason of
 * admission ("kill_switch", "risk") is an outcome, answered with an API code, never thrown. None of those is in ERRORS.
 */

/** What the caller does next: give up and say why, retry later, or stop and alert. */
export type ErrorKind = "rejected" | "temporary" | "internal";

interface CodeSpec {
  kind: ErrorKind;
  /** The HTTP statuses the API answers this code with, the usual one first. Only the API's own codes have them. */
  http?: readonly number[];
  /** The CLI's exit code (default 1): 2 a usage error, 3 the daemon (or webhook) not reachable. */
  exit?: 2 | 3;
}

export const ERRORS = {
  // ---- The HTTP API's codes (the seed's first, then ours): each has its section in tradectl-api(7), where its
  // help_url points.
  AUTH_FAILED: { kind: "rejected", http: [401] },
  /** 415: a body that is neither JSON nor text; 422: a relayed signal too small to trade after sizing. */
  VALIDATION_ERROR: { kind: "rejected", http: [400, 415, 422] },
  RISK_LIMIT_EXCEEDED: { kind: "rejected", http: [403] },
  NOT_FOUND: { kind: "rejected", http: [404] },
  RATE_LIMIT_EXCEEDED: { kind: "rejected", http: [429] },
  INTERNAL_ERROR: { kind: "internal", http: [500] },
  /** 502: a relay peer (the sender of an invitation) could not be reached or answered nonsense. */
  SERVICE_UNAVAILABLE: { kind: "temporary", http: [503, 502] },
  IP_NOT_ALLOWED: { kind: "rejected", http: [403] },
  PAYLOAD_TOO_LARGE: { kind: "rejected", http: [413] },
  ORDER_REJECTED: { kind: "rejected", http: [422] },
  METHOD_NOT_ALLOWED: { kind: "rejected", http: [405] },
  SIGNAL_EXPIRED: { kind: "rejected", http: [422] },
  INVITATION_EXPIRED: { kind: "rejected", http: [410] },
  INVITATION_USED: { kind: "rejected", http: [409] },
  RELAY_PAUSED: { kind: "rejected", http: [409] },
  // the HTTP request itself, refused before any route (api/protocol-errors.ts)
  MALFORMED_REQUEST: { kind: "rejected", http: [400] },
  REQUEST_TIMEOUT: { kind: "rejected", http: [408] },
  URI_TOO_LONG: { kind: "rejected", http: [414] },
  HEADERS_TOO_LARGE: { kind: "rejected", http: [431] },
  EXPECTATION_FAILED: { kind: "rejected", http: [417] },

  // ---- Raised inside the daemon and the CLI, never an API error_code: one that reaches a route is answered as its
  // kind's API code (KIND_ANSWER), with the code itself in details.code.
  // configuration and start
  CONFIG_INVALID: { kind: "internal" },
  CONFIG_UNKNOWN_KEY: { kind: "rejected", exit: 2 },
  CONFIG_VALUE_INVALID: { kind: "rejected", exit: 2 },
  CONFIG_NOT_SET: { kind: "rejected" },
  FEED_CONFIG: { kind: "internal" },
  SECRET_MISSING: { kind: "internal" },
  SECRET_INVALID: { kind: "internal" },
  SECRET_UNREADABLE: { kind: "internal" },
  DAEMON_ALREADY_RUNNING: { kind: "internal" },
  DAEMON_LOCK_FAILED: { kind: "internal" },
  // the journal
  JOURNAL_MISSING: { kind: "internal" },
  JOURNAL_UNAVAILABLE: { kind: "internal" },
  JOURNAL_SYNC_FAILED: { kind: "internal" },
  // price and event streams
  FEED_NETWORK: { kind: "temporary" },
  FEED_CONNECTION_ENDED: { kind: "temporary" },
  FEED_GAP_FILL: { kind: "temporary" },
  FEED_AUTH: { kind: "rejected" },
  // the broker (the broker's own code in details.broker_code)
  BROKER_REFUSED: { kind: "rejected" },
  BROKER_UNAVAILABLE: { kind: "temporary" },
  BROKER_OUTCOME_UNKNOWN: { kind: "internal" },
  BRIDGE_TIMEOUT: { kind: "temporary" },
  BRIDGE_UNREACHABLE: { kind: "temporary" },
  BRIDGE_AUTH_FAILED: { kind: "internal" },
  // the relay's deliveries, as a sender
  RELAY_UNAVAILABLE: { kind: "temporary" },
  RELAY_REFUSED: { kind: "rejected" },
  // notification channels (the service's own code in DeliveryError.channelCode)
  NOTIFY_UNAVAILABLE: { kind: "temporary" },
  NOTIFY_REFUSED: { kind: "rejected" },
  // the CLI
  USAGE: { kind: "rejected", exit: 2 },
  DAEMON_UNREACHABLE: { kind: "temporary", exit: 3 },
  WEBHOOK_UNREACHABLE: { kind: "temporary", exit: 3 },
  DAEMON_TIMEOUT: { kind: "temporary" },
  BAD_RESPONSE: { kind: "internal" },
  NO_RATE_HISTORY: { kind: "rejected" },
  WOULD_NOT_EXECUTE: { kind: "rejected" },
  DOCTOR_FAILED: { kind: "rejected" },
  NOTIFY_TEST_FAILED: { kind: "rejected" },
  MAIL_FAILED: { kind: "temporary" },
  PASSWORD_MISMATCH: { kind: "rejected" },
  CANCELLED: { kind: "rejected" },
  OUTPUT_FAILED: { kind: "internal" },
} as const satisfies Record<string, CodeSpec>;

type Table = typeof ERRORS;
export type ErrorCode = keyof Table;
/** The codes the HTTP API answers with (error_code of the error envelope). */
export type ApiErrorCode = { [C in ErrorCode]: Table[C] extends { http: readonly number[] } ? C : never }[ErrorCode];
/** The HTTP statuses code C may be answered with. */
export type HttpStatusOf<C extends ErrorCode> = Table[C] extends { http: readonly (infer S)[] } ? S : never;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];
export const API_ERROR_CODES = ERROR_CODES.filter((c): c is ApiErrorCode => "http" in ERRORS[c]);

/** How a code outside the API is answered when one reaches a route: by its kind. */
export const KIND_ANSWER = { rejected: "VALIDATION_ERROR", temporary: "SERVICE_UNAVAILABLE", internal: "INTERNAL_ERROR" } as const satisfies Record<ErrorKind, ApiErrorCode>;

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === "string" && Object.hasOwn(ERRORS, v);
}

export function isApiErrorCode(v: unknown): v is ApiErrorCode {
  return isErrorCode(v) && "http" in ERRORS[v];
}

/** The statuses the API may answer `code` with (an API code's own; any other code's kind answer's). */
export function httpStatuses(code: ErrorCode): readonly number[] {
  const spec: CodeSpec = ERRORS[code];
  return spec.http ?? ERRORS[KIND_ANSWER[spec.kind]].http;
}

export function exitCodeOf(code: ErrorCode): 1 | 2 | 3 {
  const spec: CodeSpec = ERRORS[code];
  return spec.exit ?? 1;
}

/** One field the API refused, in the seed's shape (the `errors` list of a VALIDATION_ERROR). */
export interface FieldIssue {
  field: string;
  message: string;
  value?: unknown;
}

export interface ErrorOptions<C extends ErrorCode> {
  cause?: unknown;
  details?: Record<string, unknown> | undefined;
  /** Every failing field, for a VALIDATION_ERROR (the envelope's `errors`). */
  errors?: readonly FieldIssue[] | undefined;
  /** One of the code's other statuses (VALIDATION_ERROR's 415); default: its usual one. */
  status?: HttpStatusOf<C> | undefined;
}

export class TradectlError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly kind: ErrorKind;
  /** The HTTP status the API answers this error with. */
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly errors: readonly FieldIssue[] | undefined;

  constructor(code: C, message: string, opts: ErrorOptions<C> = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TradectlError";
    this.code = code;
    this.kind = ERRORS[code].kind;
    const statuses = httpStatuses(code);
    const asked = opts.status as number | undefined;
    this.status = asked !== undefined && statuses.includes(asked) ? asked : statuses[0]!;
    this.details = opts.details;
    this.errors = opts.errors;
  }
}

/** Whether p-retry may try again after `err`. */
export function isTemporary(err: unknown): err is TradectlError {
  return err instanceof TradectlError && err.kind === "temporary";
}

/** The broker refused for good, or could not serve for now; `brokerCode` (its own code, data) in details.broker_code. */
export function brokerError(what: "refused" | "unavailable", brokerCode: string, message: string, details?: Record<string, unknown>): TradectlError {
  return new TradectlError(what === "refused" ? "BROKER_REFUSED" : "BROKER_UNAVAILABLE", message, { details: { ...details, broker_code: brokerCode } });
}

/** The broker's own code of a broker error (what orders.error_code records), else the error's code. */
export function brokerCode(err: TradectlError): string {
  const own = err.details?.["broker_code"];
  return typeof own === "string" ? own : err.code;
}
