/** Errors answered in the seed's unified shape (status, message, error_code, details, request_id, timestamp, help_url). */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errorEnvelope } from "../domain/error-envelope.js";
import { ERROR_CODES as SEED_ERROR_CODES } from "../webhook/schemas.js";

/** Every error code the API answers with (the seed's, then ours); each is explained in tradectl-api(7) at the anchor its help_url names. */
export const ERROR_CODES = [...SEED_ERROR_CODES, "IP_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "ORDER_REJECTED", "METHOD_NOT_ALLOWED", "SIGNAL_EXPIRED", "INVITATION_EXPIRED", "INVITATION_USED", "RELAY_PAUSED",
  // the HTTP request itself, refused before any route (./protocol-errors.ts)
  "MALFORMED_REQUEST", "REQUEST_TIMEOUT", "URI_TOO_LONG", "HEADERS_TOO_LARGE", "EXPECTATION_FAILED"] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

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
