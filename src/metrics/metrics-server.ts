/** The optional metrics port (`metrics.port`): GET /metrics on 127.0.0.1 only, for a Prometheus on the same machine. */
import Fastify, { type FastifyInstance } from "fastify";
import type { Metrics } from "./metrics.js";

export async function startMetricsServer(m: Metrics, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  app.get("/metrics", async (_req, reply) => reply.type(m.contentType).send(await m.text()));
  const address = await app.listen({ host: "127.0.0.1", port });
  return { url: `${address}/metrics`, close: () => app.close() };
}
