/** Bearer API-key auth for the public read routes (seed 3.2). The control socket needs none: its owner is trusted. */
import type { FastifyRequest } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import type { ApiDeps } from "../deps.js";

export function requireApiKey(deps: ApiDeps) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (!header || !header.startsWith("Bearer ")) {
      throw new TradectlError("AUTH_FAILED", "Missing or invalid Authorization header");
    }
    const check = deps.apiKeys.verify(header.slice("Bearer ".length).trim(), deps.clock.now());
    if (!check.ok) {
      throw new TradectlError("AUTH_FAILED", check.reason === "expired" ? "API key expired" : check.reason === "revoked" ? "API key revoked" : "Invalid API key");
    }
  };
}
