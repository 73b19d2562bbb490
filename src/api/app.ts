/**
 * Builds a fastify app; only the daemon listens. Two instances come from the same route plugins:
 * `public` (the webhook TCP port, API-key and password auth) and `control` (the 0600 Unix socket: its owner is trusted).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { httpStatuses, TradectlError } from "../domain/errors.js";
import { errorBody, sendError } from "./api-error.js";
import type { ApiDeps, AppKind } from "./deps.js";
import { genRequestId } from "./request-id.js";
import { accessLogHook } from "./access-log.js";
import { healthRoutes } from "./routes/health.js";
import { readRoutes } from "./routes/read.js";
import { adminRoutes } from "./routes/admin.js";
import { controlOnlyRoutes } from "./routes/control-only.js";
import { webhookRoutes } from "./routes/webhook.js";
import { docsRoutes } from "./routes/docs.js";
import { relayControlRoutes } from "./routes/relay-control.js";
import { relayPublicRoutes } from "./routes/relay-public.js";
import { metricsRoutes } from "./routes/metrics.js";
import { notifyRoutes } from "./routes/notify.js";
import { openApiRoutes } from "./routes/openapi.js";
import { recordRoutes } from "./contract/route-registry.js";
import { finiteQuery } from "./finite-query.js";
import { webhookMetricsHooks } from "../metrics/webhook-hooks.js";
import { protocolErrorHandlers } from "./protocol-errors.js";
import { schemaErrors, VALIDATION_SOURCES, type SchemaIssue } from "./schema-errors.js";


export interface BuildAppOptions {
  kind: AppKind;
  deps: ApiDeps;
  https?: { cert: string | Buffer; key: string | Buffer } | null;
  trustProxy?: boolean;
  /** Told of every answer a route sends (the contract test checks each against the route's schema). */
  observe?: (answer: ObservedAnswer) => void;
}

export interface ObservedAnswer {
  app: AppKind;
  method: string;
  /** The route's URL pattern; undefined when no route matched. */
  route: string | undefined;
  status: number;
  contentType: string;
  payload: unknown;
}

export const BODY_LIMIT = 1024 * 1024;
export const MAX_HEADER_SIZE = 8 * 1024;
export const MAX_PARAM_LENGTH = 100;

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const protocol = protocolErrorHandlers({
    maxHeaderSize: MAX_HEADER_SIZE,
    maxParamLength: MAX_PARAM_LENGTH,
    log: (e) => opts.deps.logger.access({ server: opts.kind, ...e, ms: 0, user_agent: null }),
  });
  const base: FastifyServerOptions = {
    logger: false,
    bodyLimit: BODY_LIMIT,
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    genReqId: genRequestId,
    trustProxy: opts.trustProxy ?? false,
    // Sockets are closed at once on close (forceCloseConnections), so no request can be caught mid-close; and
    // fastify's 503 for one would not be in the error envelope.
    return503OnClosing: false,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A query parameter a route does not know is refused, as its schema says, not dropped (`?limt=10` is a typo).
    ajv: { customOptions: { removeAdditional: false } },
    clientErrorHandler: protocol.clientErrorHandler,
    frameworkErrors: protocol.frameworkErrors as FastifyServerOptions["frameworkErrors"],
  };
  // A request without Host is answered by the hook below in the error envelope, not by node with an empty 400.
  const server = { maxHeaderSize: MAX_HEADER_SIZE, requireHostHeader: false };
  const app = (
    opts.https
      ? Fastify({ ...base, https: { ...opts.https, ...server } } as FastifyServerOptions)
      : Fastify({ ...base, http: server })
  ) as unknown as FastifyInstance;
  protocol.attach(app.server, Boolean(opts.https));

  // TradingView posts text/plain unless the alert text is valid JSON; keep the raw text, the webhook route parses it.
  app.addContentTypeParser(["text/plain", "application/json"], { parseAs: "string", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  accessLogHook(app, opts.deps, opts.kind);
  if (opts.kind === "public" && opts.deps.metrics) webhookMetricsHooks(app, opts.deps.metrics);
  // HTTP/1.1 requires Host (RFC 9112 3.2); node would answer its absence with an empty 400.
  app.addHook("onRequest", (req, _reply, done) => {
    done(req.headers.host === undefined && req.raw.httpVersion === "1.1" ? new TradectlError("MALFORMED_REQUEST", "Missing Host header (required by HTTP/1.1)") : undefined);
  });

  // The one place an error becomes an HTTP answer: a TradectlError by its code (domain/errors.ts), fastify's own by
  // what it says; anything else is a bug, logged and answered 500.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: SchemaIssue[]; validationContext?: string }, req, reply) => {
    if (err instanceof TradectlError) {
      if (err.kind === "internal") opts.deps.logger.error("internal error in a route", { request_id: req.id, path: req.url, code: err.code, error: err });
      return sendError(req, reply, err);
    }
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
      // The client may still be sending the rest: the connection is drained before it closes, so it gets this answer.
      return sendError(req, reply.header("Connection", "close"), new TradectlError("PAYLOAD_TOO_LARGE", `Request body exceeds ${BODY_LIMIT} bytes`, { details: { max_body_bytes: BODY_LIMIT } }));
    }
    if (err.statusCode === 429) return reply.send(err);
    if (err.validation) {
      const where = VALIDATION_SOURCES[err.validationContext ?? ""] ?? "query";
      return reply.code(400).send(errorBody(req, "VALIDATION_ERROR", `Invalid ${where}`, undefined, { errors: schemaErrors(err.validation, req[where]) }));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // fastify's own refusals of a request (an empty or broken JSON body, a media type it cannot parse)
      if (httpStatuses("VALIDATION_ERROR").includes(err.statusCode)) return sendError(req, reply, new TradectlError("VALIDATION_ERROR", err.message, { status: err.statusCode as 400 }));
      return reply.code(err.statusCode).send(errorBody(req, "VALIDATION_ERROR", err.message));
    }
    opts.deps.logger.error("unhandled error in a route", { request_id: req.id, path: req.url, error: err });
    return reply.code(500).send(errorBody(req, "INTERNAL_ERROR", "Internal server error"));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(req, "NOT_FOUND", `No route for ${req.method} ${req.url.split("?")[0]}`)));

  // Response schemas document and test the contract (contract/route-doc.ts); they never shape an answer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const registry = recordRoutes(app);
  // Every route whose query has a schema checks its numbers are finite (see finite-query.ts); the others pay nothing.
  app.addHook("onRoute", (route) => {
    if (!route.schema?.querystring) return;
    route.preHandler = [finiteQuery, ...[route.preHandler ?? []].flat()];
  });
  const observe = opts.observe;
  if (observe) {
    app.addHook("onSend", async (req, reply, payload) => {
      observe({ app: opts.kind, method: req.method, route: req.routeOptions.url, status: reply.statusCode, contentType: String(reply.getHeader("content-type") ?? ""), payload });
      return payload;
    });
  }
  await app.register(healthRoutes, { deps: opts.deps });
  await app.register(docsRoutes);
  await app.register(readRoutes, { deps: opts.deps, kind: opts.kind });
  await app.register(adminRoutes, { deps: opts.deps, kind: opts.kind });
  if (opts.kind === "public") await app.register(webhookRoutes, { deps: opts.deps });
  if (opts.kind === "public") await app.register(relayPublicRoutes, { deps: opts.deps });
  if (opts.kind === "control") {
    await app.register(controlOnlyRoutes, { deps: opts.deps });
    await app.register(relayControlRoutes, { deps: opts.deps });
    await app.register(metricsRoutes, { deps: opts.deps });
    await app.register(notifyRoutes, { deps: opts.deps });
  }
  await app.register(openApiRoutes, { kind: opts.kind, registry });
  return app;
}
