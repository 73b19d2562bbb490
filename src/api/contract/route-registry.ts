/** Every route an app registers, with its schema: what the OpenAPI document and the contract test are made from. */
import type { FastifyInstance } from "fastify";
import type { DocumentedRoute } from "./openapi.js";
import type { RouteSchema } from "./route-doc.js";

export interface RouteRegistry {
  documented: DocumentedRoute[];
  /** "METHOD /url" of each route registered without a schema (the contract test requires none). */
  undocumented: string[];
}

const registries = new WeakMap<FastifyInstance, RouteRegistry>();

/** Starts recording `app`'s routes; call before any route is registered. HEAD routes fastify adds are left out. */
export function recordRoutes(app: FastifyInstance): RouteRegistry {
  const registry: RouteRegistry = { documented: [], undocumented: [] };
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      const schema = route.schema as Partial<RouteSchema> | undefined;
      if (schema?.operationId && schema.response) registry.documented.push({ method, url: route.url, schema: schema as RouteSchema });
      else registry.undocumented.push(`${method} ${route.url}`);
    }
  });
  registries.set(app, registry);
  return registry;
}

export function routeRegistry(app: FastifyInstance): RouteRegistry {
  const r = registries.get(app);
  if (!r) throw new Error("routeRegistry: this app was not built by buildApp");
  return r;
}
