/** Parses a raw (string) body as a JSON object for the admin and key routes; an empty body is `{}`. */
import { TradectlError } from "../domain/errors.js";
import { depthFailure } from "../webhook/parse-body.js";

export function parseJsonObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === "") return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return raw as Record<string, unknown>;
  const text = String(raw);
  const deep = depthFailure(text);
  if (deep) throw new TradectlError("VALIDATION_ERROR", deep.message);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TradectlError("VALIDATION_ERROR", "Malformed JSON body");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TradectlError("VALIDATION_ERROR", "Body must be a JSON object");
  return v as Record<string, unknown>;
}
