/** Errors answered in the seed's unified shape (status, message, error_code, details, request_id, timestamp, help_url). */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errorEnvelope } from "../domain/error-envelope.js";

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
  | "METHOD_NOT_ALLOWED"
  | "SIGNAL_EXPIRED"
  // the HTTP request itself, refused before any route (./protocol-errors.ts)
  | "MALFORMED_REQUEST"
  | "REQUEST_TIMEOUT"
  | "URI_TOO_LONG"
  | "HEADERS_TOO_LARGE"
  | "EXPECTATION_FAILED";

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
  return errorEnvelope({ requestId: req.id, code, message, now: Date.now(), details, extra });
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError) {
  return reply.code(err.statusCode).send(errorBody(req, err.errorCode, err.message, err.details, err.extra));
}

export function success<T>(data: T, message?: string) {
  return message === undefined ? { status: "success" as const, data } : { status: "success" as const, message, data };
}
