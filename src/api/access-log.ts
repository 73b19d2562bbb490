/** One access-log line per request: method, path, status, time, source; never the body or the query's secrets. */
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "./deps.js";

export function accessLogHook(app: FastifyInstance, deps: ApiDeps, kind: string): void {
  app.addHook("onResponse", async (req, reply) => {
    deps.logger.access({
      server: kind,
      request_id: req.id,
      method: req.method,
      path: accessPath(req.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      source_ip: kind === "public" ? req.ip : "socket",
      user_agent: req.headers["user-agent"] ?? null,
    });
  });
}

/** An invitation's one-time token is a secret, also in a URL: the access log keeps only its first characters. */
const INVITE = "/relay/invite/";

/** A request's path as the access log keeps it: no query, and an invitation's token cut to its first 4 characters. */
export function accessPath(url: string): string {
  const path = url.split("?")[0]!;
  return path.startsWith(INVITE) ? `${INVITE}${path.slice(INVITE.length, INVITE.length + 4)}…` : path;
}
