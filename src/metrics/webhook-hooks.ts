/**
 * The webhook route's metrics, from fastify hooks on the public app: each POST /webhook answer's outcome and reason,
 * and the accept latency (fastify's own elapsed time at the end of the answer). A refusal's reason is read from the
 * answer already serialized (its limit type, else its error code); an accepted answer is not read at all.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Metrics } from "./metrics.js";

const REASON = Symbol("tradectl.refusalReason");
type Marked = FastifyRequest & { [REASON]?: string };

const LIMIT_TYPE = /"limit_type":"([a-z_]+)"/;
const ERROR_CODE = /"error_code":"([A-Z_]+)"/;

function reasonOf(body: string): string | undefined {
  const limit = LIMIT_TYPE.exec(body);
  if (limit) return limit[1]!;
  const code = ERROR_CODE.exec(body);
  return code ? code[1]!.toLowerCase() : undefined;
}

export function webhookMetricsHooks(app: FastifyInstance, m: Metrics): void {
  app.addHook("onSend", (req, reply, payload, done) => {
    if (reply.statusCode >= 300 && typeof payload === "string" && req.routeOptions.url === "/webhook") (req as Marked)[REASON] = reasonOf(payload);
    done(null, payload);
  });
  app.addHook("onResponse", (req, reply, done) => {
    if (req.routeOptions.url === "/webhook" && req.method === "POST") m.webhookAnswer(reply.statusCode, reply.elapsedTime, (req as Marked)[REASON]);
    done();
  });
}
