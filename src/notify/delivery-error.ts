/**
 * Why a channel did not take a message, classified by what the sender does next:
 * - temporary: retried with backoff (timeouts, connection errors, 5xx);
 * - rate-limited: the channel said when to come back (429 retry_after): nothing else is sent to it before then;
 * - message: this message is refused for good (too long, malformed): its notifications are marked failed;
 * - channel: the channel itself is refused (bad token, unknown chat or webhook): the breaker opens, notifications wait.
 * Messages carry a status and the service's own short description, never a URL, a token or a request option.
 */
import { TradectlError } from "../domain/errors.js";

export type DeliveryFailure = "temporary" | "rate-limited" | "message" | "channel";

export class DeliveryError extends TradectlError<"NOTIFY_UNAVAILABLE" | "NOTIFY_REFUSED"> {
  constructor(
    readonly failure: DeliveryFailure,
    /** The service's own code, e.g. "TELEGRAM_403", "SMTP_550", "TIMEOUT": data, shown in the outbox's last_error. */
    readonly channelCode: string,
    message: string,
    /** For rate-limited: how long to stay away. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(failure === "temporary" || failure === "rate-limited" ? "NOTIFY_UNAVAILABLE" : "NOTIFY_REFUSED", message);
    this.name = "DeliveryError";
  }
}

/** Any error from a send, as a DeliveryError (an unexpected one is temporary: retrying is safe, the breaker bounds it). */
export function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { code?: unknown; name?: unknown };
  const code = typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "ERROR";
  return new DeliveryError("temporary", code, `send failed: ${code}`);
}

/** A failure by HTTP status when the service says nothing more specific. */
export function byStatus(status: number, code: string, message: string, retryAfterMs: number | null): DeliveryError {
  if (status === 429) return new DeliveryError("rate-limited", code, message, retryAfterMs ?? 1000);
  if (status === 408 || status === 425 || status >= 500) return new DeliveryError("temporary", code, message);
  if (status === 401 || status === 403 || status === 404 || status === 410) return new DeliveryError("channel", code, message);
  return new DeliveryError("message", code, message);
}
