/** GET /docs/errors: the error reference that every error's help_url points into (man/tradectl-errors.7.md). */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import { HELP_PATH } from "../../domain/error-envelope.js";
import { resolveFromPackage } from "../../feeds/package-root.js";

export const docsRoutes: FastifyPluginAsync = async (app) => {
  let text: string | null = null;
  app.get(HELP_PATH, async (_req, reply) => {
    text ??= readFileSync(resolveFromPackage("man/tradectl-errors.7.md"), "utf8");
    return reply.type("text/markdown; charset=utf-8").send(text);
  });
};
