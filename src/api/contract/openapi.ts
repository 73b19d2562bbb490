/**
 * The OpenAPI 3.0 document of an app (the public port's, or the control socket's), generated from its registered
 * routes: each route's schema (./route-doc.ts) is the only description of it. Served as GET /openapi.json.
 */
import { componentSchemas, TICKER_PATTERN, type JsonSchema } from "../../webhook/schemas.js";
import { routeComponentSchemas } from "./schemas.js";
import type { RequestBodyDoc, ResponseDoc, RouteSchema } from "./route-doc.js";

export interface OpenApiOptions {
  /** Base URL of this daemon, e.g. "http://127.0.0.1:8000". */
  serverUrl: string;
  /** Package version for info.version (default "1.0.0"). */
  version?: string;
  kind: "public" | "control";
}

/** A route as fastify registered it, with its schema. */
export interface DocumentedRoute {
  method: string;
  url: string;
  schema: RouteSchema;
}

export type OpenApiDocument = { openapi: string; [key: string]: unknown };

const COMPONENTS: Record<string, JsonSchema> = { ...componentSchemas, ...routeComponentSchemas };
const COMPONENT_NAME = new Map<JsonSchema, string>(Object.entries(COMPONENTS).map(([name, s]) => [s, name]));

function isPlainObject(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Rewrites a draft-07 schema into OpenAPI 3.0's dialect:
 * numeric exclusiveMinimum/Maximum → minimum/maximum + boolean; `["T","null"]` → `T` + nullable;
 * several types → anyOf; `const` → one-value enum; `$schema`/`$id` dropped; a nested schema that
 * is a registered component → `$ref`. Never mutates its input.
 */
export function toOpenApi30(schema: JsonSchema, opts: { root?: boolean } = {}): JsonSchema {
  const name = COMPONENT_NAME.get(schema);
  if (name !== undefined && opts.root !== true) return { $ref: `#/components/schemas/${name}` };
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case "$schema":
      case "$id":
        break;
      case "exclusiveMinimum":
      case "exclusiveMaximum":
        if (typeof value === "number") {
          out[key === "exclusiveMinimum" ? "minimum" : "maximum"] = value;
          out[key] = true;
        } else out[key] = value;
        break;
      case "const":
        out["enum"] = [value];
        break;
      case "type":
        if (Array.isArray(value)) {
          const types = value.filter((t) => t !== "null");
          if (types.length !== value.length) out["nullable"] = true;
          if (types.length === 1) out["type"] = types[0];
          else out["anyOf"] = types.map((t) => ({ type: t }));
        } else out[key] = value;
        break;
      case "properties":
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOpenApi30(v)]),
        );
        break;
      case "items":
      case "not":
        out[key] = isPlainObject(value) ? toOpenApi30(value) : value;
        break;
      case "additionalProperties":
        out[key] = isPlainObject(value) ? toOpenApi30(value) : value;
        break;
      case "anyOf":
      case "oneOf":
      case "allOf":
        out[key] = (value as JsonSchema[]).map((v) => toOpenApi30(v));
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

/** Query parameters from an object schema (one parameter per property). */
export function queryParameters(schema: JsonSchema): JsonSchema[] {
  const props = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema["required"] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = toOpenApi30(s);
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}


const TAGS: Record<string, string> = {
  Webhook: "TradingView alerts (passphrase in the body)",
  System: "Health, state and this document",
  Orders: "Orders and positions",
  Admin: "Kill switch (admin password in the body on the public port)",
  Market: "Quotes, rates and events (socket)",
  Keys: "API keys (socket)",
  Relay: "Signal relay: channels, invitations, deliveries",
  Notify: "Notification channels and metrics (socket)",
};

const PROTOCOL_REFUSALS =
  "Any request may also be refused before it reaches a route, in the same error shape: 400 MALFORMED_REQUEST, 404 NOT_FOUND (no such route), 408 REQUEST_TIMEOUT, 413 PAYLOAD_TOO_LARGE (bodies over 1 MB), 414 URI_TOO_LONG, 415 VALIDATION_ERROR (a body that is neither JSON nor text), 417 EXPECTATION_FAILED, 431 HEADERS_TOO_LARGE.";

const REQUEST_ID = { $ref: "#/components/parameters/RequestId" };

function media(content: Record<string, { schema: JsonSchema; example?: unknown }>): JsonSchema {
  return Object.fromEntries(Object.entries(content).map(([type, m]) => [type, { ...m, schema: toOpenApi30(m.schema) }]));
}

function response(r: ResponseDoc): JsonSchema {
  return { description: r.description, ...(r.headers ? { headers: r.headers } : {}), content: media(r.content) };
}

function requestBody(b: RequestBodyDoc): JsonSchema {
  return { required: b.required, ...(b.description ? { description: b.description } : {}), content: media(b.content) };
}

/** Path parameters: the route's params schema, else each `:name` of its URL as a string. */
function pathParameters(route: DocumentedRoute): JsonSchema[] {
  const declared = (route.schema.params?.["properties"] ?? {}) as Record<string, JsonSchema>;
  return [...route.url.matchAll(/:(\w+)/g)].map(([, name]) => {
    const { description, ...schema } = toOpenApi30(declared[name!] ?? { type: "string" });
    return { name, in: "path", required: true, ...(description === undefined ? {} : { description }), schema };
  });
}

function operation(route: DocumentedRoute): JsonSchema {
  const s = route.schema;
  return {
    tags: s.tags,
    operationId: s.operationId,
    summary: s.summary,
    ...(s.description ? { description: s.description } : {}),
    security: s.security === "apiKey" ? [{ apiKey: [] }] : [],
    parameters: [REQUEST_ID, ...pathParameters(route), ...(s.querystring ? queryParameters(s.querystring) : [])],
    ...(s.requestBody ? { requestBody: requestBody(s.requestBody) } : {}),
    responses: Object.fromEntries(Object.entries(s.response).sort(([a], [b]) => a.localeCompare(b)).map(([status, r]) => [status, response(r)])),
  };
}

/** The names of the components `node` refers to, and theirs, transitively. */
function referenced(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) referenced(n, into);
  else if (isPlainObject(node)) {
    const ref = node["$ref"];
    if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
      const name = ref.slice("#/components/schemas/".length);
      if (!into.has(name)) {
        into.add(name);
        referenced(toOpenApi30(COMPONENTS[name]!, { root: true }), into);
      }
    }
    for (const v of Object.values(node)) referenced(v, into);
  }
  return into;
}

export function buildOpenApi(routes: readonly DocumentedRoute[], opts: OpenApiOptions): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  const used = [...referenced(paths)].sort();
  const tags = [...new Set(routes.flatMap((r) => r.schema.tags))];
  const usesApiKey = routes.some((r) => r.schema.security === "apiKey");
  return {
    openapi: "3.0.3",
    info: {
      title: opts.kind === "public" ? "tradectl API" : "tradectl control socket",
      version: opts.version ?? "1.0.0",
      description:
        (opts.kind === "public"
          ? "TradingView webhook intake and control API of tradectl."
          : "The daemon's owner-only Unix socket: whoever can open it is the owner, so no route asks for a password or a key.") +
        ` Errors use one shape: {status, message, error_code, details, request_id, timestamp, help_url}. Tickers: TSE codes ("9984", "130A"; pattern ${TICKER_PATTERN}). ${PROTOCOL_REFUSALS}`,
    },
    servers: [{ url: opts.serverUrl }],
    tags: tags.map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      schemas: Object.fromEntries(used.map((name) => [name, toOpenApi30(COMPONENTS[name]!, { root: true })])),
      ...(usesApiKey
        ? {
            securitySchemes: {
              apiKey: {
                type: "http",
                scheme: "bearer",
                bearerFormat: "API_<base64 of 32 random bytes>",
                description: "`Authorization: Bearer API_…` (create with `tradectl keys create`; stored as a SHA-256 hash).",
              },
            },
          }
        : {}),
      parameters: {
        RequestId: {
          name: "X-Request-ID",
          in: "header",
          required: false,
          description: "Echoed as request_id; otherwise `req_` + 16 hex chars is generated.",
          schema: { type: "string", maxLength: 128 },
        },
      },
    },
  };
}
