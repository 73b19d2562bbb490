/** A relay operation refused, with the HTTP status and the error code its route answers with. */
import { TradectlError } from "../domain/errors.js";

export type RelayErrorCode = "NOT_FOUND" | "VALIDATION_ERROR" | "AUTH_FAILED" | "INVITATION_EXPIRED" | "INVITATION_USED" | "RELAY_PAUSED" | "SERVICE_UNAVAILABLE";

export class RelayError extends TradectlError {
  constructor(
    readonly statusCode: number,
    code: RelayErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, { kind: statusCode >= 500 ? "temporary" : "rejected", ...(details ? { details } : {}) });
    this.name = "RelayError";
  }

  get errorCode(): RelayErrorCode {
    return this.code as RelayErrorCode;
  }
}
