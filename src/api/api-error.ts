/** Errors answered in the seed's unified shape (status, message, error_code, details, request_id, timestamp, help_url). */
import type { FastifyReply, FastifyRequest } from "fastify";

export type ErrorCode =
  | "AUTH_FAILED"
  | "VALIDATION_ERROR"
  | "RISK_LIMIT_EXCEEDED"
  | "NOT_FOUND"
  | "RATE_LIMIT_EXCEEDED"
  | "INTERNAL_ERROR"
  | "SERVICE_UNAVAILABLE"
  | "IP_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "ORDER_REJECTED"
  | "METHOD_NOT_ALLOWED";

/** Where each error is explained: the man page section of the same name. */
export const HELP_BASE = "https://github.com/tradectl/tradectl/blob/main/man/tradectl-errors.7.md";

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(req: FastifyRequest, code: ErrorCode, message: string, details?: Record<string, unknown>, extra?: Record<string, unknown>) {
  return {
    status: "error" as const,
    message,
    error_code: code,
    ...(extra ?? {}),
    ...(details ? { details } : {}),
    request_id: req.id,
    timestamp: new Date().toISOString(),
    help_url: `${HELP_BASE}#${code.toLowerCase().replace(/_/g, "-")}`,
  };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError) {
  return reply.code(err.statusCode).send(errorBody(req, err.errorCode, err.message, err.details, err.extra));
}

export function success<T>(data: T, message?: string) {
  return message === undefined ? { status: "success" as const, data } : { status: "success" as const, message, data };
}
