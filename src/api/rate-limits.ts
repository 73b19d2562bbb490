/**
 * Rate limits of seed 6.1 per source IP, with X-RateLimit-* headers and Retry-After on 429.
 * @fastify/rate-limit does the counting; several windows (webhook: minute, hour, day) are checked together and
 * the tightest one is reported.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest, FastifyReply } from "fastify";
import { TradectlError } from "../domain/errors.js";
import type { ApiDeps } from "./deps.js";
import { clockedStore } from "./rate-limit-store.js";

export interface WindowLimit {
  max: number;
  windowMs: number;
  label: string;
}

type Check = (req: FastifyRequest) => Promise<{ max: number; remaining: number; ttl: number; isExceeded: boolean }>;

async function registerPlugin(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  if (!app.hasDecorator("createRateLimit")) {
    await app.register(rateLimit, { global: false, store: (deps.rateLimitStore ?? clockedStore(deps.clock)) as never, keyGenerator: (req) => req.ip });
  }
}

/**
 * Adds an onRequest hook to every route of `app` checking all `limits` (counted on every request). `limits` is
 * read on every request (a reload applies at once); the limiters are resolved again only when it returns a new array.
 */
export async function limitRequests(app: FastifyInstance, deps: ApiDeps, limits: () => WindowLimit[]): Promise<void> {
  await registerPlugin(app, deps);
  const created = new Map<string, Check>();
  const checkFor = (l: WindowLimit): Check => {
    const id = `${l.label}:${l.max}:${l.windowMs}`;
    let c = created.get(id);
    if (!c) {
      c = (app as unknown as { createRateLimit: (o: object) => Check }).createRateLimit({ max: l.max, timeWindow: l.windowMs, keyGenerator: (req: FastifyRequest) => `${l.label}|${req.ip}` });
      created.set(id, c);
    }
    return c;
  };
  let resolved: { from: WindowLimit[] | null; checks: Array<{ l: WindowLimit; check: Check }> } = { from: null, checks: [] };
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    const current = limits();
    if (current !== resolved.from) resolved = { from: current, checks: current.map((l) => ({ l, check: checkFor(l) })) };
    const results = await Promise.all(resolved.checks.map(async ({ l, check }) => ({ l, r: await check(req) })));
    if (!results.length) return;
    const exceeded = results.find((x) => x.r.isExceeded);
    const shown = exceeded ?? results.reduce((a, b) => (b.r.remaining < a.r.remaining ? b : a));
    const resetSec = Math.ceil((deps.clock.now() + shown.r.ttl) / 1000);
    reply.header("X-RateLimit-Limit", shown.r.max);
    reply.header("X-RateLimit-Remaining", shown.r.remaining);
    reply.header("X-RateLimit-Reset", resetSec);
    if (exceeded) {
      const retryAfter = Math.max(1, Math.ceil(exceeded.r.ttl / 1000));
      reply.header("Retry-After", retryAfter);
      throw new TradectlError("RATE_LIMIT_EXCEEDED", "Rate limit exceeded", { details: { limit: exceeded.l.max, window: exceeded.l.label, retry_after_seconds: retryAfter } });
    }
  });
}

type RateLimitConfig = ReturnType<ApiDeps["config"]>["webhook"]["rateLimits"];

/** Limits built from the config's `webhook.rateLimits`, the same array until a reload replaces that object. */
function fromConfig(deps: ApiDeps, build: (r: RateLimitConfig) => WindowLimit[]): () => WindowLimit[] {
  let from: RateLimitConfig | null = null;
  let limits: WindowLimit[] = [];
  return () => {
    const r = deps.config().webhook.rateLimits;
    if (r !== from) {
      from = r;
      limits = build(r);
    }
    return limits;
  };
}

/** GET /status and friends on the public port: 30 per minute (seed 6.1 api_status). */
export async function statusRateLimit(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await limitRequests(app, deps, fromConfig(deps, (r) => [{ max: r.statusPerMinute, windowMs: 60_000, label: "1 minute" }]));
}

/** POST /webhook: per minute, hour and day (seed 6.1). */
export function webhookLimits(deps: ApiDeps): () => WindowLimit[] {
  return fromConfig(deps, (r) => [
    { max: r.perMinute, windowMs: 60_000, label: "1 minute" },
    { max: r.perHour, windowMs: 3_600_000, label: "1 hour" },
    { max: r.perDay, windowMs: 86_400_000, label: "1 day" },
  ]);
}
