/** GET /docs/errors: the error reference that every error's help_url points into, rendered from man/tradectl-api.7. */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { HELP_PATH } from "../../domain/error-envelope.js";
import { resolveFromPackage } from "../../feeds/package-root.js";
import { manToHtml } from "../man-html.js";

export const docsRoutes: FastifyPluginAsync = async (app) => {
  let page: string | null = null;
  app.get(HELP_PATH, async (_req, reply) => {
    page ??= manToHtml(readFileSync(resolveFromPackage("man/tradectl-api.7"), "utf8"));
    return reply.type("text/html; charset=utf-8").send(page);
  });
};
