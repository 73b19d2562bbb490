/**
 * ajv turns "Infinity" and "1e999" in a query string into Infinity and then skips `minimum` and `maximum` for it
 * (ajv-validator/ajv#2212, fastify/fastify#6718; fixes proposed, none released): `?offset=Infinity` passed the
 * schema and reached SQLite. Every route with a query schema checks its numbers again here, after validation (app.ts
 * adds this to each such route as it is registered).
 */
import type { FastifyRequest } from "fastify";
import { TradectlError } from "../domain/errors.js";

export async function finiteQuery(req: FastifyRequest): Promise<void> {
  for (const [field, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TradectlError("VALIDATION_ERROR", "Invalid query", { errors: [{ field, message: `${field} must be a finite number`, value: String(value) }] });
    }
  }
}
