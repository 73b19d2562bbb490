/** GET /docs/errors: the error reference that every error's help_url points into, rendered from man/tradectl-api.7. */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { HELP_PATH } from "../../domain/error-envelope.js";
import { resolveFromPackage } from "../../feeds/package-root.js";
import { manToHtml } from "../man-html.js";
import { media, routeDoc } from "../contract/route-doc.js";

const doc = routeDoc({ operationId: "getErrorReference", summary: "The error reference every help_url points into (tradectl-api(7) as HTML)", tags: ["System"], answers: { 200: media("text/html", "The reference page.") } });

export const docsRoutes: FastifyPluginAsync = async (app) => {
  let page: string | null = null;
  app.get(HELP_PATH, doc, async (_req, reply) => {
    page ??= manToHtml(readFileSync(resolveFromPackage("man/tradectl-api.7"), "utf8"));
    return reply.type("text/html; charset=utf-8").send(page);
  });
};
