/** Admin password (seed 3.3): bcrypt against ADMIN_PASSWORD_HASH, at most 5 failed attempts per 5 minutes per source. */
import bcrypt from "bcryptjs";
import type { FastifyRequest } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import type { ApiDeps } from "../deps.js";

const WINDOW_MS = 5 * 60_000;

export function adminPasswordCheck(deps: ApiDeps) {
  const failures = new Map<string, number[]>();
  return async (req: FastifyRequest, password: unknown): Promise<void> => {
    const now = deps.clock.now();
    const max = deps.config().webhook.rateLimits.adminPer5Minutes;
    const recent = (failures.get(req.ip) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length) failures.set(req.ip, recent);
    else failures.delete(req.ip);
    if (recent.length >= max) {
      const retryAfter = Math.ceil((recent[0]! + WINDOW_MS - now) / 1000);
      throw new TradectlError("RATE_LIMIT_EXCEEDED", "Too many authentication attempts", { details: { limit: max, window: "5 minutes", retry_after_seconds: retryAfter } });
    }
    if (typeof password !== "string" || password.length === 0) throw new TradectlError("AUTH_FAILED", "Missing password");
    // The attempt counts before the (slow) bcrypt check, so parallel guesses cannot all pass the limit above.
    recent.push(now);
    failures.set(req.ip, recent);
    const hash = deps.adminPasswordHash();
    const ok = hash ? await bcrypt.compare(password, hash) : false;
    if (ok) {
      // A right password gives its reservation back (read the list again: parallel requests replaced it).
      const current = failures.get(req.ip) ?? [];
      const i = current.indexOf(now);
      if (i >= 0) current.splice(i, 1);
      if (!current.length) failures.delete(req.ip);
    } else {
      throw new TradectlError("AUTH_FAILED", hash ? "Invalid password" : "Admin password is not configured (set ADMIN_PASSWORD_HASH)");
    }
  };
}
