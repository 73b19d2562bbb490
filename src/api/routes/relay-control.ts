/** The relay's socket routes: every `tradectl relay …` operation, sender side and receiver side. */
import type { FastifyPluginAsync } from "fastify";
import { TradectlError } from "../../domain/errors.js";
import { success } from "../api-error.js";
import type { ApiDeps } from "../deps.js";
import { parseJsonObject } from "../json-body.js";

const optionalString = (body: Record<string, unknown>, field: string): string | null => {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new TradectlError("VALIDATION_ERROR", `${field} must be a string`, { details: { field } });
  return v;
};

export const relayControlRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { sender, receiver } = deps.relay;
  type Id = { Params: { id: string } };
  type Rid = { Params: { id: string; rid: string } };

  app.post("/relay/channels", async (req) => {
    const body = parseJsonObject(req.body);
    const name = optionalString(body, "name") ?? "";
    return success(await sender.createChannel(name, body.from_webhook === true));
  });
  app.get("/relay/channels", async () => success(sender.channels()));
  app.get<Id>("/relay/channels/:id", async (req) => success(await sender.showChannel(req.params.id)));
  app.delete<Id>("/relay/channels/:id", async (req) => success(await sender.deleteChannel(req.params.id)));

  app.post<Id>("/relay/channels/:id/invitations", async (req) => {
    const body = parseJsonObject(req.body);
    const expires = body.expires_ms;
    if (expires !== undefined && typeof expires !== "number") throw new TradectlError("VALIDATION_ERROR", "expires_ms must be a number", { details: { field: "expires_ms" } });
    return success(await sender.invite(req.params.id, { note: optionalString(body, "note"), email: optionalString(body, "email"), ...(expires !== undefined ? { expiresMs: expires } : {}) }));
  });
  app.get<Id>("/relay/channels/:id/receivers", async (req) => success(await sender.receivers(req.params.id)));
  for (const action of ["pause", "resume"] as const) {
    app.post<Rid>(`/relay/channels/:id/receivers/:rid/${action}`, async (req) => success(await sender.setPaused(req.params.id, req.params.rid, action === "pause")));
    app.post<Id>(`/relay/subscriptions/:id/${action}`, async (req) => success(await receiver.setPaused(req.params.id, action === "pause")));
  }
  app.get<{ Querystring: { channel?: string } }>("/relay/status", async (req) => success(await sender.status(req.query.channel || undefined)));

  app.post("/relay/subscriptions", async (req) => {
    const body = parseJsonObject(req.body);
    const url = optionalString(body, "url") ?? "";
    const sizing = body.sizing === undefined ? 1 : body.sizing;
    if (typeof sizing !== "number") throw new TradectlError("VALIDATION_ERROR", "sizing must be a number", { details: { field: "sizing" } });
    return success(await receiver.accept(url, sizing));
  });
  app.get("/relay/subscriptions", async () => success(receiver.subscriptions()));
};
