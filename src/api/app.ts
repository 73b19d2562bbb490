/**
 * Builds a fastify app; only the daemon listens. Two instances come from the same route plugins:
 * `public` (the webhook TCP port, API-key and password auth) and `control` (the 0600 Unix socket: its owner is trusted).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { ApiError, errorBody, sendError } from "./api-error.js";
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
import { webhookMetricsHooks } from "../metrics/webhook-hooks.js";


export interface BuildAppOptions {
  kind: AppKind;
  deps: ApiDeps;
  https?: { cert: string | Buffer; key: string | Buffer } | null;
  trustProxy?: boolean;
}

export const BODY_LIMIT = 1024 * 1024;
export const MAX_HEADER_SIZE = 8 * 1024;

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const base: FastifyServerOptions = {
    logger: false,
    bodyLimit: BODY_LIMIT,
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    genReqId: genRequestId,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: true,
  };
  const app = (
    opts.https
      ? Fastify({ ...base, https: { ...opts.https, maxHeaderSize: MAX_HEADER_SIZE } } as FastifyServerOptions)
      : Fastify({ ...base, http: { maxHeaderSize: MAX_HEADER_SIZE } })
  ) as unknown as FastifyInstance;

  // TradingView posts text/plain unless the alert text is valid JSON; keep the raw text, the webhook route parses it.
  app.addContentTypeParser(["text/plain", "application/json"], { parseAs: "string", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

  accessLogHook(app, opts.deps, opts.kind);
  if (opts.kind === "public" && opts.deps.metrics) webhookMetricsHooks(app, opts.deps.metrics);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ApiError) return sendError(req, reply, err);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
      return reply.code(413).send(errorBody(req, "PAYLOAD_TOO_LARGE", `Request body exceeds ${BODY_LIMIT} bytes`, { max_body_bytes: BODY_LIMIT }));
    }
    if (err.statusCode === 429) return reply.send(err);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody(req, "VALIDATION_ERROR", err.message));
    }
    opts.deps.logger.error("unhandled error in a route", { request_id: req.id, path: req.url, error: err });
    return reply.code(500).send(errorBody(req, "INTERNAL_ERROR", "Internal server error"));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(req, "NOT_FOUND", `No route for ${req.method} ${req.url.split("?")[0]}`)));

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
  return app;
}
