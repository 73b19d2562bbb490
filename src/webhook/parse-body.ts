/**
 * Raw webhook body → a JSON object. TradingView sends `application/json` when the alert message is
 * valid JSON and `text/plain` otherwise (and some users' messages are JSON it failed to detect), so
 * both are parsed as JSON. A missing Content-Type is treated the same way. Other media types are
 * refused. Parse errors never quote the body (it holds the passphrase): only a line and column. A body nesting
 * deeper than MAX_JSON_DEPTH is refused before it is parsed, so no later step can overflow the stack walking it.
 */
import type { FieldError } from "./field-error.js";
import { jsonErrorOffset } from "./json-error-offset.js";
import { jsonDepthExceeded, MAX_JSON_DEPTH } from "./json-depth.js";

export type ParseBodyFailure = "empty_body" | "unsupported_media_type" | "invalid_utf8" | "malformed_json" | "too_deep" | "not_an_object";

export type ParseBodyResult =
  | { ok: true; body: Record<string, unknown> }
  | {
      ok: false;
      reason: ParseBodyFailure;
      /** Suggested HTTP status: 415 for the media type, else 400 (error_code VALIDATION_ERROR). */
      status: 400 | 415;
      message: string;
      /** Ready for a ValidationErrorResponse: one entry, field "body" (or "content-type"). */
      errors: FieldError[];
    };

const JSON_MEDIA_TYPES = new Set(["application/json", "text/plain"]);

/** "application/json; charset=utf-8" → "application/json"; undefined/"" → null. */
export function mediaType(contentType: string | undefined | null): string | null {
  if (contentType === undefined || contentType === null) return null;
  const t = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return t === "" ? null : t;
}

function accepted(type: string | null): boolean {
  return type === null || JSON_MEDIA_TYPES.has(type) || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function fail(reason: ParseBodyFailure, message: string, field = "body", value: unknown = null): ParseBodyResult {
  return {
    ok: false,
    reason,
    status: reason === "unsupported_media_type" ? 415 : 400,
    message,
    errors: [{ field, message, value }],
  };
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** The failure for text nesting deeper than MAX_JSON_DEPTH, or null (shared with the admin and key routes' bodies). */
export function depthFailure(text: string): { message: string } | null {
  const offset = jsonDepthExceeded(text);
  if (offset < 0) return null;
  const { line, column } = lineColumn(text, offset);
  return { message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels at line ${line} column ${column}` };
}

export function parseBody(raw: string | Uint8Array, contentType: string | undefined | null): ParseBodyResult {
  const type = mediaType(contentType);
  if (!accepted(type)) {
    return fail(
      "unsupported_media_type",
      `Unsupported Content-Type ${type}: send application/json or text/plain holding JSON`,
      "content-type",
      type,
    );
  }
  let text: string;
  if (typeof raw === "string") {
    text = raw;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      return fail("invalid_utf8", "Body is not valid UTF-8");
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") return fail("empty_body", "Body is empty: expected a JSON object");

  const deep = depthFailure(text);
  if (deep) return fail("too_deep", deep.message);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's message may quote the input (and the passphrase): locate the error ourselves.
    const offset = jsonErrorOffset(text);
    let where = "";
    if (offset >= text.length) where = " (unexpected end of input)";
    else if (offset >= 0) {
      const { line, column } = lineColumn(text, offset);
      where = ` at line ${line} column ${column}`;
    }
    return fail("malformed_json", `Malformed JSON${where}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`;
    return fail("not_an_object", `Body must be a JSON object, got ${kind}`);
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}
