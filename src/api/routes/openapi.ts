/** GET /openapi.json: this app's OpenAPI document, generated from the routes it registered. */
import type { FastifyPluginAsync } from "fastify";
import { packageVersion } from "../../feeds/package-root.js";
import { buildOpenApi, type OpenApiDocument } from "../contract/openapi.js";
import { json, routeDoc } from "../contract/route-doc.js";
import type { RouteRegistry } from "../contract/route-registry.js";
import type { AppKind } from "../deps.js";

export const openApiRoutes: FastifyPluginAsync<{ kind: AppKind; registry: RouteRegistry }> = async (app, { kind, registry }) => {
  let built: OpenApiDocument | null = null;
  const doc = routeDoc({
    operationId: "getOpenApi",
    summary: "This document",
    tags: ["System"],
    answers: { 200: json({ type: "object", required: ["openapi", "paths"] }, "OpenAPI 3.0 document, generated from the registered routes") },
  });
  app.get("/openapi.json", doc, async (req) => {
    const serverUrl = kind === "public" ? `${req.protocol}://${req.host}` : "http://localhost";
    built ??= buildOpenApi(registry.documented, { serverUrl, version: packageVersion(), kind });
    return { ...built, servers: [{ url: serverUrl }] };
  });
};
