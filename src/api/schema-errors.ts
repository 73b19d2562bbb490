/** A route schema's refusal (fastify's ajv errors) → the field list of a 400 VALIDATION_ERROR, as the webhook gives. */
import type { FieldError } from "../webhook/field-error.js";

export interface SchemaIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Where fastify found the data a schema refused (its `validationContext`) → the request property holding it. */
export const VALIDATION_SOURCES: Record<string, "query" | "params" | "body" | "headers"> = { querystring: "query", params: "params", body: "body", headers: "headers" };

const MAX_ECHO_CHARS = 100;

export function schemaErrors(issues: SchemaIssue[], input: unknown): FieldError[] {
  const data = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  return issues.map((i) => {
    const named = i.params?.["missingProperty"] ?? i.params?.["additionalProperty"];
    const field = i.instancePath.replace(/^\//, "").replace(/\//g, ".") || (typeof named === "string" ? named : "");
    const raw = Object.hasOwn(data, field) ? data[field] : null;
    const value = typeof raw === "string" && raw.length > MAX_ECHO_CHARS ? `${raw.slice(0, MAX_ECHO_CHARS)}…` : raw;
    return { field, message: `${field || "value"} ${i.message ?? "is invalid"}`, value };
  });
}
