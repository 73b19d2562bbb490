/** GET /events: the event bus as Server-Sent Events (`tradectl events --follow`), optionally after recent history. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EventEnvelope } from "../../engine/envelope.js";
import type { ApiDeps } from "../deps.js";

export async function streamEvents(deps: ApiDeps, req: FastifyRequest<{ Querystring: { type?: string; history: number } }>, reply: FastifyReply): Promise<void> {
  const { type, history } = req.query;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
  // A HEAD gets the headers alone: writes are dropped for it, so a stream would never send them.
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const write = (e: EventEnvelope) => {
    if (type && !e.type.startsWith(type)) return;
    res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  };
  if (history > 0) for (const e of deps.audit.list({ limit: history, ...(type ? { type } : {}) })) write(e);
  const wantsTicks = type !== undefined && "feed.tick".startsWith(type);
  const off = deps.bus.on("*", write, { ticks: wantsTicks });
  const beat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), 15_000);
  res.write(": connected\n\n");
  const close = () => {
    off();
    clearInterval(beat);
  };
  req.raw.on("close", close);
  res.on("close", close);
}
