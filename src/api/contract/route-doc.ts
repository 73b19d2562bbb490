/**
 * How a route states its contract: a fastify route schema (`querystring`, `params`, `response`) plus the OpenAPI
 * words (summary, tags, security, the request body). The OpenAPI document is generated from these (./openapi.ts)
 * and the contract test validates every route's real answers against them; nothing else describes a route.
 *
 * The request body is stated as `requestBody`, not fastify's `body`: each route reads its body itself (TradingView's
 * text/plain, the webhook's passphrase before any field error), with the same schema objects where one exists.
 * Response schemas never shape an answer: app.ts serialises with JSON.stringify, so a schema cannot drop a field.
 */
import { ERRORS, type ApiErrorCode, type HttpStatusOf } from "../../domain/errors.js";
import { ErrorResponseSchema, ValidationErrorResponseSchema, type JsonSchema } from "../../webhook/schemas.js";

export interface MediaDoc {
  schema: JsonSchema;
  example?: unknown;
}

export interface ResponseDoc {
  description: string;
  content: Record<string, MediaDoc>;
  headers?: Record<string, JsonSchema>;
}

export interface RequestBodyDoc {
  required: boolean;
  description?: string;
  content: Record<string, MediaDoc>;
}

/** The schema fastify keeps on the route (`routeOptions.schema`). */
export interface RouteSchema {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** "apiKey": a bearer API key (the public port's read routes); otherwise none beyond what `description` says. */
  security: "apiKey" | "none";
  querystring?: JsonSchema;
  params?: JsonSchema;
  requestBody?: RequestBodyDoc;
  response: Record<string, ResponseDoc>;
}

/** A refusal a route answers: a code at its usual status, or [code, one of its other statuses]. */
export type Refusal = ApiErrorCode | { [C in ApiErrorCode]: readonly [C, HttpStatusOf<C>] }[ApiErrorCode];

export interface RouteDocInput extends Omit<RouteSchema, "response" | "security"> {
  security?: RouteSchema["security"];
  /** The answers that are not refusals, by status. */
  answers: Record<number, ResponseDoc>;
  /** Every refusal the route can answer; INTERNAL_ERROR (500) is added to every route. */
  refuses?: readonly Refusal[];
  /** A browser (Accept: text/html) gets each answer and refusal as an HTML page instead (the relay's invitations). */
  htmlPages?: boolean;
}

export const RATE_LIMIT_HEADERS: Record<string, JsonSchema> = {
  "X-RateLimit-Limit": { description: "Requests allowed in the window.", schema: { type: "integer" } },
  "X-RateLimit-Remaining": { description: "Requests left in the window.", schema: { type: "integer" } },
  "X-RateLimit-Reset": { description: "Unix seconds when the window resets.", schema: { type: "integer" } },
};
const RETRY_AFTER: Record<string, JsonSchema> = { "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } } };

export function json(schema: JsonSchema, description: string, headers?: Record<string, JsonSchema>): ResponseDoc {
  return { description, content: { "application/json": { schema } }, ...(headers ? { headers } : {}) };
}

/** An answer that is not JSON (HTML, Prometheus text, an event stream): its media type and what it holds. */
export function media(type: string, description: string): ResponseDoc {
  return { description, content: { [type]: { schema: { type: "string" } } } };
}

/** A JSON request body (also taken as text/plain holding JSON, as every route here reads its body). */
export function jsonBody(schema: JsonSchema, required: boolean, example?: unknown): RequestBodyDoc {
  return { required, content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } } };
}

/**
 * The error envelope answered at `status` with one of `codes`: ErrorResponse narrowed to those codes (a
 * VALIDATION_ERROR at 400 is the ValidationErrorResponse, with its field list).
 */
function refusalDoc(status: number, codes: ApiErrorCode[]): ResponseDoc {
  const base = status === 400 && codes.length === 1 && codes[0] === "VALIDATION_ERROR" ? ValidationErrorResponseSchema : ErrorResponseSchema;
  const schema = { allOf: [base, { type: "object", properties: { error_code: { type: "string", enum: codes } } }] };
  const headers = codes.includes("RATE_LIMIT_EXCEEDED") ? { ...RATE_LIMIT_HEADERS, ...RETRY_AFTER } : undefined;
  return json(schema, codes.join(" or "), headers);
}

/** Groups refusals by status; a status a code is never answered with (ERRORS) is a mistake in the route. */
export function refusalResponses(refusals: readonly Refusal[]): Record<number, ResponseDoc> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const r of [...refusals, "INTERNAL_ERROR" as const]) {
    const [code, status] = typeof r === "string" ? [r, ERRORS[r].http[0]] : r;
    if (!(ERRORS[code].http as readonly number[]).includes(status)) throw new Error(`${code} is never answered with ${status} (domain/errors.ts)`);
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, refusalDoc(status, codes)]));
}

export function routeDoc(input: RouteDocInput): { schema: RouteSchema } {
  const { answers, refuses = [], security = "none", htmlPages = false, ...rest } = input;
  const response: Record<string, ResponseDoc> = { ...answers, ...refusalResponses(refuses) };
  if (htmlPages) for (const [status, r] of Object.entries(response)) if (status !== "500") response[status] = { ...r, content: { ...r.content, "text/html": { schema: { type: "string" } } } };
  return { schema: { ...rest, security, response } };
}
