/** Errors answered in the seed's unified shape (status, message, error_code, details, request_id, timestamp, help_url). */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errorEnvelope } from "../domain/error-envelope.js";
import { isApiErrorCode, KIND_ANSWER, type ApiErrorCode, type FieldIssue, type TradectlError } from "../domain/errors.js";

export function errorBody(req: FastifyRequest, code: ApiErrorCode, message: string, details?: Record<string, unknown>, extra?: Record<string, unknown>) {
  return errorEnvelope({ requestId: req.id, code, message, now: Date.now(), details, extra });
}

export interface ErrorAnswer {
  status: number;
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  extra?: Record<string, unknown> | undefined;
}

/**
 * How the API answers an error: an API code with its own status; any other code as its kind's API code (ERRORS'
 * KIND_ANSWER), the code itself in details.code. An internal error says nothing more than that (it is logged).
 */
export function errorAnswer(err: TradectlError): ErrorAnswer {
  if (err.kind === "internal") return { status: 500, code: "INTERNAL_ERROR", message: "Internal server error" };
  const own = isApiErrorCode(err.code);
  const code = own ? (err.code as ApiErrorCode) : KIND_ANSWER[err.kind];
  const errors = err.errors ?? (code === "VALIDATION_ERROR" && err.status === 400 ? [fieldIssue(err)] : undefined);
  const extra = errors ? { errors } : undefined;
  return { status: err.status, code, message: err.message, details: own ? err.details : { ...err.details, code: err.code }, extra };
}

/** A 400 VALIDATION_ERROR always lists its fields (seed 2.1); one raised about a single field lists that one. */
function fieldIssue(err: TradectlError): FieldIssue {
  const field = err.details?.["field"];
  return { field: typeof field === "string" ? field : "body", message: err.message, ...(err.details && "value" in err.details ? { value: err.details["value"] } : {}) };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: TradectlError) {
  const a = errorAnswer(err);
  return reply.code(a.status).send(errorBody(req, a.code, a.message, a.details, a.extra));
}

export function success<T>(data: T, message?: string) {
  return message === undefined ? { status: "success" as const, data } : { status: "success" as const, message, data };
}
