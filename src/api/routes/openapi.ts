/** GET /openapi.json: this app's OpenAPI document, generated from the routes it registered. */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { resolveFromPackage } from "../../feeds/package-root.js";
import { buildOpenApi, type OpenApiDocument } from "../contract/openapi.js";
import { media, routeDoc } from "../contract/route-doc.js";
import type { RouteRegistry } from "../contract/route-registry.js";
import type { AppKind } from "../deps.js";

const VERSION = (JSON.parse(readFileSync(resolveFromPackage("package.json"), "utf8")) as { version: string }).version;

export const openApiRoutes: FastifyPluginAsync<{ kind: AppKind; registry: RouteRegistry }> = async (app, { kind, registry }) => {
  let built: OpenApiDocument | null = null;
  const doc = routeDoc({
    operationId: "getOpenApi",
    summary: "This document",
    tags: ["System"],
    answers: { 200: { ...media("application/json", "OpenAPI 3.0 document, generated from the registered routes"), content: { "application/json": { schema: { type: "object", required: ["openapi", "paths"] } } } } },
  });
  app.get("/openapi.json", doc, async (req) => {
    const serverUrl = kind === "public" ? `${req.protocol}://${req.host}` : "http://localhost";
    built ??= buildOpenApi(registry.documented, { serverUrl, version: VERSION, kind });
    return { ...built, servers: [{ url: serverUrl }] };
  });
};
