/** A relay operation's refusal (RelayError) answered in the API's error shape, with its status and code. */
import { RelayError } from "../../relay/relay-error.js";
import { ApiError } from "../api-error.js";

export async function relayCall<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RelayError) throw new ApiError(err.statusCode, err.errorCode, err.message, err.details);
    throw err;
  }
}
